#!/usr/bin/env python3
"""What the file journal costs a change as consumers grow (README, "Benchmarks").

Starts GMEMD (a built gmemd binary) on a free port with a state directory of its own, makes a
tenant and a 4 KiB memfd file, and times ROUNDS 4 KiB punches on one keep-alive connection with
0 and then N generic consumers attached (each punch records an invalidate for every consumer and
journals the file before answering), then as many 1-byte content writes (which no consumer hears
of: what is left is the journal line and its flush). Prints the mean and median milliseconds of
each.

    python3 scripts/journal-cost.py .build/debug/gmemd [N] [ROUNDS]
"""
import http.client
import json
import statistics
import sys
import time

from budgets import start  # gmemd on a free port with a state directory of its own


def call(connection, token, method, path, document=None):
    headers = {"Authorization": "Bearer " + token}
    body = None
    if document is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(document)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data!r}")
    return json.loads(data) if data else None


def punch(connection, token, file):
    call(connection, token, "POST", f"/v1/files/{file}/fallocate",
         {"mode": "punch_hole", "offset": 0, "length": 4096})


def write(connection, token, file):
    connection.request("PUT", f"/v1/files/{file}/content?offset=0", body=b"x",
                       headers={"Authorization": "Bearer " + token})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        sys.exit(f"PUT content: {response.status} {data!r}")


def timed(change, connection, token, file, rounds):
    took = []
    for _ in range(rounds):
        began = time.perf_counter()
        change(connection, token, file)
        took.append((time.perf_counter() - began) * 1000)
    return took


def main():
    binary = sys.argv[1]
    consumers = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    process, port, admin = start(binary, [])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        tenant = call(connection, admin, "POST", "/v1/tenants",
                      {"name": "journal-cost", "limits": {"max_consumers": consumers}})
        token = tenant["token"]
        file = call(connection, token, "POST", "/v1/files", {"name": "f", "size": 4096})["id"]
        for attached in (0, consumers):
            while attached and len(call(connection, token, "GET", f"/v1/files/{file}/consumers")
                                   .get("items", [])) < attached:
                call(connection, token, "POST", f"/v1/files/{file}/consumers", {"kind": "generic"})
            for change, what in ((punch, "4 KiB punch"), (write, "1-byte write")):
                timed(change, connection, token, file, 10)
                took = timed(change, connection, token, file, rounds)
                print(f"{attached:4d} consumers: {statistics.mean(took):6.2f} ms mean, "
                      f"{statistics.median(took):6.2f} ms median per {what} ({rounds} of them)")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
