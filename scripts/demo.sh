#!/bin/bash
# bulkhead demo (qrexec core): builds and installs bulkhead, brings up two
# domains, "work" (id 1) and "vault" (id 2), each a real qrexec-agent with
# its own qrexec-daemon, on scratch socket dirs, and shows service calls:
# an allowed call work -> vault (qubes.GetDate), a denied one (exit 126), a
# missing service (exit 127), a call to a dom0 service and dom0 -> vault.
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

# policy program (the policy engine issue replaces it with policy.d files)
cat > "$root/policy" <<POL
#!/bin/sh
case "\$2 \$3 \$4" in
  "work vault qubes.GetDate"|"work vault demo.Missing") t=\$3 ;;
  "work @adminvm demo.Hello") t=dom0 ;;
  *) echo result=deny; exit 1 ;;
esac
printf 'result=allow\nuser=$user\ntarget=%s\nrequested_target=%s\nautostart=False\n' "\$t" "\$3"
POL
chmod +x "$root/policy"

id=1
for d in work vault; do
  VCHAN_DOMAIN=$id QREXEC_SERVICE_PATH="$root/d-$d/rpc" QUBES_RPC_CONFIG_PATH="$root/d-$d/rpc-config" \
    "$SBIN/qrexec-agent" --agent-socket="$root/d-$d/agent.sock" & pids+=($!)
  VCHAN_DOMAIN=0 QREXEC_SERVICE_PATH="$root/dom0-rpc" \
    "$SBIN/qrexec-daemon" --direct --uuid="00000000-0000-0000-0000-00000000000$id" \
    --socket-dir="$root/run" --policy-program="$root/policy" $id $d "$user" & pids+=($!)
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
echo "== work -> dom0 service"
run vm @adminvm demo.Hello
echo "== dom0 -> vault"
run env VCHAN_DOMAIN=0 "$BIN/qrexec-client" --socket-dir="$root/run" -d vault "$user:echo hello from \$(hostname -s) as \$(id -un)"
