#!/bin/bash
# bulkhead demo: installs what it needs, builds and installs bulkhead under
# /usr/local, and runs `bulkhead demo`: bulkheadd and qrexec-policy-daemon
# come up, the demo world is created (AppVMs work, vault with no network,
# mgmt, on the `host` template), work and vault start as sandboxed domains,
# and policy-governed calls run between them (a date from vault, a call
# denied by policy: exit 126, a missing service: exit 127), then split pass
# from work to vault (the store and its key stay in vault). The world keeps
# running afterwards; `bulkhead down` stops it. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh >/dev/null
[ -d build ] || meson setup build --prefix=/usr/local >/dev/null
ninja -C build >/dev/null
meson install -C build --quiet >/dev/null
exec /usr/local/bin/bulkhead demo
