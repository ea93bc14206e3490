#!/bin/sh
# Fork and COW-fault costs (make bench), in two currencies side by side.
# Boots user/bench.c from the same kernel image with eager fork (cow=off),
# with copy-on-write fork (the default) and with lazy page-table sharing
# (cow=pt, when the kernel has it), each under QEMU -icount (virtual
# time: 1 ns is one instruction, the same in every run) and in wall-clock
# time (real time, one boot at a time; the program takes medians). Then
# times whole fork-storm boots with and without the audit at every exit,
# and hands everything to tools/bench_report.py, which prints the tables
# and the targets of docs/perf.md and writes docs/perf/fork.csv and the
# plot docs/perf/fork.svg.
#
# Usage: tools/bench.sh [--quick] [--icount-only] [-k KERNEL]   (from the top folder)
#   --quick        two small sizes, no storms (as make grade's test "bench"
#                  boots); results in obj/bench/quick/, docs/perf/ left alone
#   --icount-only  no wall-clock runs (deterministic, and quick to compare)
#
# Memory: 256 MiB, so that eager fork of the largest heap (16384 pages) fits.
# Boot arguments: audit=off (no audit at every exit, which would be timed
# too) and timeslice=1000 (no preemption in the middle of a sample). It
# fails only if a run does not reach "bench pass."; a missed target is
# reported, not fatal.
#
# One hart (CPUS=1), whatever make passes: under -icount QEMU runs several
# harts in turn on one thread, and the figures would time the others too.
# Then, in wall-clock time only, two parallel programs (smpstress, the
# parallel Dirty COW race under fix2022) as whole boots on 1, 2 and 4
# harts.

export CPUS=1
kernel=bin/kernel
quick=
wall=yes
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=bench=quick; shift ;;
        --icount-only) wall=; shift ;;
        -k) kernel=$2; shift 2 ;;
        *) echo "usage: $0 [--quick] [--icount-only] [-k KERNEL]" >&2; exit 2 ;;
    esac
done
[ -f "$kernel" ] || { echo "$0: no $kernel (run make first)" >&2; exit 1; }

logs=obj/bench
out=docs/perf
[ -n "$quick" ] && out=obj/bench/quick
mkdir -p "$logs" "$out" || exit 1
rm -f "$logs"/*.log "$logs/storms.txt"

# The fork modes this kernel knows: cow=pt only if it says so at boot.
modes="eager cow"
if grep -a -q "lazy page-table sharing" "$kernel"; then
    modes="$modes pt"
fi

# run CURRENCY MODE: one boot, console in $logs/CURRENCY-MODE.log.
run() {
    flags=
    [ "$1" = icount ] && flags=-i
    case $2 in eager) arg=cow=off ;; pt) arg=cow=pt ;; *) arg= ;; esac
    # shellcheck disable=SC2086
    timeout 1200 tools/qemu.sh -m 256M $flags -k "$kernel" -- prog=bench audit=off timeslice=1000 \
        $quick $arg > "$logs/$1-$2.log" 2>&1 < /dev/null
    grep -q '^bench pass\.' "$logs/$1-$2.log" || {
        echo "bench: the $1 $2 run failed; the end of $logs/$1-$2.log:"; tail -20 "$logs/$1-$2.log"
        exit 1
    }
}

echo "bench: booting bench with: $modes; under -icount${wall:+, then in wall-clock time}..."
for m in $modes; do run icount "$m" & done      # virtual time: side by side is harmless
wait
for m in $modes; do [ -f "$logs/icount-$m.log" ] || exit 1; done
if [ -n "$wall" ]; then
    for m in $modes; do run wall "$m" || exit 1; done   # real time: one at a time
fi

# median_boot LOG HARTS MEM BOOTARG...: boot 3 times, one at a time, and
# print the median wall-clock seconds (the console goes to LOG).
median_boot() {
    log=$1 n=$2 mem=$3; shift 3
    for i in 1 2 3; do
        start=$(date +%s.%N)
        CPUS=$n timeout 300 tools/qemu.sh -m "$mem" -k "$kernel" -- "$@" > "$log" 2>&1 < /dev/null
        end=$(date +%s.%N)
        awk "BEGIN { printf \"%.3f\\n\", $end - $start }"
    done | sort -n | sed -n 2p
}

# Fork storms: whole boots with the audit at every exit (the default) and
# with audit=off. Prints "NAME on|off SECONDS".
storm() {       # storm NAME MEM BOOTARG...
    name=$1 mem=$2; shift 2
    for audit in on off; do
        echo "$name $audit $(median_boot "$logs/storm-$name-$audit.log" 1 "$mem" "$@" audit=$audit)"
    done
}
if [ -z "$quick" ] && [ -n "$wall" ]; then
    echo "bench: fork storms, with and without the audit at every exit..."
    { storm forkcycle 128M prog=forkcycle; storm forkbomb-16M 16M prog=forkbomb
      storm forkbomb-128M 128M prog=forkbomb; } > "$logs/storms.txt"
fi

# Parallel programs, whole boots on 1, 2 and 4 harts. Prints "NAME HARTS SECONDS".
harts() {       # harts NAME BOOTARG...
    name=$1; shift
    for n in 1 2 4; do
        echo "$name $n $(median_boot "$logs/smp-$name-$n.log" "$n" 128M "$@")"
    done
}
if [ -z "$quick" ] && [ -n "$wall" ]; then
    echo "bench: parallel programs on 1, 2 and 4 harts..."
    { harts smpstress prog=smpstress; harts dirtycow-parallel prog=dirtycow parallel; } \
        > "$logs/harts.txt"
fi

exec python3 tools/bench_report.py "$out" "$logs" --storms "$logs/storms.txt" \
    --harts "$logs/harts.txt"
