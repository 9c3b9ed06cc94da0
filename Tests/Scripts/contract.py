"""gmemd's contract run: schemathesis with every check over every operation of openapi.yaml,
against a running gmemd, as a tenant or as the admin, with real ids.

    python3 Tests/Scripts/contract.py --url http://127.0.0.1:8080 --admin-token-file .gmemd/admin-token \
        --caller tenant --examples 10 --seed 1

It makes a tenant and, for every operation that names a resource in its path, resources of that
operation's own (a file, a consumer, a pin, a VM, a tenant), so that what the run does through one
operation (a seal, a delete, a detach, an unpin) does not turn another's requests into refusals.
It writes a schemathesis.toml into a scratch folder: those ids as fixed path parameters, and per
operation the statuses openapi.yaml documents as what a request the schema allows may get (less
those that only a malformed request can get). Then it runs `st run --checks all` there as the
caller and exits with its status: 0 only when schemathesis found nothing.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "openapi.yaml")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# Valid JSON of the right media type, small, with a valid token and a sane Accept, is never these.
MALFORMED_ONLY = {"400", "401", "406", "413", "414", "415", "431"}
PAGE = 4096
# Room for every file, consumer and VM a run makes, and little memory: a large generated
# allocation is the tenant's 403 quota, never the host's memory.
LIMITS = {
    "max_bytes": 16 << 20,
    "max_locked_bytes": 16 << 20,
    "max_files": 1_000_000,
    "max_consumers": 1_000_000,
    "max_vms": 8,
}
ABSENT_VM = "vm_00000000000000000000000000"


class Client:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                text = reply.read()
                return reply.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def made(self, method, path, body=None, status=201):
        got, answer = self.call(method, path, body)
        if got != status:
            sys.exit(f"contract.py: {method} {path} answered {got}, not {status}: {answer}")
        return answer


def operations(spec):
    """Each operation with the names of its path parameters."""
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield operation, set(re.findall(r"\{(\w+)\}", template))


def make_ids(spec, admin, tenant):
    """Per operationId, the path parameters it takes, each naming a resource of its own."""
    ids = {}
    for operation, wanted in operations(spec):
        name = operation["operationId"]
        if not wanted:
            continue
        found = {}
        if "tid" in wanted:
            found["tid"] = admin.made("POST", "/v1/tenants", {"name": name})["id"]
        if "vmid" in wanted:
            status, vm = tenant.call("POST", "/v1/vms", {"name": name})
            # Where KVM is missing every VM operation is 422 whatever the id.
            found["vmid"] = vm["id"] if status == 201 else ABSENT_VM
        if wanted & {"fid", "cid", "pid"}:
            file = tenant.made("POST", "/v1/files", {"name": name, "size": 16 * PAGE})
            found["fid"] = file["id"]
        if wanted & {"cid", "pid"}:
            consumer = tenant.made("POST", f"/v1/files/{file['id']}/consumers", {"kind": "generic"})
            found["cid"] = consumer["id"]
            if name == "getEvents":
                # Detached, its long-polls and event streams end at once: nothing a fuzzer does
                # causes the event they would wait for.
                tenant.made("DELETE", f"/v1/consumers/{consumer['id']}", status=204)
        if "pid" in wanted:
            pin = tenant.made(
                "POST", f"/v1/consumers/{consumer['id']}/pins", {"offset": 0, "length": PAGE, "allocate": True}
            )
            found["pid"] = pin["id"]
        ids[name] = {key: found[key] for key in wanted}
    return ids


def configuration(spec, ids):
    lines = ['hooks = "contract_hooks.py"', ""]
    for operation, _ in operations(spec):
        name = operation["operationId"]
        statuses = sorted(s for s in operation["responses"] if s != "default" and s not in MALFORMED_ONLY)
        lines.append("[[operations]]")
        lines.append(f"include-operation-id = {json.dumps(name)}")
        if name in ids:
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(ids[name].items()))
            lines.append(f"parameters = {{ {pairs} }}")
        lines.append("checks = { positive_data_acceptance = { expected-statuses = " + json.dumps(statuses) + " } }")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-token-file", required=True)
    parser.add_argument("--caller", choices=["tenant", "admin"], required=True)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=600, help="seconds; st is killed past them")
    parser.add_argument("st_arguments", nargs="*", help="more arguments for `st run`, after --")
    arguments = parser.parse_args()

    with open(SPEC) as file:
        spec = yaml.safe_load(file)
    with open(arguments.admin_token_file) as file:
        admin = Client(arguments.url, file.read().strip())
    tenant = Client(arguments.url, admin.made("POST", "/v1/tenants", {"name": "contract", "limits": LIMITS})["token"])
    ids = make_ids(spec, admin, tenant)
    token = tenant.token if arguments.caller == "tenant" else admin.token

    with tempfile.TemporaryDirectory(prefix="gmemd-contract-") as folder:
        with open(os.path.join(folder, "schemathesis.toml"), "w") as file:
            file.write(configuration(spec, ids))
        with open(os.path.join(HERE, "contract_hooks.py")) as source:
            with open(os.path.join(folder, "contract_hooks.py"), "w") as file:
                file.write(source.read())
        command = [
            "st", "--config-file", "schemathesis.toml", "run", os.path.abspath(SPEC),
            "--url", arguments.url, "-H", f"Authorization: Bearer {token}",
            "--checks", "all", "--max-examples", str(arguments.examples), "--seed", str(arguments.seed),
            "--generation-database", "none", "--no-color", "--request-timeout", "10",
            *arguments.st_arguments,
        ]  # fmt: skip
        try:
            return subprocess.run(command, cwd=folder, timeout=arguments.time_limit).returncode
        except subprocess.TimeoutExpired:
            print(f"contract.py: st ran past {arguments.time_limit} s and was killed", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
