#!/usr/bin/env python3
"""Plays systemd for gmemd on machines that run none: the sd_notify socket with its file
descriptor store, and the sd_listen_fds(3) hand-back at each start, as the protocol defines them.

- NOTIFY_SOCKET is a Unix datagram socket bound here, read by a thread of its own in the order
  the datagrams came. READY=1, STOPPING=1 and WATCHDOG=1 are recorded; FDSTORE=1 with
  FDNAME=name keeps the SCM_RIGHTS descriptors that came with it under that name;
  FDSTOREREMOVE=1 with FDNAME=name closes and forgets them; the descriptors of any other message
  are closed once it is handled, which is what BARRIER=1's sender waits for.
- Each start passes the listening sockets (socket activation) and then every stored descriptor
  from fd 3 on, with LISTEN_FDS, LISTEN_FDNAMES (colon-separated) and LISTEN_PID set to the
  process's own pid (through `sh -c 'LISTEN_PID=$$ exec ...'`, which keeps the pid).

Subcommands (each prints one JSON object on its last line and exits 0 when every check held):
  qemu        a QEMU guest on a gmemd file runs on across SIGUSR2 and kill -9; gmemd serves it after.
  vms         a VM is gone after a kill -9; its memslot's consumer is detached (restart).
  consumers   a file's consumer, its pin, events, seals and dirty log come back after a kill -9.
  readers     Server-Sent Events readers of a file's consumers, resumed with Last-Event-ID across
              kill -9s under a stream of punches: each reader's ids strictly increase, none is used
              twice, and every gap is an overflow naming exactly the seqs skipped.
  watchdog    with WATCHDOG_USEC set, WATCHDOG=1 comes while the event loops turn, is withheld while
              one loop's thread is held stopped (ptrace), and comes again once it runs.
  barrier     a create does not answer before the manager handled its FDSTORE=1 (BARRIER=1).
  idempotency a file, a consumer and a pin made with an Idempotency-Key are answered again, and not
              made again, when retried after a kill -9.
  versions    punches answered without a journal line of their own: after a kill -9 the file's ETag
              is none handed out before and If-Match with any old one is 412; after a clean stop
              the ETag is exactly the last one.
  orphans     stored memfds that no journal record names (a create or a delete cut short) are
              closed and dropped from the store before READY=1.
  crash-loop  mutating requests on several files, kill -9 at random points, relaunch with the
              stored fds; after each restart every file whose creation was answered 201 exists with
              the content last acknowledged, nothing appears that no request asked for, gmemd holds
              one memfd per file (no fd leak) before it sends any content and again once the reads'
              dups are closed, the store holds one per file, and the tenant's usage is the sum over
              its files.
"""
import argparse
import array
import contextlib
import http.client
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import qmp as qmp_session  # beside this script, which Python puts first on sys.path


