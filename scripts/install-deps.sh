#!/usr/bin/env bash
# Installs the Debian packages avrami needs, only those that are missing.
# Safe to run again and again; does nothing when all are present.
set -euo pipefail
PKGS=(build-essential clang libclang-rt-14-dev libgsl-dev libsqlite3-dev sqlite3
      libcjson-dev libcmocka-dev gnuplot-nox libopenblas-dev openmpi-bin libopenmpi-dev procps
      libpcre2-dev libutf8proc-dev libgmp-dev python3 python3-pandas python3-jinja2)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
