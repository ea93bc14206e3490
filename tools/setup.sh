#!/bin/sh
# Install what this project needs on Debian or Ubuntu, if missing (with sudo
# when not root): the RISC-V cross compiler and binutils, QEMU, OpenSBI,
# gdb-multiarch, make, graphviz (for docs), python3 and git. A package counts
# as present if it is installed or its proof (a command or a file) exists.
# Prints nothing when everything is there; safe to run again.
set -eu
missing=
for entry in gcc-riscv64-unknown-elf:riscv64-unknown-elf-gcc binutils-riscv64-unknown-elf:riscv64-unknown-elf-ld \
        qemu-system-misc:qemu-system-riscv64 opensbi:/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin \
        gdb-multiarch:gdb-multiarch make:make graphviz:dot python3:python3 git:git; do
    pkg=${entry%%:*} proof=${entry#*:}
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' && continue
    case $proof in /*) [ -e "$proof" ] ;; *) command -v "$proof" >/dev/null 2>&1 ;; esac && continue
    missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "tools/setup.sh: not Debian/Ubuntu: install by hand:$missing" >&2; exit 1; }
sudo=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "tools/setup.sh: need root (or sudo) to install:$missing" >&2; exit 1; }
    sudo=sudo
fi
echo "tools/setup.sh: installing$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086  # $missing is a list of package names
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
