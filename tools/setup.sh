#!/bin/sh
# Install the tools this project needs, on Debian or Ubuntu, if missing:
# the RISC-V cross compiler and binutils, QEMU, OpenSBI, gdb-multiarch,
# make, graphviz (for docs) and python3.
# Prints nothing when everything is already there; safe to run again.
set -eu

# Each entry is "PACKAGE:PROOF": the package counts as present if it is
# installed, or if PROOF (a command, or an absolute file path) exists.
NEEDED="
gcc-riscv64-unknown-elf:riscv64-unknown-elf-gcc
binutils-riscv64-unknown-elf:riscv64-unknown-elf-ld
qemu-system-misc:qemu-system-riscv64
opensbi:/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
gdb-multiarch:gdb-multiarch
make:make
graphviz:dot
python3:python3
"

# True if Debian package $1 is installed.
pkg_installed() {
    command -v dpkg-query >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# True if $1 (command name or absolute path) is available.
proof_present() {
    case $1 in
    /*) [ -e "$1" ] ;;
    *)  command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=
for entry in $NEEDED; do
    pkg=${entry%%:*}
    proof=${entry#*:}
    pkg_installed "$pkg" || proof_present "$proof" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
    echo "tools/setup.sh: this is not a Debian/Ubuntu system (no apt-get)." >&2
    echo "Install these (or your system's equivalents) by hand:$missing" >&2
    exit 1
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=sudo
    else
        echo "tools/setup.sh: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi

echo "tools/setup.sh: installing$missing"
# shellcheck disable=SC2086  # $missing is a list of package names
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing
