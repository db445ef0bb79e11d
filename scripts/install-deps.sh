#!/usr/bin/env bash
# Installs the Debian 12 packages logreg needs to build, test and compare
# itself with its peers. Does nothing when all are present.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liblinear-tools python3 python3-numpy python3-scipy python3-sklearn
  clang libclang-rt-14-dev liblbfgs-dev
  time  # /usr/bin/time -v: bench/compare_peers.py's peak RSS (and its test)
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install them" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
