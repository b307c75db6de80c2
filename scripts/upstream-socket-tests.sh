#!/bin/bash
# Runs Qubes' own qrexec socket test suite (qubes-core-qrexec
# qrexec/tests/socket/) against our binaries. The suite is not part of this
# repository: pass the path of an upstream checkout. It runs as an
# unprivileged user (created if missing) with bash bound over /bin/sh in a
# private mount namespace, as the suite expects.
#   usage: scripts/upstream-socket-tests.sh UPSTREAM_CHECKOUT BUILD_DIR [pytest args]
set -euo pipefail
up=$(realpath "$1"); build=$(realpath "$2"); shift 2
user=bhtest
id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
root=$(mktemp -d /tmp/bh-upstream.XXXXXX)
mkdir -p "$root/agent" "$root/daemon" "$root/libqrexec"
cp "$build/qrexec/qrexec-agent" "$build/qrexec/qrexec-client-vm" "$root/agent/"
cp "$build/qrexec/qrexec-daemon" "$build/qrexec/qrexec-client" "$root/daemon/"
mkdir -p "$root/qrexec/tests"
cp "$up/qrexec/__init__.py" "$root/qrexec/"
cp "$up/qrexec/tests/__init__.py" "$root/qrexec/tests/"
cp -r "$up/qrexec/tests/socket" "$root/qrexec/tests/"
chown -R "$user" "$root"
cd "$root"
exec unshare -m bash -c "mount --bind /bin/bash /bin/sh && exec runuser -u $user -- \
  env -u QREXEC_SERVICE_PATH python3 -m pytest -o 'python_files=*.py' -p no:cacheprovider \
  qrexec/tests/socket $*"
