#!/usr/bin/env python3
"""Another tenant's GET latency while one tenant, or a stranger, loads gmemd (the isolation issue,
item 2: README, "Time: worker threads and fair shares").

Starts GMEMD (default: the release build, .build-release/release/gmemd) with FLAGS on a free port,
makes a victim tenant with an allocated 64 MiB file and an attacker tenant, then runs each phase
for DURATION seconds (default 10). In every phase a probe process sends the victim's
GET /v1/files/{fid} on one keep-alive connection, 200 a second, and times each answer; the
phases differ in what runs beside it:

- baseline:  nothing;
- fallocate: the attacker's 4 loops of "allocate 1 GiB, punch 1 GiB", each on a file of its own;
- gzip:      4 strangers' streams of gzip bombs (64 MiB of zeros, 64 KiB coded) to a JSON route,
             without a token, one connection after another;
- json:      2 of the attacker's POST .../seals at once with a 64 MiB JSON array, one after
             another: chunked (no Content-Length, so its head cannot refuse it) and, every other
             time, with its Content-Length.

Prints per phase the probe's requests, p50, p99 and max (ms), and what the load got (statuses).
The probe and each load run in processes of their own, so Python's lock does not time them.

    python3 scripts/isolation-bench.py [--duration S] [--binary PATH] [-- FLAGS...]
"""
import json
import multiprocessing
import os
import re
import socket
import sys
import time
import zlib

from budgets import start  # gmemd on a free port with a state directory of its own

MIB, GIB = 1 << 20, 1 << 30


class Connection:
    """One keep-alive HTTP/1.1 connection; every read and write is bounded by a timeout."""

    def __init__(self, port, timeout=60):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, method, path, token=None, body=b"", headers=()):
        head = f"{method} {path} HTTP/1.1\r\nHost: gmemd\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        for name, value in headers:
            head += f"{name}: {value}\r\n"
        if not any(name.lower() == "transfer-encoding" for name, _ in headers):
            head += f"Content-Length: {len(body)}\r\n"
        self.socket.sendall(head.encode() + b"\r\n" + body)
        return self.reply()

    def reply(self):
        while b"\r\n\r\n" not in self.buffer:
            self.fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        length = int(found.group(1)) if found else 0
        while len(self.buffer) < length:
            self.fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, body

    def fill(self):
        chunk = self.socket.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed")
        self.buffer += chunk

    def close(self):
        self.socket.close()


def call(port, method, path, token, document):
    connection = Connection(port)
    try:
        status, body = connection.request(
            method, path, token, json.dumps(document).encode(), [("Content-Type", "application/json")])
    finally:
        connection.close()
    if status >= 300:
        sys.exit(f"{method} {path}: {status} {body[:200]!r}")
    return json.loads(body) if body else None


def probe(port, token, fid, duration, results):
    """The victim's GET, 200 a second, on one keep-alive connection: each answer's time in ms."""
    connection = Connection(port)
    times, errors = [], 0
    end = time.monotonic() + duration
    while time.monotonic() < end:
        started = time.perf_counter()
        status, _ = connection.request("GET", f"/v1/files/{fid}", token)
        times.append((time.perf_counter() - started) * 1000)
        errors += status != 200
        time.sleep(max(0, 0.005 - (time.perf_counter() - started)))
    connection.close()
    results.put((times, errors))


def fallocate_loop(port, token, fid, stop, results):
    connection, statuses = Connection(port, timeout=120), {}
    while not stop.is_set():
        for mode in ("allocate", "punch_hole"):
            body = json.dumps({"mode": mode, "offset": 0, "length": GIB}).encode()
            status, _ = connection.request(
                "POST", f"/v1/files/{fid}/fallocate", token, body, [("Content-Type", "application/json")])
            statuses[status] = statuses.get(status, 0) + 1
    results.put(statuses)


def gzip_bomb():
    """64 MiB of zeros in gzip: about 64 KiB."""
    coder = zlib.compressobj(9, zlib.DEFLATED, 31)
    return coder.compress(bytes(64 * MIB)) + coder.flush()


