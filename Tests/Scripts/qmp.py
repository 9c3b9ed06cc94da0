#!/usr/bin/env python3
"""Runs human-monitor commands (`xp /16xb 0`) on a QEMU's QMP socket; prints their outputs as
one JSON list. Waits up to 20 s for the socket. Usage: qmp.py SOCKET COMMAND...
`human_monitor(path, commands)` does the same for scripts that import this one."""
import json
import socket
import sys
import time


def connect(path, wait=20):
    """A stream socket connected to `path`, tried again until QEMU listens there (`wait` s)."""
    deadline = time.monotonic() + wait
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(wait)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def human_monitor(path, commands):
    """Each human-monitor command's output, in order, from one QMP session on `path`."""
    with connect(path) as sock, sock.makefile("rw") as stream:
        json.loads(stream.readline())  # the greeting

        def call(name, arguments=None):
            stream.write(json.dumps({"execute": name, **({"arguments": arguments} if arguments else {})}) + "\n")
            stream.flush()
            while True:
                answer = json.loads(stream.readline())
                if "return" in answer or "error" in answer:
                    return answer

        call("qmp_capabilities")
        return [call("human-monitor-command", {"command-line": c}).get("return") for c in commands]


if __name__ == "__main__":
    print(json.dumps(human_monitor(sys.argv[1], sys.argv[2:])))
