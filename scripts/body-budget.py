#!/usr/bin/env python3
"""What request bodies in flight cost gmemd (README, "Budgets and limits under hostile load").

Starts GMEMD (a built gmemd binary) with FLAGS on a free port, makes a tenant and a 64 MiB file,
then has 16 clients PUT 63 MiB of content each at once, and prints the statuses they got and
gmemd's RSS before, at its peak (sampled every 20 ms) and after.

    python3 scripts/body-budget.py .build/debug/gmemd [FLAGS...]
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

CLIENTS, MIB = 16, 1 << 20


def start(binary, flags):
    state = tempfile.mkdtemp()
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--state-dir", state] + flags, stderr=subprocess.PIPE, text=True)
    while True:
        line = process.stderr.readline()
        if not line:
            sys.exit("gmemd exited before it listened")
        found = re.search(r"listening on http://127.0.0.1:(\d+)", line)
        if found:
            break
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
    return process, int(found.group(1)), open(os.path.join(state, "admin-token")).read().strip()


def exchange(port, head, body=b""):
    connection = socket.create_connection(("127.0.0.1", port), timeout=120)
    try:
        connection.sendall(head.encode() + body)
    except OSError:
        pass  # gmemd answered and closed before taking it all
    reply = b""
    try:
        while chunk := connection.recv(65536):
            reply += chunk
    except OSError:
        pass
    status = int(reply.split()[1]) if reply else 0
    return status, reply.partition(b"\r\n\r\n")[2]


def post(port, token, path, document):
    body = json.dumps(document).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: gmemd\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return json.loads(exchange(port, head, body)[1])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


def main():
    process, port, admin = start(sys.argv[1], sys.argv[2:])
    tenant = post(port, admin, "/v1/tenants", {"name": "bodies", "limits": {"max_bytes": 8 << 30}})
    file = post(port, tenant["token"], "/v1/files", {"name": "f", "size": 64 * MIB})
    head = (f"PUT /v1/files/{file['id']}/content?offset=0 HTTP/1.1\r\nHost: gmemd\r\n"
            f"Authorization: Bearer {tenant['token']}\r\nContent-Length: {63 * MIB}\r\nConnection: close\r\n\r\n")
    statuses = []
    clients = [threading.Thread(target=lambda: statuses.append(exchange(port, head, b"a" * 63 * MIB)[0]))
               for _ in range(CLIENTS)]
    before = peak = rss_mib(process.pid)
    for client in clients:
        client.start()
    while any(client.is_alive() for client in clients):
        peak = max(peak, rss_mib(process.pid))
        time.sleep(0.02)
    print(f"flags {sys.argv[2:]}: statuses {sorted(statuses)}; "
          f"RSS MiB before {before}, peak {peak}, after {rss_mib(process.pid)}")
    process.terminate()
    process.wait()


if __name__ == "__main__":
    main()
