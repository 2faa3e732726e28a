#!/usr/bin/env python3
"""HTTP/1.0 GETs, one after another, all from one local address and port.

Usage: same_port_http.py SRC_IP SRC_PORT DST_IP DST_PORT COUNT

Each connection reads the answer to its end (the server's FIN) before
closing, so the server side closes first and holds the 4-tuple in
TIME_WAIT while this side holds nothing: the next SYN from the same port
then meets the server's TIME_WAIT, which is what the caller tests.  curl
cannot promise that order: it may close as soon as Content-Length bytes
are in, and then its own TIME_WAIT makes the next bind fail.

Prints one JSON line {"answers": [BODY or "error: ..."], ...}.
"""
import errno
import json
import socket
import sys
import time


def one_get(src, dst, timeout):
    # Our own close after the server's FIN leaves a LAST_ACK socket until
    # the server ACKs it; connect() reports EADDRNOTAVAIL in that window.
    deadline = time.monotonic() + 2.0
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.settimeout(timeout)
        try:
            sock.bind(src)
            sock.connect(dst)
            break
        except OSError as e:
            sock.close()
            if e.errno in (errno.EADDRNOTAVAIL, errno.EADDRINUSE) and time.monotonic() < deadline:
                time.sleep(0.02)
                continue
            return "error: connect: " + (errno.errorcode.get(e.errno, "") or str(e))
    try:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % dst[0].encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        return "error: " + (errno.errorcode.get(e.errno, "") or str(e))
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0]:
        return "error: bad answer %r" % head[:60]
    return body.decode(errors="replace").strip()


def main():
    src = (sys.argv[1], int(sys.argv[2]))
    dst = (sys.argv[3], int(sys.argv[4]))
    count = int(sys.argv[5])
    answers = [one_get(src, dst, 3.0) for _ in range(count)]
    print(json.dumps({"answers": answers}))


if __name__ == "__main__":
    main()
