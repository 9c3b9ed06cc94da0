#!/usr/bin/env bash
# Installs what gmemd needs to build and test, where it is missing. Sourced by run.sh and test.sh.
# Debian packages: OpenSSL and zlib headers (TLS, gzip, digests), curl (tests and examples), the
# openssl and gzip commands (the TLS and gzip tests make certificates and gzip bodies with them),
# Python's pip (spec validation and API fuzzing run from PyPI packages), QEMU (qemu-system-x86: the
# end-to-end test that boots a guest on memory it received from gmemd).
set -euo pipefail

need_apt=()
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need_apt+=(zlib1g-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v gzip >/dev/null || need_apt+=(gzip)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "deps: installing ${need_apt[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH" && break
    done
fi
command -v swift >/dev/null || { echo "deps: Swift 6.1 or newer is required (swift.org/install)" >&2; exit 1; }
