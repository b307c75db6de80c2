#!/bin/bash
# Installs the Debian packages bulkhead needs to build, test and run.
set -euo pipefail
pkgs=(meson ninja-build gcc clang libclang-rt-14-dev pkg-config libcmocka-dev
      python3-pytest python3-psutil bubblewrap libseccomp-dev libcap-dev
      libsqlite3-dev libjansson-dev libssl-dev procps iproute2
      libgpgme-dev gnupg git pass tree qrencode)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