class Manager:
    """The service manager's side: the notify socket, the fd store, the listeners, the child."""

    def __init__(self, gmemd, state_dir, unix_path=None):
        # What this process inherited (a test runner's descriptors) is not gmemd's to inherit.
        for name in os.listdir("/proc/self/fd"):
            try:
                os.set_inheritable(int(name), False)
            except OSError:
                pass
        self.gmemd = gmemd
        self.state_dir = state_dir
        self.folder = tempfile.mkdtemp(prefix="gmemd-manager-")
        self.notify_path = os.path.join(self.folder, "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.store = {}  # name -> [fd]
        self.messages = []
        self.arrivals = []  # time.monotonic() at each message's arrival
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(512)
        self.port = self.tcp.getsockname()[1]
        self.unix_path = unix_path
        self.unix = None
        if unix_path:
            self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.unix.bind(unix_path)
            self.unix.listen(512)
        self.pid = None
        self.log = open(os.path.join(self.folder, "gmemd.log"), "ab")
        # Orders the handling of datagrams (read and handled under it, one at a time).
        self.lock = threading.RLock()
        # Cleared, the reading thread stops reading: datagrams wait in the socket, as with a
        # manager busy elsewhere.
        self.reading = threading.Event()
        self.reading.set()
        # Set while the reading thread waits for `reading`.
        self.parked = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            if not self.reading.is_set():
                self.parked.set()
                self.reading.wait()
                self.parked.clear()
            self._drain(0.2)

    def pending_bytes(self):
        """The size of the next datagram waiting unread on the notify socket (SIOCINQ), 0 for none."""
        import fcntl
        import termios
        return struct.unpack("i", fcntl.ioctl(self.notify.fileno(), termios.FIONREAD, b"\0" * 4))[0]

    def _drain(self, timeout):
        """Takes every datagram waiting on the notify socket, waiting up to `timeout` s for the
        first: as systemd does, all that a process sent before it died is handled before its
        restart."""
        while True:
            ready, _, _ = select.select([self.notify], [], [], timeout)
            if not ready:
                return
            timeout = 0
            with self.lock:
                if not self._handle_one():
                    return

    def _handle_one(self):
        """Reads and handles the next datagram, if one is there; false if none was."""
        fds = array.array("i")
        try:
            data, ancdata, _, _ = self.notify.recvmsg(
                4096, socket.CMSG_SPACE(253 * fds.itemsize), socket.MSG_CMSG_CLOEXEC | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
        fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
        if fields.get("FDSTORE") == "1":
            self.store.setdefault(fields.get("FDNAME", "stored"), []).extend(fds)
        else:
            for fd in fds:
                os.close(fd)
        if fields.get("FDSTOREREMOVE") == "1":
            for fd in self.store.pop(fields.get("FDNAME", ""), []):
                os.close(fd)
        self.messages.append(fields)
        self.arrivals.append(time.monotonic())
        return True

    def wait_for(self, key, since, timeout=60):
        """The index of the first message after `since` that has `key`=1, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            for index in range(since, len(self.messages)):
                if self.messages[index].get(key) == "1":
                    return index
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {key}=1 within {timeout} s; gmemd log:\n{self.log_text()}")
            self._drain(min(left, 0.5))

    def stored_names(self):
        self._drain(0)
        with self.lock:
            return {name: len(fds) for name, fds in self.store.items()}

    def start(self, extra=(), environment=None):
        """Starts gmemd with the listeners and the stored fds, and `environment` added to its
        own; returns once it said READY=1."""
        self._drain(0)
        since = len(self.messages)
        passed = [self.tcp.fileno()] + ([self.unix.fileno()] if self.unix else [])
        names = ["http"] + (["unix"] if self.unix else [])
        with self.lock:
            for name, fds in self.store.items():
                for fd in fds:
                    passed.append(fd)
                    names.append(name)
            # Out of the way of the targets 3.. first, so that no dup2 overwrites a source.
            high = [os.dup(fd) for fd in passed]
        moved = [fcntl_dup_above(fd, 1000) for fd in high]
        for fd in high:
            os.close(fd)
        log = fcntl_dup_above(self.log.fileno(), 1000)
        moved.append(log)
        # Standard streams first, from above 1000 like the rest: no target overwrites a source.
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2)]
        actions += [(os.POSIX_SPAWN_DUP2, fd, 3 + index) for index, fd in enumerate(moved[:-1])]
        environment = dict(os.environ, **(environment or {}), NOTIFY_SOCKET=self.notify_path,
                           LISTEN_FDS=str(len(passed)), LISTEN_FDNAMES=":".join(names))
        arguments = ["--listen", f"127.0.0.1:{self.port}", "--state-dir", self.state_dir]
        if self.unix_path:
            arguments += ["--unix", self.unix_path]
        argv = ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', self.gmemd] + arguments + list(extra)
        self.pid = os.posix_spawn("/bin/sh", argv, environment, file_actions=actions,
                                  setsigmask=(), setsigdef=signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP})
        for fd in moved:
            os.close(fd)
        self.wait_for("READY", since)

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = None

    def stop(self):
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.folder, "gmemd.log"), "rb") as log:
            return log.read().decode(errors="replace")[-8000:]


def fcntl_dup_above(fd, lowest):
    import fcntl
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, lowest)


def memfd_table(pid):
    """Each memfd the process holds: its fd, link name and /proc fdinfo (pos, flags, ino)."""
    table = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{name}")
            if link.startswith("/memfd:"):
                with open(f"/proc/{pid}/fdinfo/{name}") as info:
                    table[int(name)] = (link, " ".join(info.read().split()))
        except OSError:
            pass
    return table


def held_one_per_file(manager, fids, when):
    """gmemd holds exactly one memfd per file and the store one per file: for a gmemd that said
    READY=1 and has sent no content since, so no download's dup of a memfd can be open (an
    orphan the store passed back is closed, and dropped from the store, before READY=1)."""
    held = memfd_table(manager.pid)
    if len(held) != len(fids):
        raise AssertionError(f"{when}: gmemd holds {len(held)} memfds for {len(fids)} files: {held}")
    stored = manager.stored_names()
    if sorted(stored) != sorted(fids) or any(count != 1 for count in stored.values()):
        raise AssertionError(f"{when}: the fd store holds {stored} for files {sorted(fids)}")


def downloads_closed(manager, files, when):
    """Waits, at most 10 s (times GMEMD_TEST_TIME_SCALE), until gmemd holds one memfd per file
    again after content reads. A GET of content is sent with sendfile(2) from a dup of the memfd,
    closed once the loop is past the last sendfile: the client can have the last byte, and make
    two more requests, before that loop runs again (a whole-suite run counted 71 memfds for 70
    files, the extra one between two connection sockets; seen here under load a few ms later, the
    same inode and open file as a listed file's). A dup that stays open is a leak and fails."""
    within = 10 * int(os.environ.get("GMEMD_TEST_TIME_SCALE", "1"))
    deadline = time.monotonic() + within
    while len(held := memfd_table(manager.pid)) != files:
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: gmemd holds {len(held)} memfds for {files} files for {within} s: {held}")
        time.sleep(0.01)


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix-domain socket."""

    def __init__(self, path, timeout):
        super().__init__("gmemd", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Client:
    """One HTTP/1.1 request per connection, so a kill never leaves a half-used keep-alive.
    `target` is a TCP port on 127.0.0.1 or the path of a Unix socket."""

    def __init__(self, target, token):
        self.target, self.token = target, token

    @property
    def port(self):
        return self.target

    def call(self, method, path, body=None, raw=None, timeout=30):
        status, _, data = self.exchange(method, path, body, raw, timeout)
        return status, data

    def exchange(self, method, path, body=None, raw=None, timeout=30, key=None, headers=None):
        """The status, the response's header fields (a Message) and its body; `key` is sent as
        the Idempotency-Key, a Structured Field String, beside the fields of `headers`."""
        connection = (UnixHTTPConnection(self.target, timeout) if isinstance(self.target, str)
                      else http.client.HTTPConnection("127.0.0.1", self.target, timeout=timeout))
        headers = dict(headers or {}, Authorization=f"Bearer {self.token}", Connection="close")
        if key is not None:
            headers["Idempotency-Key"] = f'"{key}"'
        payload = raw
        if body is not None:
            payload = json.dumps(body, sort_keys=True).encode()
            headers["Content-Type"] = "application/json"
        if payload is not None and raw is not None:
            headers["Content-Type"] = "application/octet-stream"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, response.headers, data


@contextlib.contextmanager
def managed(arguments, what, extra=()):
    """A started gmemd under a Manager, in a state directory of its own; its log on failure."""
    state = tempfile.mkdtemp(prefix=f"gmemd-{what}-state-")
    manager = Manager(arguments.gmemd, state)
    try:
        manager.start(extra)
        yield manager, state
    except BaseException:
        sys.stderr.write(manager.log_text())
        raise
    finally:
        manager.stop()


def new_tenant(manager, state, name, limits=None):
    """A tenant made with the admin token gmemd wrote into `state`, as a client of its own."""
    admin = open(os.path.join(state, "admin-token")).read().strip()
    body = {"name": name} if limits is None else {"name": name, "limits": limits}
    status, data = Client(manager.port, admin).call("POST", "/v1/tenants", body)
    assert status == 201, (status, data)
    return Client(manager.port, json.loads(data)["token"])


class Model:
    """What the client was told: each file's possible contents (more than one while a change to
    it is unanswered), and the creates whose answer never came."""

    SIZE = 64 * 1024

    def __init__(self):
        self.files = {}  # id -> list of possible contents (bytes)
        self.unanswered_creates = 0

    def settle_after_restart(self, listed, client):
        unknown = [fid for fid in listed if fid not in self.files]
        if len(unknown) > self.unanswered_creates:
            raise AssertionError(f"ids nobody asked for appeared: {unknown} "
                                 f"({self.unanswered_creates} creates were unanswered)")
        self.unanswered_creates -= len(unknown)
        for fid in unknown:
            self.files[fid] = [bytes(self.SIZE)]
        missing = [fid for fid in self.files if fid not in listed]
        # A file whose delete went unanswered may be gone; every other one must be there.
        for fid in missing:
            if None not in self.files[fid]:
                raise AssertionError(f"file {fid} was created (201) and is gone after the restart")
            del self.files[fid]
        for fid, candidates in list(self.files.items()):
            status, data = client.call("GET", f"/v1/files/{fid}/content")
            if status != 200:
                raise AssertionError(f"GET content of {fid}: {status} {data[:200]!r}")
            if data not in [c for c in candidates if c is not None]:
                differing = [i for i, c in enumerate(candidates) if c is not None and c != data]
                first = [next((k for k in range(len(data)) if data[k] != c[k]), None) for c in candidates if c]
                raise AssertionError(f"file {fid} has content that no acknowledged write left "
                                     f"({len(candidates)} candidates, {len(data)} bytes, first differences {first})")
            self.files[fid] = [data]


def worker(client, model, rng, stop):
    """Mutating requests until `stop` is set; each outcome goes into the model."""
    while not stop.is_set():
        choice = rng.random()
        fids = list(model.files)
        try:
            if choice < 0.25 or len(fids) < 3:
                model.unanswered_creates += 1
                status, data = client.call("POST", "/v1/files", {"name": "crash", "size": Model.SIZE})
                model.unanswered_creates -= 1
                if status != 201:
                    raise AssertionError(f"create: {status} {data[:200]!r}")
                model.files[json.loads(data)["id"]] = [bytes(Model.SIZE)]
            elif choice < 0.85:
                fid = rng.choice(fids)
                offset = rng.randrange(0, Model.SIZE - 512)
                chunk = os.urandom(rng.randrange(1, 512))
                before = model.files[fid][-1]
                after = before[:offset] + chunk + before[offset + len(chunk):]
                model.files[fid] = [before, after]
                status, data = client.call("PUT", f"/v1/files/{fid}/content?offset={offset}", raw=chunk)
                if status != 200:
                    raise AssertionError(f"write: {status} {data[:200]!r}")
                model.files[fid] = [after]
            elif choice < 0.93:
                fid = rng.choice(fids)
                before = model.files[fid][-1]
                after = bytes(4096) + before[4096:]
                model.files[fid] = [before, after]
                status, data = client.call("POST", f"/v1/files/{fid}/fallocate",
                                           {"mode": "punch_hole", "offset": 0, "length": 4096})
                if status != 200:
                    raise AssertionError(f"punch: {status} {data[:200]!r}")
                model.files[fid] = [after]
            else:
                fid = rng.choice(fids)
                model.files[fid] = model.files[fid] + [None]
                status, data = client.call("DELETE", f"/v1/files/{fid}")
                if status != 204:
                    raise AssertionError(f"delete: {status} {data[:200]!r}")
                del model.files[fid]
        except (ConnectionError, OSError, http.client.HTTPException):
            return  # killed mid-request: the model keeps every outcome it could have had


def crash_loop(arguments):
    rng = random.Random(arguments.seed)
    with managed(arguments, "crash") as (manager, state):
        client = new_tenant(manager, state, "crash", {"max_bytes": 1 << 30, "max_files": 1000})
        model = Model()
        for kill in range(arguments.kills):
            stop = threading.Event()
            thread = threading.Thread(target=worker, args=(client, model, random.Random(rng.random()), stop))
            thread.start()
            time.sleep(rng.uniform(0.0, arguments.max_delay))
            manager.kill()
            stop.set()
            # A request that reached the listening socket's backlog after the kill is served by the
            # next gmemd, as it would be under systemd: wait for its answer after the restart.
            manager.start()
            thread.join(120)
            assert not thread.is_alive(), "the worker did not stop"
            status, data = client.call("GET", "/v1/files?limit=1000")
            assert status == 200, (status, data)
            items = json.loads(data)["items"]
            # Before this gmemd sends any content: a download holds a dup of its file's memfd.
            held_one_per_file(manager, [item["id"] for item in items], f"after kill {kill + 1}")
            model.settle_after_restart([item["id"] for item in items], client)
            status, data = client.call("GET", "/v1/usage")
            usage = json.loads(data)["usage"]
            listed = {item["id"]: item for item in json.loads(client.call("GET", "/v1/files?limit=1000")[1])["items"]}
            allocated = sum(item["allocated_bytes"] for item in listed.values())
            if usage["allocated_bytes"] != allocated or usage["files"] != len(listed):
                raise AssertionError(f"after kill {kill + 1}: usage {usage}, files {len(listed)} allocating {allocated}")
            downloads_closed(manager, len(listed), f"after the reads of kill {kill + 1}")
        print(json.dumps({"kills": arguments.kills, "files": len(model.files)}))


def without_seqs(status, data):
    """An answer with every `last_seq` and `updated_at` taken out: after a kill -9 a consumer goes
    on after its seq lease, past its newest seq, and a file after its version lease, at the
    restart's time."""
    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key not in ("last_seq", "updated_at")}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value
    try:
        return status, strip(json.loads(data))
    except ValueError:
        return status, data


