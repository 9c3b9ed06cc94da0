#!/usr/bin/env python3
"""Drives gmemd's Unix socket where curl cannot: descriptors as SCM_RIGHTS, both ways.

Each command prints one JSON object on stdout for the end-to-end tests (DescriptorRouteTests)
to check. Usage: fd_probe.py COMMAND SOCKET TOKEN [ARGS...]
"""
import errno
import fcntl
import json
import mmap
import os
import socket
import sys


class Client:
    """One keep-alive HTTP/1.1 connection over a Unix socket that sends and receives fds."""

    def __init__(self, path, token):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.token = token
        self.buffer = b""
        self.fds = []

    def request(self, method, target, body=None, fds=(), read=True):
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {target} HTTP/1.1\r\nHost: gmemd\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        socket.send_fds(self.sock, [head + payload], list(fds))
        if not read:
            return None
        return self.response()

    def fill(self):
        data, fds, _, _ = socket.recv_fds(self.sock, 65536, 16)
        if not data:
            raise ConnectionError("gmemd closed the connection")
        self.buffer += data
        self.fds += fds

    def response(self):
        while b"\r\n\r\n" not in self.buffer:
            self.fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self.fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        fds, self.fds = self.fds, []
        parsed = json.loads(body) if body and headers.get("content-type", "").endswith("json") else None
        return {"status": status, "json": parsed, "fds": fds}


def attempt(call):
    """The errno `call` fails with, or 0."""
    try:
        call()
        return 0
    except OSError as error:
        return error.errno


def export(client, file_id, access):
    reply = client.request("POST", f"/v1/files/{file_id}/consumers", {"kind": "process", "access": access})
    return reply


def probe_fd(fd, size):
    """What a receiver can do with fd: map, write through a shared mapping, add a seal."""
    facts = {"fstat_size": os.fstat(fd).st_size}
    facts["map_write_errno"] = attempt(lambda: mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE).close())
    facts["add_seals_errno"] = attempt(lambda: fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW))
    with mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ) as view:
        facts["first_bytes"] = view[:16].rstrip(b"\0").decode(errors="replace")
    return facts


def main():
    command, path, token, *args = sys.argv[1:]
    client = Client(path, token)
    out = {}
    if command == "export":
        # export FILE ACCESS SIZE: one process consumer, its descriptor probed, then another.
        file_id, access, size = args[0], args[1], int(args[2])
        first = export(client, file_id, access)
        out["status"], out["consumer"], out["fd_count"] = first["status"], first["json"], len(first["fds"])
        if first["fds"]:
            out.update(probe_fd(first["fds"][0], size))
            if access == "read_write":
                with mmap.mmap(first["fds"][0], size, mmap.MAP_SHARED) as view:
                    view[4096:4096 + 13] = b"from receiver"
            for fd in first["fds"]:
                os.close(fd)
            again = client.request("POST", f"/v1/consumers/{first['json']['id']}/fd")
            out["again_status"], out["again_consumer"], out["again_fd_count"] = again["status"], again["json"], len(again["fds"])
            for fd in again["fds"]:
                os.close(fd)
    elif command == "attach":
        # attach FILE BODY-JSON: the status, JSON and number of descriptors of one attach.
        reply = client.request("POST", f"/v1/files/{args[0]}/consumers", json.loads(args[1]))
        out = {"status": reply["status"], "json": reply["json"], "fd_count": len(reply["fds"])}
        for fd in reply["fds"]:
            os.close(fd)
    elif command == "behind-back":
        # behind-back FILE: a read-write receiver grows, allocates and seals the file itself.
        reply = export(client, args[0], "read_write")
        fd = reply["fds"][0]
        os.ftruncate(fd, 1 << 20)
        os.posix_fallocate(fd, 0, 512 << 10)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW)
        file = client.request("GET", f"/v1/files/{args[0]}")
        usage = client.request("GET", "/v1/usage")
        out = {"file": file["json"], "usage": usage["json"]}
        os.close(fd)
    elif command == "force-delete":
        # force-delete FILE: while this receiver maps the file, DELETE without and with force.
        reply = export(client, args[0], "read_write")
        fd = reply["fds"][0]
        view = mmap.mmap(fd, 65536, mmap.MAP_SHARED)
        view[0:5] = b"alive"
        plain = client.request("DELETE", f"/v1/files/{args[0]}")
        forced = client.request("DELETE", f"/v1/files/{args[0]}?force=true")
        usage = client.request("GET", "/v1/usage")
        events = client.request("GET", f"/v1/consumers/{reply['json']['id']}/events?after=0")
        out = {"plain": plain, "forced_status": forced["status"], "mapped_after": view[0:5].hex(),
               "usage": usage["json"], "events": events["json"]}
        view.close()
        os.close(fd)
    elif command == "adopt":
        # adopt NAME CONTENT ALLOCATE [regular]: a memfd made here (or a regular file) handed to gmemd.
        name, content, allocate = args[0], args[1].encode(), int(args[2])
        if len(args) > 3 and args[3] == "regular":
            fd = os.open(f"/tmp/gmemd-adopt-{os.getpid()}", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            os.unlink(f"/tmp/gmemd-adopt-{os.getpid()}")
        else:
            fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(fd, max(allocate, 4096))
        if allocate:
            os.posix_fallocate(fd, 0, allocate)
        os.pwrite(fd, content, 0)
        reply = client.request("POST", "/v1/files", {"name": name, "adopt": True}, fds=[fd])
        out = {"status": reply["status"], "json": reply["json"]}
        os.close(fd)
    elif command == "adopt-none":
        reply = client.request("POST", "/v1/files", {"name": "none", "adopt": True})
        out = {"status": reply["status"], "json": reply["json"]}
    elif command == "cycles":
        # cycles FILE COUNT: export and detach COUNT times on one connection.
        done = 0
        for _ in range(int(args[1])):
            reply = export(client, args[0], "read_only")
            for fd in reply["fds"]:
                os.close(fd)
            if reply["status"] != 201 or client.request("DELETE", f"/v1/consumers/{reply['json']['id']}")["status"] != 204:
                break
            done += 1
        out = {"done": done}
    elif command == "hang-up":
        # hang-up FILE COUNT: ask for a descriptor COUNT times and leave before the answer.
        for _ in range(int(args[1])):
            leaving = Client(path, token)
            leaving.request("POST", f"/v1/files/{args[0]}/consumers", {"kind": "process"}, read=False)
            leaving.sock.close()
        out = {"done": int(args[1])}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
