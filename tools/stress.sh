#!/bin/bash
# Faults injected, bad input thrown, load piled on: the kernel must stay
# up and lose nothing (make stress, after bin/kernel is built).
#
# Each run boots one program in its own QEMU (tools/qemu.sh), up to nproc
# at a time. Whatever happens to the program -- an injected allocation
# failure may well kill it -- the kernel must end the run intact:
#   - QEMU powers itself off within the run's time limit (no hang),
#   - no "kernel panic" line,
#   - "all user-mode processes have quit.", "cow audit pass." (every page's
#     reference count matches the page tables) and "init check memory
#     pass." (free pages and kmalloc bytes exactly as before the program),
#   - /etc/passwd never CORRUPTED (dirtycow),
# and a run with nothing injected must also print the program's pass line.
#
# The groups:
#   failalloc=N      each program with its Nth page allocation failing, for
#                    N across the allocations it makes (kern/mm/pmm.c)
#   every:K, rand:   every Kth allocation fails; a seeded PCT percent fail
#   fuzz             user/fuzz/, the system-call fuzzer, with several seeds
#   fork stress      user/forkbomb.c (to the process limit and out of
#                    memory), forkcycle.c, forkdeep.c
#   cow=pt           the swept programs under lazy page-table sharing,
#                    whole and with failalloc=N
#   4 harts          user/smpstress.c (COW faults, forks and unmaps from
#                    every hart at once), smpfork, the fork storms, the
#                    fuzzer and the parallel Dirty COW race, whole and with
#                    failalloc=N
#   graded suites    make grade's tests booted with CPUS=1, each test in
#                    a boot of its own (GRADE_SHARE=1), and with CPUS=4,
#                    sharing boots as make grade does (one unit per test)
#   grader           tools/grade_selftest.sh: grade.sh's shared boots
#                    against a fake kernel (one unit per check)
# Every other group boots one hart, so that failalloc=N fails the same
# allocation in every run.
# One summary line per group, the failing runs in detail (logs stay in
# obj/stress/), and as the very last line "N passed, M failed", one unit
# being one run. The exit status is 0 only if every run passed.
#
# Environment: STRESS_JOBS=N runs at a time (default nproc); STRESS_LIMIT=S
# seconds a run may take (default 20); QEMU_SH=PATH another runner, called
# as PATH -m MEM -- bootarg... (as grade.sh does).

set -u
cd "$(dirname "$0")/.." || exit 1

QEMU_SH=${QEMU_SH:-tools/qemu.sh}
JOBS=${STRESS_JOBS:-$(nproc)}
LOGDIR=obj/stress
LIMIT=${STRESS_LIMIT:-20}   # a parked child whose parent died gives up after 5 s

# Programs swept with failalloc=N, as FIRST:LAST:STEP, and extra boot
# arguments. The ranges cover the page allocations each program made when
# this list was written; a run past its last one injects nothing and is
# still checked. Programs missing from user/ are skipped.
SWEEPS=(
    "forktest   1:400:7"
    "forktree   1:230:5"
    "cowthree   1:40:1"
    "cowkernel  1:30:1"
    "cowchain   1:140:3"
    "cowcycles  1:3400:97"
    "cowbig     1:21000:700"
    "dirtycow   1:20000:1000    gup_resched=1"
    "fuzz       1:5500:250"
    "forkcycle  1:7800:390"
    "forkdeep   1:2200:110"
    "gupfork    1:560:20        dirtycow=fix2016 gup_resched=1"
    "execthreads 1:50:2"
    "threadgroup 1:31000:1000"
    "protnone   1:18:1"
    "copyout    1:30:1"
)
EVERY=(2 3 5 7 11 17 31 64 127 257)
RANDOM_MODES=(rand:1:2 rand:2:2 rand:3:10 rand:4:10 rand:5:30 rand:6:30)