def consumers(arguments):
    """A consumer with a pin, its events, a process consumer's descriptor count, seals, version
    and the dirty log come back after a kill -9 as they were; the event sequence goes on after its
    lease, past every seq a reader saw, without a seq used twice, and a reader behind it is told by
    an overflow which seqs it may have lost."""
    with managed(arguments, "consumers") as (manager, state):
        client = new_tenant(manager, state, "consumers")
        status, data = client.call("POST", "/v1/files", {"name": "ram", "size": 1 << 20})
        fid = json.loads(data)["id"]
        status, data = client.call("POST", f"/v1/files/{fid}/consumers",
                                   {"kind": "vfio", "label": "nic", "offset": 0, "length": 65536, "exclusive": True})
        assert status == 201, (status, data)
        cid = json.loads(data)["id"]
        status, data = client.call("POST", f"/v1/consumers/{cid}/pins", {"offset": 8192, "length": 8192, "allocate": True})
        assert status == 201, (status, data)
        pin = json.loads(data)
        client.call("POST", f"/v1/files/{fid}/fallocate", {"mode": "punch_hole", "offset": 32768, "length": 4096})
        client.call("PUT", f"/v1/files/{fid}/content?offset=40960", raw=b"dirty")
        client.call("POST", f"/v1/files/{fid}/seals", {"seals": ["shrink", "no_new_consumers"]})
        before = {path: client.call("GET", path) for path in
                  [f"/v1/files/{fid}", f"/v1/consumers/{cid}", f"/v1/consumers/{cid}/pins", f"/v1/files/{fid}/dirty",
                   f"/v1/files/{fid}/consumers", "/v1/usage"]}
        events = json.loads(client.call("GET", f"/v1/consumers/{cid}/events?after=0")[1])["events"]
        manager.kill()
        manager.start()
        for path, (status, data) in before.items():
            now = client.call("GET", path)
            if without_seqs(*now) != without_seqs(status, data):
                raise AssertionError(f"{path} was {status} {data!r}, is {now[0]} {now[1]!r} after the restart")
        updated = [json.loads(answer)["updated_at"] for _, answer in (before[f"/v1/files/{fid}"],
                                                                      client.call("GET", f"/v1/files/{fid}"))]
        if updated[1] < updated[0]:
            raise AssertionError(f"the file's updated_at went back from {updated[0]} to {updated[1]}")
        last = events[-1]["seq"]
        lease = json.loads(client.call("GET", f"/v1/consumers/{cid}")[1])["last_seq"]
        if lease <= last:
            raise AssertionError(f"after the restart the consumer's seq is {lease}, not past {last}")
        status, data = client.call("GET", f"/v1/consumers/{cid}/events?after={last}")
        lost = json.loads(data)["events"]
        if [(e["type"], e["seq"], e["lost_from"], e["lost_to"]) for e in lost] != [("overflow", lease, last + 1, lease)]:
            raise AssertionError(f"a reader from {last} is told {lost}, not an overflow of {last + 1}-{lease}")
        status, data = client.call("GET", f"/v1/consumers/{cid}/events?after=0")
        lost = json.loads(data)["events"]
        if lost[0]["type"] != "overflow" or (lost[0]["lost_from"], lost[0]["lost_to"]) != (1, lease):
            raise AssertionError(f"a reader from 0 is told {lost}, not an overflow of 1-{lease}")
        client.call("POST", f"/v1/files/{fid}/fallocate", {"mode": "punch_hole", "offset": 8192, "length": 4096})
        status, data = client.call("GET", f"/v1/consumers/{cid}/events?after={lease}")
        after = json.loads(data)["events"]
        if [event["seq"] for event in after] != [lease + 1] or after[0]["type"] != "invalidate":
            raise AssertionError(f"after the restart a punch under the pin gave {after}")
        status, data = client.call("DELETE", f"/v1/consumers/{cid}/pins/{pin['id']}")
        if status != 410:
            raise AssertionError(f"the pin revoked after the restart unpins with {status}, not 410")
        print(json.dumps({"file": fid, "consumer": cid, "events": last}))


