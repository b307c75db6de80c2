#!/bin/bash
# bulkhead demo (qrexec core and policy): builds and installs bulkhead,
# brings up two domains, "work" (id 1) and "vault" (id 2), each a real
# qrexec-agent with its own qrexec-daemon, on scratch socket dirs, and a
# qrexec-policy-daemon reading a policy.d directory, and shows service
# calls: an allowed call work -> vault (qubes.GetDate), a denied one (exit
# 126), a missing service (exit 127), an "ask" answered by the terminal
# agent, a call to a dom0 service, dom0 -> vault, and qrexec-policy-explain.
# (The sandboxed demo world comes with the domains issue.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh >/dev/null
[ -d build ] || meson setup build --prefix=/usr/local >/dev/null
ninja -C build >/dev/null
meson install -C build --quiet >/dev/null
BIN=/usr/local/bin SBIN=/usr/local/sbin
root=$(mktemp -d /tmp/bulkhead-demo.XXXXXX)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$root"; }
trap cleanup EXIT
mkdir -p "$root"/{vchan,run,dom0-rpc} "$root"/d-work/rpc "$root"/d-vault/rpc
export VCHAN_SOCKET_DIR="$root/vchan"
user=$(id -un)

# services
printf '#!/bin/sh\ndate -u +"%%Y-%%m-%%d %%H:%%M:%%S UTC (answered by $(hostname) for $QREXEC_REMOTE_DOMAIN)"\n' \
  > "$root/d-vault/rpc/qubes.GetDate"
printf '#!/bin/sh\necho "dom0 says hello to $QREXEC_REMOTE_DOMAIN"\n' > "$root/dom0-rpc/demo.Hello"
printf '#!/bin/sh\necho never\n' > "$root/d-vault/rpc/demo.Secret"
chmod +x "$root"/d-vault/rpc/* "$root"/dom0-rpc/*

# policy: a policy.d directory, evaluated by qrexec-policy-daemon
mkdir -p "$root/policy.d"
cat > "$root/policy.d/30-demo.policy" <<'POL'
# service        argument  source  target    action
qubes.GetDate    *         work    vault     allow
demo.Missing     *         work    vault     allow
demo.Hello       *         work    @adminvm  allow target=dom0
demo.Ask         *         work    @default  ask default_target=vault
demo.Ask         *         work    vault     ask default_target=vault
*                *         @anyvm  @anyvm    deny
POL
printf '#!/bin/sh\necho "vault answers the question of $QREXEC_REMOTE_DOMAIN"\n' > "$root/d-vault/rpc/demo.Ask"
chmod +x "$root/d-vault/rpc/demo.Ask"
cat > "$root/system-info.json" <<'SI'
{"domains": {
 "dom0":  {"type": "AdminVM", "tags": [], "uuid": "00000000-0000-0000-0000-000000000000", "power_state": "Running", "template_for_dispvms": false, "default_dispvm": null, "icon": "adminvm-black", "guivm": null},
 "work":  {"type": "AppVM", "tags": [], "uuid": "00000000-0000-0000-0000-000000000001", "power_state": "Running", "template_for_dispvms": false, "default_dispvm": null, "icon": "appvm-blue", "guivm": "dom0"},
 "vault": {"type": "AppVM", "tags": [], "uuid": "00000000-0000-0000-0000-000000000002", "power_state": "Running", "template_for_dispvms": false, "default_dispvm": null, "icon": "appvm-black", "guivm": "dom0"}
}}
SI
"$BIN/qrexec-policy-daemon" --policy-path="$root/policy.d" --compat-path="$root/no-legacy" \
  --system-info="$root/system-info.json" --socket-path="$root/policy.sock" \
  --eval-socket-path= --gui-socket-path= --ask-socket="$root/policy-agent.sock" \
  2>"$root/policy-daemon.log" & pids+=($!)
# the ask agent, answering from a pipe here (normally: a terminal)
mkfifo "$root/answers"
"$BIN/qrexec-policy-agent" --socket="$root/policy-agent.sock" --timeout=10 \
  <"$root/answers" >"$root/agent.out" 2>&1 & pids+=($!)
exec 7>"$root/answers"
for _ in $(seq 100); do [ -S "$root/policy.sock" ] && [ -S "$root/policy-agent.sock" ] && break; sleep 0.05; done

id=1
for d in work vault; do
  VCHAN_DOMAIN=$id QREXEC_SERVICE_PATH="$root/d-$d/rpc" QUBES_RPC_CONFIG_PATH="$root/d-$d/rpc-config" \
    "$SBIN/qrexec-agent" --agent-socket="$root/d-$d/agent.sock" & pids+=($!)
  VCHAN_DOMAIN=0 QREXEC_SERVICE_PATH="$root/dom0-rpc" \
    "$SBIN/qrexec-daemon" --direct --uuid="00000000-0000-0000-0000-00000000000$id" \
    --socket-dir="$root/run" --policy-socket="$root/policy.sock" $id $d "$user" & pids+=($!)
  id=$((id + 1))
done
for d in work vault; do
  for _ in $(seq 100); do [ -e "$root/run/qrexec.$d" ] && break; sleep 0.05; done
done

vm() { VCHAN_DOMAIN=1 "$BIN/qrexec-client-vm" --agent-socket="$root/d-work/agent.sock" "$@"; }
run() { echo "\$ $*"; set +e; "$@"; rc=$?; set -e; echo "  -> exit $rc"; echo; }

echo "== work -> vault, allowed by policy"
run vm vault qubes.GetDate
echo "== work -> vault, denied by policy"
run vm vault demo.Secret
echo "== work -> vault, allowed but no such service"
run vm vault demo.Missing
echo "== work -> vault, policy says ask: the agent shows the prompt, the user picks 1"
( sleep 0.5; echo 1 >&7 ) &
run vm vault demo.Ask
sed 's/^/  agent| /' "$root/agent.out"; echo
echo "== work -> dom0 service"
run vm @adminvm demo.Hello
echo "== dom0 -> vault"
run env VCHAN_DOMAIN=0 "$BIN/qrexec-client" --socket-dir="$root/run" -d vault "$user:echo hello from \$(hostname -s) as \$(id -un)"
echo "== why was demo.Secret denied?"
run "$BIN/qrexec-policy-explain" --path="$root/policy.d" --compat-path="$root/no-legacy" \
  --system-info="$root/system-info.json" work vault demo.Secret
echo "== the policy daemon's log"
sed 's/^/  /' "$root/policy-daemon.log"
exec 7>&-