# The runs: R_GROUP (an index into TITLES), name, memory, boot arguments,
# and the pass line required when nothing is injected ("" for none).
TITLES=()
R_GROUP=() R_NAME=() R_MEM=() R_ARGS=() R_PASS=() R_CPUS=()
HARTS=1                     # harts for the runs added next

# Start a new group of runs titled $1.
group() {
    TITLES+=("$1")
}

# add_run NAME MEM PASSLINE BOOTARG...: one run in the current group.
add_run() {
    R_GROUP+=($((${#TITLES[@]} - 1))) R_NAME+=("$1") R_MEM+=("$2") R_PASS+=("$3")
    R_CPUS+=("$HARTS")
    shift 3
    R_ARGS+=("$*")
}

have() {        # a program is user/NAME.c or a directory user/NAME/
    [ -f "user/$1.c" ] || [ -d "user/$1" ]
}

# The extra boot arguments SWEEPS lists for program $1.
extra_args() {
    local s
    local -a w
    for s in "${SWEEPS[@]}"; do
        read -r -a w <<< "$s"
        [ "${w[0]}" = "$1" ] && echo "${w[*]:2}"
    done
}

# The line program $1 prints last when it passed.
pass_line() {
    case $1 in
        dirtycow) echo "dirtycow: the file is safe." ;;
        *) echo "$1 pass." ;;
    esac
}

# Every program in SWEEPS that exists.
sweep_progs() {
    local s
    for s in "${SWEEPS[@]}"; do
        have "${s%% *}" && echo "${s%% *}"
    done
}

define_runs() {
    local s p first last step n k seed mode mem
    local -a w progs
    mapfile -t progs < <(sweep_progs)

    group "fork stress, nothing injected"
    for mem in 16M 32M; do
        add_run "forkbomb.mem-$mem" "$mem" "forkbomb pass." prog=forkbomb
    done
    add_run "forkbomb.mem-16M.cow-off" 16M "forkbomb pass." prog=forkbomb cow=off
    for mem in 128M 256M; do      # out of memory, then the process limit
        add_run "forkbomb.mem-$mem" "$mem" "forkbomb pass." prog=forkbomb
    done
    for p in forkcycle forkdeep; do
        add_run "$p" 128M "$p pass." "prog=$p"
        add_run "$p.cow-off" 128M "$p pass." "prog=$p" cow=off
    done

    group "fuzz, 12 runs, nothing injected"
    add_run "fuzz" 128M "fuzz pass." prog=fuzz
    add_run "fuzz.cow-off" 128M "fuzz pass." prog=fuzz cow=off
    for seed in $(seq 1 10); do
        add_run "fuzz.seed-$seed" 128M "fuzz pass." prog=fuzz "fuzzseed=$seed"
    done

    for s in "${SWEEPS[@]}"; do
        read -r -a w <<< "$s"
        p=${w[0]}
        have "$p" || continue
        IFS=: read -r first last step <<< "${w[1]}"
        group "$p failalloc=$first..$last step $step"
        for ((n = first; n <= last; n += step)); do
            add_run "$p.failalloc-$n" 128M "" "prog=$p" "failalloc=$n" "${w[@]:2}"
        done
    done

    # Lazy page-table sharing: every swept program whole, then its sweep
    # at a third of the density (fork allocates far less under cow=pt).
    group "cow=pt, ${#progs[@]} programs, nothing injected"
    for p in "${progs[@]}"; do
        add_run "$p.cow-pt" 128M "$(pass_line "$p")" "prog=$p" cow=pt "$(extra_args "$p")"
    done
    group "cow=pt failalloc=N, a third of the steps"
    for s in "${SWEEPS[@]}"; do
        read -r -a w <<< "$s"
        p=${w[0]}
        have "$p" || continue
        IFS=: read -r first last step <<< "${w[1]}"
        for ((n = first; n <= last; n += 3 * step)); do
            add_run "$p.cow-pt.failalloc-$n" 128M "" "prog=$p" cow=pt "failalloc=$n" "${w[@]:2}"
        done
    done

    group "forkbomb (16M) failalloc=N, every, rand"
    for ((n = 1; n <= 7000; n += 700)); do
        add_run "forkbomb.failalloc-$n" 16M "" prog=forkbomb "failalloc=$n"
    done
    for mode in every:50 every:500 rand:1:1 rand:2:5; do
        add_run "forkbomb.${mode//:/-}" 16M "" prog=forkbomb "failalloc=$mode"
    done

    group "failalloc=every:K, ${#EVERY[@]} values of K"
    for k in "${EVERY[@]}"; do
        for p in "${progs[@]}"; do
            add_run "$p.every-$k" 128M "" "prog=$p" "failalloc=every:$k" "$(extra_args "$p")"
        done
    done

    group "failalloc=rand:SEED:PCT, ${#RANDOM_MODES[@]} seeds"
    for mode in "${RANDOM_MODES[@]}"; do
        for p in "${progs[@]}"; do
            add_run "$p.${mode//:/-}" 128M "" "prog=$p" "failalloc=$mode" "$(extra_args "$p")"
        done
    done
    define_smp_runs
}

# Parallel runs on four harts (more than this machine may have cores).
define_smp_runs() {
    local n seed p
    HARTS=4
    group "4 harts, nothing injected"
    for n in 1 2 3 4; do
        add_run "smpstress.cpus4.$n" 128M "smpstress pass." prog=smpstress
    done
    add_run "smpstress.cpus4.cow-pt" 128M "smpstress pass." prog=smpstress cow=pt
    add_run "smpfork.cpus4" 128M "smpfork pass." prog=smpfork
    for p in forkcycle forkdeep threadgroup execthreads gupfork; do
        add_run "$p.cpus4" 128M "$p pass." "prog=$p"
    done
    # Out of memory at a few hundred children: at the process limit (128M,
    # 4094 children) four harts on this 2-core machine, two runs at a time,
    # take longer than a parked child waits (forkbomb's PARK_MSEC)
    add_run "forkbomb.cpus4.mem-16M" 16M "forkbomb pass." prog=forkbomb
    add_run "forkbomb.cpus4.mem-32M" 32M "forkbomb pass." prog=forkbomb
    for seed in 1 2 3 4; do
        add_run "fuzz.cpus4.seed-$seed" 128M "fuzz pass." prog=fuzz "fuzzseed=$seed"
    done
    for p in fix2016 fix2022; do
        add_run "dirtycow.cpus4.$p" 128M "dirtycow: the file is safe." prog=dirtycow \
            "dirtycow=$p" parallel
    done
    group "4 harts, smpstress and fuzz failalloc=N"
    for ((n = 1; n <= 4200; n += 150)); do
        add_run "smpstress.cpus4.failalloc-$n" 128M "" prog=smpstress "failalloc=$n"
    done
    for ((n = 1; n <= 5500; n += 500)); do
        add_run "fuzz.cpus4.failalloc-$n" 128M "" prog=fuzz "failalloc=$n"
    done
    HARTS=1
}

# ---- running --------------------------------------------------------------

# Boot run $1 under the time limit, then judge its log (run in the
# background). Writes NAME.res when done: see judge.
run_one() {
    local i=$1 name=${R_NAME[$1]} rc pid
    local -a bootargs
    read -r -a bootargs <<< "${R_ARGS[$i]}"
    CPUS=${R_CPUS[$i]} timeout -k 2 "$LIMIT" "$QEMU_SH" -m "${R_MEM[$i]}" -- "${bootargs[@]}" \
        < /dev/null > "$LOGDIR/$name.raw" 2>&1 &
    pid=$!
    trap 'kill -TERM $pid 2>/dev/null; exit 1' TERM     # stress.sh was interrupted
    wait $pid; rc=$?
    sed -e 's/\r//g' -e 's/[[:blank:]]*$//' "$LOGDIR/$name.raw" > "$LOGDIR/$name.log"
    rm -f "$LOGDIR/$name.raw"
    judge "$i" "$rc" > "$LOGDIR/$name.res.tmp"
    mv "$LOGDIR/$name.res.tmp" "$LOGDIR/$name.res"
}

# Judge run $1, whose QEMU exited with status $2. Prints one line
# "ok|FAIL INJECTED CALLS PANICS LEAKS PAGES" (faults injected, system
# calls fuzzed, kernel panics, 1 if memory leaked and how many pages),
# then one line per problem.
judge() {
    local i=$1 rc=$2 log=$LOGDIR/${R_NAME[$1]}.log line want a b
    local injected calls panics=0 leaks=0 pages=0
    local -a why=()
    injected=$(sed -n 's/^failalloc: \([0-9]*\) allocations failed on purpose$/\1/p' "$log")
    calls=$(sed -n 's/^fuzz: \([0-9]*\) calls, .*/\1/p' "$log")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        why+=("hung: QEMU still running after ${LIMIT}s")
    elif [ "$rc" != 0 ]; then
        why+=("QEMU exited with status $rc")
    fi
    if line=$(grep -a -m1 'kernel panic' "$log"); then
        panics=1
        why+=("$line" "$(grep -a -m1 -A1 'kernel panic' "$log" | tail -n1)")
    fi
    if line=$(grep -a -m1 'init check memory failed' "$log"); then
        leaks=1
        if [[ $line =~ free\ pages\ ([0-9]+)\ -\>\ ([0-9]+) ]]; then
            a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
            pages=$((a - b))
        fi
    fi
    for want in "all user-mode processes have quit." "cow audit pass." \
                "init check memory pass." ${R_PASS[$i]:+"${R_PASS[$i]}"}; do
        grep -qaxF -e "$want" "$log" || why+=("missing: $want")
    done
    if line=$(grep -a -m1 'CORRUPTED' "$log"); then
        why+=("$line")
    fi
    echo "$([ ${#why[@]} -eq 0 ] && echo ok || echo FAIL) ${injected:-0} ${calls:-0}" \
         "$panics $leaks $pages"
    [ ${#why[@]} -eq 0 ] || printf '%s\n' "${why[@]}"
}

# ---- reporting ------------------------------------------------------------

PASSED=0 FAILED=0 REPORTED_GROUPS=0
T_INJECTED=0 T_CALLS=0 T_PANICS=0 T_LEAKED=0 T_LEAKS=0

# Print group $1's summary line and its failing runs, and count them.
report_group() {
    local g=$1 i runs=0 injected=0 calls=0 panics=0 leaks=0 failed=0
    local verdict inj cl pn lk pg r details=''
    local -a reasons
    for i in "${!R_NAME[@]}"; do
        [ "${R_GROUP[$i]}" = "$g" ] || continue
        runs=$((runs + 1))
        { read -r verdict inj cl pn lk pg; mapfile -t reasons; } < "$LOGDIR/${R_NAME[$i]}.res"
        injected=$((injected + inj)) calls=$((calls + cl)) panics=$((panics + pn))
        leaks=$((leaks + lk)) T_LEAKED=$((T_LEAKED + pg))
        if [ "$verdict" = ok ]; then
            PASSED=$((PASSED + 1))
        else
            failed=$((failed + 1)) FAILED=$((FAILED + 1))
            details+="    FAIL ${R_NAME[$i]}: boot args \"${R_ARGS[$i]}\", -m ${R_MEM[$i]}"$'\n'
            for r in "${reasons[@]}"; do
                details+="        $r"$'\n'
            done
            details+="        log: $LOGDIR/${R_NAME[$i]}.log"$'\n'
        fi
    done
    T_INJECTED=$((T_INJECTED + injected)) T_CALLS=$((T_CALLS + calls))
    T_PANICS=$((T_PANICS + panics)) T_LEAKS=$((T_LEAKS + leaks))
    printf '%-44s %3d runs, %4d faults injected, %d panics, %d leaks, %d failed%s\n' \
        "${TITLES[$g]}:" "$runs" "$injected" "$panics" "$leaks" "$failed" \
        "$([ "$calls" -eq 0 ] || echo ", $calls calls fuzzed")"
    printf '%s' "$details"
}

# Report, in order, every group whose runs have all finished.
report_ready() {
    local i
    while [ "$REPORTED_GROUPS" -lt ${#TITLES[@]} ]; do
        for i in "${!R_NAME[@]}"; do
            if [ "${R_GROUP[$i]}" = "$REPORTED_GROUPS" ] && [ ! -e "$LOGDIR/${R_NAME[$i]}.res" ]; then
                return
            fi
        done
        report_group "$REPORTED_GROUPS"
        REPORTED_GROUPS=$((REPORTED_GROUPS + 1))
    done
}

# Stop every running QEMU (on Ctrl-C or TERM) and say so on the last line.
stop_runs() {
    local -a pids
    mapfile -t pids < <(jobs -p)
    [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null
    wait
    echo "stress.sh: interrupted"
    echo "$PASSED passed, $((${#R_NAME[@]} - PASSED)) failed"
    exit 1
}

run_all() {
    local i running=0
    rm -rf "$LOGDIR"
    mkdir -p "$LOGDIR"
    trap stop_runs INT TERM
    for i in "${!R_NAME[@]}"; do
        if [ "$running" -ge "$JOBS" ]; then
            wait -n; running=$((running - 1)); report_ready
        fi
        run_one "$i" &
        running=$((running + 1))
    done
    while [ "$running" -gt 0 ]; do
        wait -n; running=$((running - 1)); report_ready
    done
    trap - INT TERM
    report_ready
}

if [ ! -f bin/kernel ] && [ "$QEMU_SH" = tools/qemu.sh ]; then
    echo "stress.sh: no bin/kernel (run make first)"
    echo "0 passed, 1 failed"
    exit 1
fi
# Count the units of a command's output $2 (its last line "N passed, M
# failed") and print one line for it, titled $1, with its failures.
count_units() {
    local passed failed
    if [[ $(tail -n1 <<< "$2") =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
    else
        passed=0 failed=1
    fi
    PASSED=$((PASSED + passed)) FAILED=$((FAILED + failed))
    printf '%-44s %3d units, %d failed\n' "$1:" $((passed + failed)) "$failed"
    [ "$failed" -eq 0 ] || grep -A4 -E 'FAIL|grade.sh:' <<< "$2" | sed 's/^/    /'
}

# make grade's suite with every boot on $1 harts (tests that name their
# hart count keep it), at most $2 tests to a boot; each test is one unit.
run_suite() {
    count_units "graded suite, CPUS=$1, GRADE_SHARE=$2" \
        "$(CPUS=$1 GRADE_SHARE=$2 GRADE_NOBUILD=1 GRADE_LOGDIR="$LOGDIR/grade-cpus$1" \
           ./grade.sh 2>&1)"
}

define_runs
start=$SECONDS
echo "stress: ${#R_NAME[@]} runs in ${#TITLES[@]} groups, $JOBS at a time (logs in $LOGDIR/)"
run_all
echo "stress: ${#R_NAME[@]} runs in $((SECONDS - start))s: $T_INJECTED faults injected," \
     "$T_CALLS system calls fuzzed, $T_PANICS kernel panics, $T_LEAKS leaks ($T_LEAKED pages)"
start=$SECONDS
run_suite 1 1
run_suite 4 8
count_units "grader self-check (tools/grade_selftest.sh)" "$(tools/grade_selftest.sh 2>&1)"
echo "stress: the graded suite twice and the grader's self-check in $((SECONDS - start))s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