class EventReader(threading.Thread):
    """One consumer's Server-Sent Events, as an EventSource reads them: after every disconnect
    (gmemd killed) it connects again with Last-Event-ID, the last id it was sent, and waits in the
    listening socket's backlog while gmemd is down. Keeps every event, and every refusal to
    resume, until its consumer's `detached`."""

    def __init__(self, client, cid):
        super().__init__(daemon=True)
        self.client, self.cid = client, cid
        self.events = []  # (id, type, data)
        self.refusals = []
        self.connections = 0

    def run(self):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            headers = {"Authorization": f"Bearer {self.client.token}", "Accept": "text/event-stream"}
            if self.events:
                headers["Last-Event-ID"] = str(self.events[-1][0])
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.client.port, timeout=10)
                connection.request("GET", f"/v1/consumers/{self.cid}/events", headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    self.refusals.append((headers.get("Last-Event-ID"), response.status, response.read()[:300]))
                    connection.close()
                    time.sleep(0.1)
                    continue
                self.connections += 1
                if self._read(response):
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)

    def _read(self, response):
        """Reads events until the stream ends; true once `detached` came."""
        fields = {}
        while True:
            line = response.fp.readline()
            if not line:
                return False
            line = line.decode().rstrip("\r\n")
            if line == "":
                if "id" in fields:
                    self.events.append((int(fields["id"]), fields.get("event"), json.loads(fields.get("data", "{}"))))
                    if fields.get("event") == "detached":
                        return True
                fields = {}
            elif not line.startswith(":") and ":" in line:
                name, value = line.split(":", 1)
                fields[name] = value[1:] if value.startswith(" ") else value

    def problems(self):
        """What breaks the sequence: a refused resume, an id not after the one before, a gap
        that no overflow names exactly, a stream that did not end with `detached`."""
        found = [f"resume refused: Last-Event-ID {last} answered {status} {body!r}"
                 for last, status, body in self.refusals]
        previous = 0
        for seq, kind, data in self.events:
            if kind == "overflow":
                if (data.get("lost_from"), data.get("lost_to")) != (previous + 1, seq):
                    found.append(f"after {previous} an overflow {seq} names {data.get('lost_from')}-{data.get('lost_to')}")
            elif seq != previous + 1:
                found.append(f"after {previous} came {seq} ({kind}){' (used twice)' if seq <= previous else ''}")
            previous = max(previous, seq)
        if not self.events or self.events[-1][1] != "detached":
            found.append(f"the stream did not end with detached: {self.events[-3:]}")
        return found


def punches(client, fid, rng, stop):
    """Allocates and punches pages of the file until `stop` is set, retrying what a kill cut."""
    while not stop.is_set():
        page = rng.randrange(0, 256) * 4096
        mode = rng.choice(["allocate", "punch_hole"])
        try:
            client.call("POST", f"/v1/files/{fid}/fallocate", {"mode": mode, "offset": page, "length": 4096})
        except (OSError, http.client.HTTPException):
            time.sleep(0.02)


