#!/usr/bin/env python3
"""What hostile clients cost gmemd under its budgets (README, "Budgets and limits under hostile load").

Starts GMEMD (a built gmemd binary) with FLAGS on a free port, makes a tenant and a 64 MiB file, then

- bodies: has 16 clients PUT 63 MiB of content each at once, and prints the statuses they got and
  gmemd's RSS before, at its peak (sampled every 20 ms) and after;
- downloads: opens 200 downloads of the (allocated) file that never read past the status line,
  and prints their statuses and the kernel's TCP memory (/proc/net/sockstat) before and after.

    python3 scripts/budgets.py bodies|downloads .build/debug/gmemd [FLAGS...]
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

CLIENTS, DOWNLOADS, MIB = 16, 200, 1 << 20


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


def bodies(process, port, token, file):
    head = (f"PUT /v1/files/{file['id']}/content?offset=0 HTTP/1.1\r\nHost: gmemd\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {63 * MIB}\r\nConnection: close\r\n\r\n")
    statuses = []
    clients = [threading.Thread(target=lambda: statuses.append(exchange(port, head, b"a" * 63 * MIB)[0]))
               for _ in range(CLIENTS)]
    before = peak = rss_mib(process.pid)
    for client in clients:
        client.start()
    while any(client.is_alive() for client in clients):
        peak = max(peak, rss_mib(process.pid))
        time.sleep(0.02)
    return f"statuses {sorted(statuses)}; RSS MiB before {before}, peak {peak}, after {rss_mib(process.pid)}"


def tcp_memory_mib():
    with open("/proc/net/sockstat") as sockstat:
        pages = next(int(line.split()[-1]) for line in sockstat if line.startswith("TCP:"))
    return pages * 4096 // MIB


def downloads(process, port, token, file):
    post(port, token, f"/v1/files/{file['id']}/fallocate", {"mode": "allocate", "offset": 0, "length": 64 * MIB})
    before, held, statuses = tcp_memory_mib(), [], []
    for _ in range(DOWNLOADS):
        reader = socket.create_connection(("127.0.0.1", port))
        reader.sendall(f"GET /v1/files/{file['id']}/content HTTP/1.1\r\nHost: gmemd\r\n"
                       f"Authorization: Bearer {token}\r\n\r\n".encode())
        statuses.append(int(reader.recv(12).split()[1]))
        held.append(reader)
    time.sleep(2)  # the sends that were under way fill the socket buffers
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    return f"statuses {counts}; kernel TCP memory MiB before {before}, after {tcp_memory_mib()}"


def main():
    measure = {"bodies": bodies, "downloads": downloads}[sys.argv[1]]
    process, port, admin = start(sys.argv[2], sys.argv[3:])
    tenant = post(port, admin, "/v1/tenants", {"name": "hostile", "limits": {"max_bytes": 8 << 30}})
    file = post(port, tenant["token"], "/v1/files", {"name": "f", "size": 64 * MIB})
    print(f"{sys.argv[1]}, flags {sys.argv[3:]}: {measure(process, port, tenant['token'], file)}")
    process.terminate()
    process.wait()


if __name__ == "__main__":
    main()
