#!/usr/bin/env python3
"""Runs human-monitor commands (`xp /16xb 0`) on a QEMU's QMP socket; prints their outputs as
one JSON list. Waits up to 20 s for the socket. Usage: qmp.py SOCKET COMMAND..."""
import json
import socket
import sys
import time

path, commands = sys.argv[1], sys.argv[2:]
deadline = time.time() + 20
while True:
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(20)
        sock.connect(path)
        break
    except OSError:
        sock.close()
        if time.time() > deadline:
            raise
        time.sleep(0.1)
stream = sock.makefile("rw")
json.loads(stream.readline())  # the greeting


def call(command, arguments=None):
    message = {"execute": command}
    if arguments:
        message["arguments"] = arguments
    stream.write(json.dumps(message) + "\n")
    stream.flush()
    while True:
        answer = json.loads(stream.readline())
        if "return" in answer or "error" in answer:
            return answer


call("qmp_capabilities")
print(json.dumps([call("human-monitor-command", {"command-line": c}).get("return") for c in commands]))