def readers(arguments):
    """Event readers across kill -9s: a file with 32 consumers is punched without pause while 4
    of them are read as Server-Sent Events; gmemd is killed at random points and started again
    with the stored fds. Each reader resumes with Last-Event-ID: its ids strictly increase, none is
    used twice, every gap is an overflow naming exactly the seqs skipped, and the stream ends with
    the consumer's `detached`."""
    rng = random.Random(arguments.seed)
    extra = ["--sse-heartbeat", "1"]
    with managed(arguments, "readers", extra) as (manager, state):
        client = new_tenant(manager, state, "readers", {"max_consumers": 64})
        status, data = client.call("POST", "/v1/files", {"name": "ram", "size": 1 << 20})
        assert status == 201, (status, data)
        fid = json.loads(data)["id"]
        cids = []
        for _ in range(32):
            status, data = client.call("POST", f"/v1/files/{fid}/consumers", {"kind": "generic"})
            assert status == 201, (status, data)
            cids.append(json.loads(data)["id"])
        watched = [EventReader(client, cid) for cid in cids[:4]]
        for reader in watched:
            reader.start()
        stop = threading.Event()
        driver = threading.Thread(target=punches, args=(client, fid, random.Random(rng.random()), stop))
        driver.start()
        for _ in range(arguments.kills):
            time.sleep(rng.uniform(0.05, arguments.max_delay))
            manager.kill()
            manager.start(extra)
        time.sleep(0.5)
        stop.set()
        driver.join(120)
        assert not driver.is_alive(), "the punching client did not stop"
        for reader in watched:
            status, data = client.call("DELETE", f"/v1/consumers/{reader.cid}")
            assert status == 204, (status, data)
        for reader in watched:
            reader.join(60)
            assert not reader.is_alive(), f"the reader of {reader.cid} did not see its detached within 60 s"
        problems = {reader.cid: reader.problems() for reader in watched if reader.problems()}
        if problems:
            raise AssertionError(f"event sequences broken across {arguments.kills} kills: {problems}")
        print(json.dumps({
            "kills": arguments.kills,
            "events": [len(reader.events) for reader in watched],
            "overflows": [sum(1 for event in reader.events if event[1] == "overflow") for reader in watched],
            "connections": [reader.connections for reader in watched]}))


