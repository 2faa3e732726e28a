#!/usr/bin/env python3
"""Tries one TCP connection and says how it ended.

Usage: tcp_probe.py HOST PORT [TIMEOUT_SECONDS [read]]   (default 3)

Prints one JSON line {"result": R, "seconds": S} where R is "connected",
"refused" (a RST answered the SYN), "timeout" (nothing answered), or
"unreachable" (e.g. nobody answered ARP: EHOSTUNREACH), else the errno
name.  curl reports all of the last three as "Couldn't connect", which
cannot tell a reset from silence.  With "read", a connection that was
made is then read from until TIMEOUT: "reset" (a RST came), "closed" (a
FIN came) or "connected" (still open).  Exits 0 when the connection was
made and is still open.
"""
import errno
import json
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    start = time.monotonic()
    try:
        sock.connect((host, port))
        result = "connected"
        if len(sys.argv) > 4 and sys.argv[4] == "read":
            try:
                result = "closed" if sock.recv(1) == b"" else "connected"
            except socket.timeout:
                pass
            except ConnectionResetError:
                result = "reset"
    except socket.timeout:
        result = "timeout"
    except ConnectionRefusedError:
        result = "refused"
    except ConnectionResetError:
        result = "reset"	# the RST came right after the handshake
    except OSError as e:
        result = {errno.EHOSTUNREACH: "unreachable", errno.ENETUNREACH: "unreachable"}.get(
            e.errno, errno.errorcode.get(e.errno, str(e)))
    finally:
        sock.close()
    print(json.dumps({"result": result, "seconds": round(time.monotonic() - start, 3)}))
    sys.exit(0 if result == "connected" else 1)


if __name__ == "__main__":
    main()
