#!/usr/bin/env python3
"""gmemd's live upgrade (SIGUSR2) under load.

Starts gmemd on TCP and a Unix socket, makes a tenant and files (allocated, written, sealed, with
consumers), then runs bounded clients on both listeners, each request on a connection of its own:
authenticated GETs of the files and fallocates of ranges already allocated (which change no
allocation). Midway it sends SIGUSR2, and again later. Prints one JSON object on its last line and
exits 0 when no request failed, no connection was refused, gmemd kept its pid, took back every file
and every file has the same id, size, seals, allocation, content and consumers as before, with the
tenant's usage the sum over its files.

Usage: upgrade_load.py --gmemd PATH [--seconds S] [--upgrades N]
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from service_manager import Client  # noqa: E402


def call(target, token, method, path, body=None, raw=None, timeout=60):
    return Client(target, token).call(method, path, body=body, raw=raw, timeout=timeout)


def picture(port, token, fids):
    """What a client sees of every file: the fields an upgrade must keep, content and consumers."""
    seen = {}
    for fid in fids:
        status, data = call(port, token, "GET", f"/v1/files/{fid}")
        assert status == 200, (fid, status, data)
        file = json.loads(data)
        content = call(port, token, "GET", f"/v1/files/{fid}/content")[1]
        consumers = json.loads(call(port, token, "GET", f"/v1/files/{fid}/consumers")[1])["items"]
        seen[fid] = {
            "size": file["size"], "seals": file["seals"], "allocated_bytes": file["allocated_bytes"],
            "content": hashlib.sha256(content).hexdigest(),
            "consumers": sorted((c["id"], c["kind"], c["offset"], c.get("length")) for c in consumers),
        }
    return seen


def swap(binary, real, folder, process, unchanged, health, wait_for_line):
    """SIGUSR2 while the binary cannot be executed changes nothing (gmemd serves on); with the
    file replaced, the replacement is what runs, and every file is taken back."""
    os.chmod(binary, 0o644)
    os.kill(process.pid, signal.SIGUSR2)
    wait_for_line(r"cannot be executed.*not upgrading", 1)
    status, _ = health()
    assert status == 200 and process.poll() is None, f"after a refused upgrade: {status}, {process.poll()}"
    marker = os.path.join(folder, "replaced")
    replacement = binary + ".new"
    with open(replacement, "w") as script:
        script.write(f'#!/bin/sh\necho "$$" > {marker}\nexec {real} "$@"\n')
    os.chmod(replacement, 0o755)
    os.rename(replacement, binary)
    os.kill(process.pid, signal.SIGUSR2)
    wait_for_line(r"listening on unix:", 2)
    if open(marker).read().strip() != str(process.pid):
        raise AssertionError("the upgrade did not run the file that replaced the binary, in gmemd's pid")
    status, data = health()
    if status != 200 or json.loads(data)["restart"]["files_lost"] != 0 or not unchanged():
        raise AssertionError(f"after the upgrade to the replaced binary: {status} {data[:300]!r}")
    print(json.dumps({"swapped": True, "pid": process.pid}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gmemd", required=True)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--upgrades", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--swap", action="store_true",
                        help="run a copy of the binary; SIGUSR2 with it not executable, then replaced")
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="gmemd-upgrade-")
    unix_path = os.path.join(folder, "gmemd.sock")
    log = open(os.path.join(folder, "gmemd.log"), "wb")
    binary = arguments.gmemd
    if arguments.swap:
        binary = os.path.join(folder, "gmemd")
        shutil.copy2(arguments.gmemd, binary)
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--unix", unix_path, "--state-dir", os.path.join(folder, "state")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log_text():
        log.flush()
        return open(os.path.join(folder, "gmemd.log"), "rb").read().decode(errors="replace")

    def wait_for_line(pattern, count, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(pattern, log_text())
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise TimeoutError(f"no {count}th '{pattern}' within {timeout} s:\n{log_text()[-4000:]}")

    try:
        port = int(wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)", 1))
        wait_for_line(r"listening on unix:", 1)
        admin = open(os.path.join(folder, "state", "admin-token")).read().strip()
        status, data = call(port, admin, "POST", "/v1/tenants", {"name": "upgrade"})
        assert status == 201, (status, data)
        token = json.loads(data)["token"]
        fids = []
        for index in range(6):
            status, data = call(port, token, "POST", "/v1/files", {"name": f"ram{index}", "size": 1 << 20})
            assert status == 201, (status, data)
            fid = json.loads(data)["id"]
            fids.append(fid)
            call(port, token, "POST", f"/v1/files/{fid}/fallocate", {"mode": "allocate", "offset": 0, "length": 262144})
            call(port, token, "PUT", f"/v1/files/{fid}/content?offset=4096", raw=os.urandom(8192))
            call(port, token, "POST", f"/v1/files/{fid}/consumers", {"kind": "vfio", "length": 65536})
            if index % 2:
                call(port, token, "POST", f"/v1/files/{fid}/seals", {"seals": ["grow"]})
        before = picture(port, token, fids)
        if arguments.swap:
            swap(binary, arguments.gmemd, folder, process, lambda: picture(port, token, fids) == before,
                 lambda: call(port, token, "GET", "/v1/health"), wait_for_line)
            return

        stop = threading.Event()
        counts = {"ok": 0, "failed": 0}
        failures = []
        lock = threading.Lock()

        def client(target, number):
            index = number
            while not stop.is_set():
                fid = fids[index % len(fids)]
                index += 1
                try:
                    if index % 2:
                        status, data = call(target, token, "GET", f"/v1/files/{fid}")
                    else:
                        status, data = call(target, token, "POST", f"/v1/files/{fid}/fallocate",
                                            {"mode": "allocate", "offset": 0, "length": 65536, "keep_size": True})
                    good = status == 200
                    detail = f"{status} {data[:160]!r}"
                except (OSError, http.client.HTTPException) as error:
                    good, detail = False, repr(error)
                with lock:
                    counts["ok" if good else "failed"] += 1
                    if not good and len(failures) < 10:
                        failures.append(f"{'unix' if isinstance(target, str) else 'tcp'}: {detail}")

        threads = [threading.Thread(target=client, args=(target, number))
                   for number in range(arguments.clients) for target in (port, unix_path)]
        for thread in threads:
            thread.start()
        pid = process.pid
        step = arguments.seconds / (arguments.upgrades + 1)
        for upgrade in range(arguments.upgrades):
            time.sleep(step)
            os.kill(pid, signal.SIGUSR2)
            wait_for_line(r"listening on unix:", upgrade + 2)
        time.sleep(step)
        stop.set()
        for thread in threads:
            thread.join(120)
        assert process.poll() is None, "gmemd exited"

        after = picture(port, token, fids)
        if after != before:
            changed = {fid: (before[fid], after.get(fid)) for fid in fids if before[fid] != after.get(fid)}
            raise AssertionError(f"files changed across the upgrades: {changed}")
        listed = json.loads(call(port, token, "GET", "/v1/files?limit=1000")[1])["items"]
        usage = json.loads(call(port, token, "GET", "/v1/usage")[1])["usage"]
        if usage["allocated_bytes"] != sum(f["allocated_bytes"] for f in listed) or usage["files"] != len(fids):
            raise AssertionError(f"usage {usage} is not the sum over {len(listed)} files")
        health = json.loads(call(port, token, "GET", "/v1/health")[1])
        if health["restart"] != {"files_restored": len(fids), "files_lost": 0}:
            raise AssertionError(f"the last start reports {health['restart']}")
        if counts["failed"]:
            raise AssertionError(f"{counts['failed']} of {counts['ok'] + counts['failed']} requests failed: {failures}")
        print(json.dumps({"requests": counts["ok"], "upgrades": arguments.upgrades, "files": len(fids), "pid": pid}))
    except BaseException:
        sys.stderr.write(log_text()[-6000:])
        raise
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