class HeldThread:
    """One thread of another process held stopped by ptrace(2), the others left running (a
    ptrace stop is per thread, where SIGSTOP stops the whole process): what a thread stuck in a
    call looks like from outside. PTRACE_SEIZE, then PTRACE_INTERRUPT; PTRACE_DETACH lets it go."""

    SEIZE, INTERRUPT, DETACH = 0x4206, 0x4207, 17
    WALL = 0x40000000

    def __init__(self, tid):
        import ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        self.ctypes, self.tid, self.held = ctypes, tid, False

    def _ptrace(self, request):
        if self.libc.ptrace(request, self.tid, None, None) != 0:
            error = self.ctypes.get_errno()
            raise OSError(error, f"ptrace({request:#x}, {self.tid}): {os.strerror(error)}")

    def __enter__(self):
        self._ptrace(self.SEIZE)
        self._ptrace(self.INTERRUPT)
        os.waitpid(self.tid, self.WALL)  # returns once the thread is in its ptrace stop
        self.held = True
        return self

    def state(self, pid):
        """The thread's state letter in /proc (t: stopped by its tracer)."""
        with open(f"/proc/{pid}/task/{self.tid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]

    def __exit__(self, *_):
        if self.held:
            self._ptrace(self.DETACH)
            self.held = False


def watchdog(arguments):
    """The watchdog follows the event loops. gmemd runs with WATCHDOG_USEC of 400 ms (so a check
    every 200 ms) and two loops; its main thread runs the first loop (HTTPServer.run on the
    calling thread), the watchdog a thread of its own. While that loop's thread is held in a
    ptrace stop, the process otherwise running, the checks fail: gmemd logs three times that it
    withheld WATCHDOG=1, and meanwhile at most two come (the checks just around the stop may
    pass: the loop had turned since the one before). Once the thread runs again WATCHDOG=1 comes
    back. Counting checks, not time, keeps this true on a loaded machine."""
    interval = 0.2
    environment = {"WATCHDOG_USEC": str(int(interval * 2 * 1_000_000))}
    state = tempfile.mkdtemp(prefix="gmemd-watchdog-state-")
    manager = Manager(arguments.gmemd, state)
    log = os.path.join(manager.folder, "gmemd.log")

    def withheld(since):
        with open(log, "rb") as text:
            text.seek(since)
            return text.read().count(b"WATCHDOG=1 withheld")

    try:
        manager.start(["--threads", "2"], environment)
        since = len(manager.messages)
        for _ in range(3):
            since = manager.wait_for("WATCHDOG", since, timeout=20) + 1
        with HeldThread(manager.pid) as held:
            if held.state(manager.pid) != "t":
                raise AssertionError(f"the loop's thread is in state {held.state(manager.pid)}, not stopped")
            # What was sent before the stop is handled before counting starts.
            manager._drain(0)
            since, logged = len(manager.messages), os.path.getsize(log)
            deadline = time.monotonic() + 60
            while withheld(logged) < 3:
                if time.monotonic() > deadline:
                    raise AssertionError(f"gmemd withheld WATCHDOG=1 {withheld(logged)} times in 60 s "
                                         "while a loop's thread was stopped, not 3")
                manager._drain(0.05)
            manager._drain(0)
            fed = [fields for fields in manager.messages[since:] if fields.get("WATCHDOG") == "1"]
            if len(fed) > 2:
                raise AssertionError(f"{len(fed)} WATCHDOG=1 came while the loop's thread was stopped")
            since = len(manager.messages)
        manager.wait_for("WATCHDOG", since, timeout=20)
        print(json.dumps({"fed_while_stopped": len(fed), "withheld": withheld(logged)}))
    except BaseException:
        sys.stderr.write(manager.log_text())
        raise
    finally:
        manager.stop()


def barrier(arguments):
    """A create answers only once the manager has handled its FDSTORE=1: gmemd follows it with
    BARRIER=1 and waits (sd_notify_barrier(3)). The manager stops reading; a create's FDSTORE=1
    arrives and waits unread, and the create does not answer; the manager reads again, and the
    create answers 201 after the manager handled its BARRIER=1, with the file's memfd in the store.
    Without the wait, a manager that handled the FDSTORE=1 only after gmemd died could not tell
    whose it was, and a file answered 201 would be lost to that crash."""
    with managed(arguments, "barrier") as (manager, state):
        client = new_tenant(manager, state, "barrier")
        manager.reading.clear()
        if not manager.parked.wait(10):
            raise AssertionError("the manager's reading thread did not stop within 10 s")
        answer = {}

        def create():
            answer["reply"] = client.call("POST", "/v1/files", {"name": "ram", "size": 4096})
            answer["at"] = time.monotonic()

        thread = threading.Thread(target=create)
        thread.start()
        deadline = time.monotonic() + 30
        while manager.pending_bytes() == 0:
            if time.monotonic() > deadline:
                raise AssertionError("no FDSTORE=1 came within 30 s of the create")
            time.sleep(0.01)
        thread.join(1.0)
        if not thread.is_alive():
            raise AssertionError(f"the create answered {answer['reply']} while its FDSTORE=1 lay unread")
        manager.reading.set()
        thread.join(30)
        status, data = answer["reply"]
        if status != 201:
            raise AssertionError(f"the create answered {status} {data[:200]!r}")
        fid = json.loads(data)["id"]
        with manager.lock:
            handled = list(zip(manager.messages, manager.arrivals))
        stored = [index for index, (fields, _) in enumerate(handled)
                  if fields.get("FDSTORE") == "1" and fields.get("FDNAME") == fid]
        barriers = [index for index, (fields, _) in enumerate(handled) if fields.get("BARRIER") == "1"]
        if len(stored) != 1 or not any(index > stored[0] for index in barriers):
            raise AssertionError(f"the manager handled {[fields for fields, _ in handled]}")
        barrier_at = handled[next(index for index in barriers if index > stored[0])][1]
        if answer["at"] < barrier_at:
            raise AssertionError("the create answered before the manager handled its BARRIER=1")
        if manager.stored_names().get(fid) != 1:
            raise AssertionError(f"the store holds {manager.stored_names()}, not {fid}'s memfd")
        print(json.dumps({"file": fid, "barriers": len(barriers)}))


def idempotency(arguments):
    """Creates sent with an Idempotency-Key keep their keys across a kill -9: a memfd file, a
    consumer and its pin, each retried after the restart with the same request, get the first
    answer again (Idempotent-Replayed: true) and nothing new is made; the key with another body is
    422; the key of a consumer detached before the kill makes a new consumer."""
    with managed(arguments, "idempotency") as (manager, state):
        client = new_tenant(manager, state, "idempotency")

        def create(path, body, key):
            status, headers, data = client.exchange("POST", path, body, key=key)
            assert status == 201 and headers.get("Idempotent-Replayed") is None, (status, data)
            return data

        file = create("/v1/files", {"name": "ram", "size": 1 << 20}, "file-1")
        fid = json.loads(file)["id"]
        consumers = f"/v1/files/{fid}/consumers"
        consumer = create(consumers, {"kind": "vfio", "offset": 0, "length": 65536}, "consumer-1")
        cid = json.loads(consumer)["id"]
        pin = create(f"/v1/consumers/{cid}/pins", {"offset": 0, "length": 4096, "allocate": True}, "pin-1")
        detached = json.loads(create(consumers, {"kind": "generic"}, "detached-1"))["id"]
        status, _ = client.call("DELETE", f"/v1/consumers/{detached}")
        assert status == 204, status
        made = [("/v1/files", {"name": "ram", "size": 1 << 20}, "file-1", file),
                (consumers, {"kind": "vfio", "offset": 0, "length": 65536}, "consumer-1", consumer),
                (f"/v1/consumers/{cid}/pins", {"offset": 0, "length": 4096, "allocate": True}, "pin-1", pin)]
        manager.kill()
        manager.start()
        for path, body, key, first in made:
            status, headers, data = client.exchange("POST", path, body, key=key)
            if (status, headers.get("Idempotent-Replayed"), data) != (201, "true", first):
                raise AssertionError(f"the retry of {path} with key {key} after the restart answered "
                                     f"{status} {headers.get('Idempotent-Replayed')} {data!r}, not {first!r}")
        status, _, data = client.exchange("POST", "/v1/files", {"name": "ram", "size": 2 << 20}, key="file-1")
        if status != 422 or json.loads(data).get("type") != "urn:gmemd:problem:idempotency-key-reused":
            raise AssertionError(f"the file's key with another body answered {status} {data!r}, not 422")
        status, headers, data = client.exchange("POST", consumers, {"kind": "generic"}, key="detached-1")
        if status != 201 or headers.get("Idempotent-Replayed") is not None or json.loads(data)["id"] == detached:
            raise AssertionError(f"the detached consumer's key made {status} {data!r}, not a new consumer")
        files = [f["id"] for f in json.loads(client.call("GET", "/v1/files")[1])["items"]]
        attached = [c["id"] for c in json.loads(client.call("GET", consumers)[1])["items"]]
        pins = [p["id"] for p in json.loads(client.call("GET", f"/v1/consumers/{cid}/pins")[1])["items"]]
        if files != [fid] or attached[:1] != [cid] or len(attached) != 2 or pins != [json.loads(pin)["id"]]:
            raise AssertionError(f"after the retries: files {files}, consumers {attached}, pins {pins}")
        print(json.dumps({"file": fid, "consumer": cid, "replayed": len(made)}))


def orphans(arguments):
    """Stored memfds that no journal record names are closed, and dropped from the store, before
    gmemd says READY=1: one stored by a create killed before its journal line (a memfd under a
    new id), and one of a delete killed after its removal was logged but before its FDSTOREREMOVE=1
    (the deleted file's own memfd, under its id). Right after READY=1, before any request, gmemd
    holds exactly the kept file's memfd and the store nothing else; the kept file answers with
    its content, the deleted one 404, and neither orphan counts as a lost file."""
    with managed(arguments, "orphans") as (manager, state):
        client = new_tenant(manager, state, "orphans")
        fids = []
        for name in ("kept", "deleted"):
            status, data = client.call("POST", "/v1/files", {"name": name, "size": 65536})
            assert status == 201, (status, data)
            fids.append(json.loads(data)["id"])
        kept, deleted = fids
        status, data = client.call("PUT", f"/v1/files/{kept}/content?offset=0", raw=b"kept")
        assert status == 200, (status, data)
        with manager.lock:
            deleted_memfd = os.dup(manager.store[deleted][0])
        status, data = client.call("DELETE", f"/v1/files/{deleted}")
        assert status == 204, (status, data)
        manager.kill()
        created = os.memfd_create("orphans", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        unjournaled = "file_" + "0" * 26
        with manager.lock:
            manager.store[deleted] = [deleted_memfd]
            manager.store[unjournaled] = [created]
        since = len(manager.messages)
        manager.start()
        with manager.lock:
            inode = os.fstat(manager.store[kept][0]).st_ino
        held = memfd_table(manager.pid)
        if [os.stat(f"/proc/{manager.pid}/fd/{fd}").st_ino for fd in held] != [inode]:
            raise AssertionError(f"at READY=1 gmemd holds {held}, not only {kept}'s memfd (inode {inode})")
        ready = manager.wait_for("READY", since)
        removed = [fields.get("FDNAME") for fields in manager.messages[since:ready] if fields.get("FDSTOREREMOVE") == "1"]
        if sorted(removed) != sorted([deleted, unjournaled]):
            raise AssertionError(f"before READY=1 gmemd removed {removed} from the store, not {deleted} and {unjournaled}")
        if manager.stored_names() != {kept: 1}:
            raise AssertionError(f"the store holds {manager.stored_names()}, not only {kept}'s memfd")
        status, data = client.call("GET", f"/v1/files/{kept}/content")
        if status != 200 or data[:4] != b"kept":
            raise AssertionError(f"the kept file answered {status} {data[:16]!r}")
        status, data = client.call("GET", f"/v1/files/{deleted}")
        if status != 404:
            raise AssertionError(f"the deleted file answered {status} {data!r}, not 404")
        status, data = client.call("GET", "/v1/health")
        restart = json.loads(data)["restart"]
        if restart != {"files_restored": 1, "files_lost": 0}:
            raise AssertionError(f"health says {restart} of the restart, not 1 restored and 0 lost")
        print(json.dumps({"kept": kept, "closed": sorted(removed)}))


def versions(arguments):
    """Punches answer without a journal line of their own while the file's version lease lasts
    (ManagedFile+VersionLease). After a kill -9 the file's ETag is none handed out before, and a
    punch with If-Match of any old one is 412; a clean stop settles the lease, so after it the
    ETag is exactly the last one and If-Match with it applies."""
    with managed(arguments, "versions") as (manager, state):
        client = new_tenant(manager, state, "versions")
        status, headers, data = client.exchange("POST", "/v1/files", {"name": "ram", "size": 1 << 20})
        assert status == 201, (status, data)
        fid = json.loads(data)["id"]
        tags = [headers["ETag"]]
        punch = {"mode": "punch_hole", "offset": 0, "length": 4096}
        for _ in range(50):
            status, headers, data = client.exchange("POST", f"/v1/files/{fid}/fallocate", punch)
            assert status == 200, (status, data)
            tags.append(headers["ETag"])
        manager.kill()
        manager.start()
        status, headers, data = client.exchange("GET", f"/v1/files/{fid}")
        assert status == 200, (status, data)
        resumed = headers["ETag"]
        if resumed in tags:
            raise AssertionError(f"after the kill the file's ETag {resumed} is one handed out before it")
        for tag in tags:
            status, _, data = client.exchange("POST", f"/v1/files/{fid}/fallocate", punch, headers={"If-Match": tag})
            if status != 412:
                raise AssertionError(f"a punch with the old ETag {tag} answered {status} {data!r}, not 412")
        status, headers, data = client.exchange("POST", f"/v1/files/{fid}/fallocate", punch,
                                                headers={"If-Match": resumed})
        assert status == 200, (status, data)
        last = headers["ETag"]
        manager.stop()
        manager.start()
        status, headers, data = client.exchange("GET", f"/v1/files/{fid}")
        if (status, headers["ETag"]) != (200, last):
            raise AssertionError(f"after a clean stop the file answered {status} with ETag {headers['ETag']}, "
                                 f"not {last}")
        status, _, data = client.exchange("POST", f"/v1/files/{fid}/fallocate", punch, headers={"If-Match": last})
        if status != 200:
            raise AssertionError(f"a punch with the last ETag {last} after a clean stop answered {status} {data!r}")
        print(json.dumps({"file": fid, "etags": len(tags), "resumed": resumed, "settled": last}))


def vms(arguments):
    """A VM cannot cross a restart (KVM answers EIO to any process but its maker's): after a
    kill -9 the VM is gone (404), the memfd file it bound as a memslot is kept with its content,
    and the kvm consumer of that memslot is detached with reason restart."""
    with managed(arguments, "vms") as (manager, state):
        client = new_tenant(manager, state, "vms")
        status, _, data = client.exchange("POST", "/v1/vms", {"name": "guest"}, key="vm-1")
        assert status == 201, (status, data)
        vm = json.loads(data)["id"]
        status, data = client.call("POST", "/v1/files", {"name": "ram", "size": 1 << 21})
        fid = json.loads(data)["id"]
        client.call("PUT", f"/v1/files/{fid}/content?offset=0", raw=b"guest ram")
        status, data = client.call("POST", f"/v1/files/{fid}/consumers",
                                   {"kind": "kvm", "vm": vm, "gpa": 1 << 30, "length": 1 << 21})
        assert status == 201, (status, data)
        bound = json.loads(data)["id"]
        status, data = client.call("POST", f"/v1/files/{fid}/consumers", {"kind": "generic"})
        plain = json.loads(data)["id"]
        manager.kill()
        manager.start()
        status, _ = client.call("GET", f"/v1/vms/{vm}")
        assert status == 404, f"the VM answers {status} after the restart, not 404"
        # A VM's key ends with it: a retry is not told of a VM that is gone, it makes a new one.
        status, headers, data = client.exchange("POST", "/v1/vms", {"name": "guest"}, key="vm-1")
        if status != 201 or headers.get("Idempotent-Replayed") is not None or json.loads(data)["id"] == vm:
            raise AssertionError(f"the VM's key after the restart answered {status} {data!r}, not a new VM")
        client.call("DELETE", f"/v1/vms/{json.loads(data)['id']}")
        status, data = client.call("GET", f"/v1/files/{fid}/content?")
        assert status == 200 and data.startswith(b"guest ram"), (status, data[:20])
        status, data = client.call("GET", f"/v1/consumers/{bound}/events?after=0")
        events = json.loads(data)
        last = events["events"][-1]
        if not events["detached"] or (last["type"], last.get("reason")) != ("detached", "restart"):
            raise AssertionError(f"the memslot's consumer reads {events}, not detached (restart)")
        listed = [c["id"] for c in json.loads(client.call("GET", f"/v1/files/{fid}/consumers")[1])["items"]]
        if listed != [plain]:
            raise AssertionError(f"the file's consumers are {listed}, not only {plain}")
        usage = json.loads(client.call("GET", "/v1/usage")[1])["usage"]
        if usage["consumers"] != 1 or usage["vms"] != 0:
            raise AssertionError(f"usage after the restart: {usage}")
        print(json.dumps({"vm": vm, "file": fid, "consumer": bound}))


def qmp(path, command):
    """One human-monitor command on QEMU's QMP socket (waits up to 20 s for it); its output."""
    return qmp_session.human_monitor(path, [command])[0] or ""


def guest_bytes(monitor, address, count):
    """`count` bytes at guest-physical `address`, as QEMU's monitor (`xp`) shows them."""
    words = qmp(monitor, f"xp /{count}xb {address}").split()
    return bytes(int(word, 16) for word in words if word.startswith("0x"))


def qemu(arguments):
    """A QEMU guest whose RAM is a gmemd file (through `gmemd fd`) keeps running across a live
    upgrade and a kill -9 restart, and afterwards gmemd still serves that file: bytes PUT through
    gmemd are what the guest reads, a punch zeroes the guest's page and the process consumer hears
    it."""
    folder = tempfile.mkdtemp(prefix="gmemd-qemu-")
    unix = os.path.join(folder, "gmemd.sock")
    state = os.path.join(folder, "state")
    manager = Manager(arguments.gmemd, state, unix_path=unix)
    guest = None
    try:
        manager.start()
        client = new_tenant(manager, state, "qemu")
        token_file = os.path.join(folder, "token")
        with open(token_file, "w") as handle:
            handle.write(client.token)
        status, data = client.call("POST", "/v1/files", {"name": "ram0", "size": 64 << 20})
        fid = json.loads(data)["id"]
        monitor = os.path.join(folder, "qmp.sock")
        guest = subprocess.Popen(
            [arguments.gmemd, "fd", "--unix", unix, "--token-file", token_file, "--file", fid, "--access",
             "read_write", "--", "qemu-system-x86_64", "-machine", "pc,accel=tcg,memory-backend=ram0", "-m", "64M",
             "-object", "memory-backend-file,id=ram0,size=64M,mem-path=/proc/self/fd/{fd},share=on",
             "-nographic", "-nodefaults", "-serial", "none", "-qmp", f"unix:{monitor},server=on,wait=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not any(client.call("GET", f"/v1/files/{fid}/content?", None)[1][:16]):
            if time.monotonic() > deadline:
                raise AssertionError("the firmware wrote nothing into gmemd's file within 60 s")
            time.sleep(0.2)

        def check(step, address):
            written = f"gmemd {step}".encode()
            status, data = client.call("PUT", f"/v1/files/{fid}/content?offset={address}", raw=written)
            assert status == 200, (step, status, data)
            seen = guest_bytes(monitor, address, len(written))
            if seen != written:
                raise AssertionError(f"{step}: the guest reads {seen!r} where gmemd wrote {written!r}")
            if guest.poll() is not None or "running" not in qmp(monitor, "info status"):
                raise AssertionError(f"{step}: the guest is not running")

        check("before", 0x200000)
        since = len(manager.messages)
        os.kill(manager.pid, signal.SIGUSR2)
        reloading = manager.wait_for("RELOADING", since)
        manager.wait_for("READY", reloading)
        check("after the upgrade", 0x200100)
        manager.kill()
        manager.start()
        check("after kill -9", 0x200200)
        consumers = json.loads(client.call("GET", f"/v1/files/{fid}/consumers")[1])["items"]
        process = next(c for c in consumers if c["kind"] == "process")
        status, _ = client.call("POST", f"/v1/files/{fid}/fallocate",
                                {"mode": "punch_hole", "offset": 0x200000, "length": 4096})
        assert status == 200, status
        if guest_bytes(monitor, 0x200000, 16) != bytes(16):
            raise AssertionError("a punch after the restarts did not zero the guest's page")
        events = json.loads(client.call("GET", f"/v1/consumers/{process['id']}/events?after={process['last_seq']}")[1])
        if not any(e["type"] == "invalidate" and e["offset"] == 0x200000 for e in events["events"]):
            raise AssertionError(f"the guest's consumer heard {events} after the punch")
        print(json.dumps({"file": fid, "consumer": process["id"]}))
    except BaseException:
        sys.stderr.write(manager.log_text())
        raise
    finally:
        if guest is not None:
            guest.kill()
            guest.wait()
        manager.stop()


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    scenarios = {"crash-loop": crash_loop, "consumers": consumers, "readers": readers, "watchdog": watchdog,
                 "barrier": barrier, "vms": vms, "qemu": qemu, "idempotency": idempotency,
                 "versions": versions, "orphans": orphans}
    # Those that kill gmemd at random points: how often, from which seed, at most how long apart.
    killing = {"crash-loop": (50, 0.4), "readers": (10, 0.5)}
    for name in scenarios:
        command = commands.add_parser(name)
        command.add_argument("--gmemd", required=True)
        if name in killing:
            kills, delay = killing[name]
            command.add_argument("--kills", type=int, default=kills)
            command.add_argument("--seed", type=int, default=1)
            command.add_argument("--max-delay", type=float, default=delay)
    arguments = parser.parse_args()
    scenarios[arguments.command](arguments)


if __name__ == "__main__":
    main()
