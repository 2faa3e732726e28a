#!/usr/bin/env python3
"""Many short connections, for TIME_WAIT tests.

Usage: tw_client.py HOST PORT N CONCURRENCY first|second

N connections, CONCURRENCY at a time (threads), each reading the
backend's one byte and then: first: the backend closes first (read to
EOF, then close); second: the client closes first (close after the
byte; the backend closes on our FIN).  Prints one JSON line of counts:
ok (the byte, then the close as expected), refused (reset or refused:
the appliance turned it away), timeout (no answer in 5 s: hung), other.
"""
import json
import socket
import sys
import threading


def one(host, port, mode):
    try:
        s = socket.create_connection((host, port), timeout=5)
    except (ConnectionRefusedError, ConnectionResetError):
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "other"
    try:
        data = s.recv(1)
        if data != b"x":
            return "refused" if data == b"" else "other"
        if mode == "first":
            if s.recv(1) != b"":
                return "other"
        return "ok"
    except ConnectionResetError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "other"
    finally:
        s.close()


def main():
    host, port, n, conc, mode = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                 int(sys.argv[4]), sys.argv[5])
    counts = {"ok": 0, "refused": 0, "timeout": 0, "other": 0}
    lock = threading.Lock()
    left = [n]

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            r = one(host, port, mode)
            with lock:
                counts[r] += 1

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
