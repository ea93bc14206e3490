#!/bin/sh
# Boot bin/kernel under QEMU's virt machine with OpenSBI.
# Usage: tools/qemu.sh [-m MEM] [-c CPUS] [-g] [-i] [-k KERNEL] -- bootarg...
#   -c  harts (1 to 8; default $CPUS, else 1)            -i  count instructions (-icount)
#   -g  wait for gdb on tcp::$GDBPORT (default 1234)
# The words after -- become the kernel's boot arguments. The kernel
# powers the machine off when it is done, so this returns by itself,
# with QEMU's exit status: 0 after a clean run, 1 after a kernel panic,
# 2 when prog= names no program (kern/driver/power.h).
mem=128M; kernel=bin/kernel; extra=; cpus=${CPUS:-1}
while [ $# -gt 0 ]; do
    case $1 in
        -m) mem=$2; shift 2 ;;
        -k) kernel=$2; shift 2 ;;
        -c) cpus=$2; shift 2 ;;
        -g) extra="$extra -S -gdb tcp::${GDBPORT:-1234}"; shift ;;
        -i) extra="$extra -icount shift=0,align=off,sleep=off"; shift ;;
        --) shift; break ;;
        *) echo "usage: $0 [-m MEM] [-c CPUS] [-g] [-i] [-k KERNEL] -- bootarg..." >&2; exit 2 ;;
    esac
done
# shellcheck disable=SC2086
case $cpus in
    [1-8]) ;;
    *) echo "$0: CPUS=$cpus: the kernel runs 1 to 8 harts" >&2; exit 2 ;;
esac
exec qemu-system-riscv64 -machine virt -nographic -bios default -m "$mem" -smp "$cpus" \
    -no-reboot -kernel "$kernel" -append "$*" $extra