def seals_array():
    """A seals body of 64 MiB: 9.6 million names in one array."""
    return b'{"seals":[' + b'"grow",' * ((64 * MIB) // 7) + b'"grow"]}'


def gzip_bombs(port, fid, bomb, stop, results):
    statuses = {}
    while not stop.is_set():
        connection = Connection(port)
        try:
            head = (f"POST /v1/files/{fid}/seals HTTP/1.1\r\nHost: gmemd\r\nContent-Type: application/json\r\n"
                    f"Content-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n")
            connection.socket.sendall(head.encode())
            try:
                connection.socket.sendall(bomb)
            except OSError:
                pass  # answered and closed from the head
            status, _ = connection.reply()
        except (OSError, ConnectionError):
            status = 0
        connection.close()
        statuses[status] = statuses.get(status, 0) + 1
    results.put(statuses)


def json_arrays(port, token, fid, document, stop, results):
    statuses, chunked = {}, True
    while not stop.is_set():
        connection = Connection(port, timeout=120)
        try:
            if chunked:
                head = (f"POST /v1/files/{fid}/seals HTTP/1.1\r\nHost: gmemd\r\nAuthorization: Bearer {token}\r\n"
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                connection.socket.sendall(head.encode())
                for start in range(0, len(document), MIB):
                    piece = document[start:start + MIB]
                    connection.socket.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                connection.socket.sendall(b"0\r\n\r\n")
            else:
                head = (f"POST /v1/files/{fid}/seals HTTP/1.1\r\nHost: gmemd\r\nAuthorization: Bearer {token}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(document)}\r\n\r\n")
                connection.socket.sendall(head.encode() + document)
            status, _ = connection.reply()
        except (OSError, ConnectionError):
            try:
                status, _ = connection.reply()
            except (OSError, ConnectionError):
                status = 0
        connection.close()
        key = f"{'chunked' if chunked else 'length'} {status}"
        statuses[key] = statuses.get(key, 0) + 1
        chunked = not chunked
    results.put(statuses)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_phase(name, port, victim, fid, duration, loads):
    results, stop = multiprocessing.Queue(), multiprocessing.Event()
    workers = [multiprocessing.Process(target=target, args=args + (stop, results)) for target, args in loads]
    for worker in workers:
        worker.start()
    if workers:
        time.sleep(1)  # the load under way before the probe starts
    probing = multiprocessing.Process(target=probe, args=(port, victim, fid, duration, results))
    probing.start()
    probing.join(duration + 120)
    stop.set()
    outcomes = [results.get(timeout=300) for _ in range(len(workers) + 1)]
    for worker in workers:
        worker.join(300)
    times, errors = next(o for o in outcomes if isinstance(o, tuple))
    load = {}
    for outcome in outcomes:
        if isinstance(outcome, dict):
            for key, count in outcome.items():
                load[key] = load.get(key, 0) + count
    print(f"{name:<10} {len(times):>8} {percentile(times, 0.5):>8.2f} {percentile(times, 0.99):>8.2f} "
          f"{max(times):>8.2f} {errors:>6}  {dict(sorted(load.items(), key=str))}", flush=True)


def main():
    arguments = sys.argv[1:]
    flags = arguments[arguments.index("--") + 1:] if "--" in arguments else []
    options = arguments[:arguments.index("--")] if "--" in arguments else arguments
    duration = float(options[options.index("--duration") + 1]) if "--duration" in options else 10.0
    binary = options[options.index("--binary") + 1] if "--binary" in options else ".build-release/release/gmemd"
    process, port, admin = start(binary, flags)
    try:
        victim = call(port, "POST", "/v1/tenants", admin, {"name": "victim"})["token"]
        attacker = call(port, "POST", "/v1/tenants", admin, {
            "name": "attacker", "limits": {"max_bytes": 6 * GIB, "max_files": 16}})["token"]
        fid = call(port, "POST", "/v1/files", victim, {"name": "probe", "size": 64 * MIB})["id"]
        call(port, "POST", f"/v1/files/{fid}/fallocate", victim, {"mode": "allocate", "offset": 0, "length": 64 * MIB})
        big = [call(port, "POST", "/v1/files", attacker, {"name": f"big{i}", "size": GIB})["id"] for i in range(4)]
        small = call(port, "POST", "/v1/files", attacker, {"name": "sealed", "size": 4096})["id"]
        print(f"gmemd {binary} {' '.join(flags)}; load average {os.getloadavg()[0]:.1f} at start", flush=True)
        print(f"{'phase':<10} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}  load statuses")
        run_phase("baseline", port, victim, fid, duration, [])
        run_phase("fallocate", port, victim, fid, duration,
                  [(fallocate_loop, (port, attacker, file)) for file in big])
        bomb = gzip_bomb()
        run_phase("gzip", port, victim, fid, duration, [(gzip_bombs, (port, small, bomb)) for _ in range(4)])
        document = seals_array()
        run_phase("json", port, victim, fid, duration,
                  [(json_arrays, (port, attacker, small, document)) for _ in range(2)])
        print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
