#!/bin/bash
# Build the kernel once, then boot it for the tests listed in
# tools/grade.tests and check what each test's program printed.
#
#   ./grade.sh                  run every test
#   ./grade.sh WORD...          run the tests whose name contains one of the
#                               WORDs                 (make grade T="cow dirty")
#   GRADE_LAB=NAME ./grade.sh   run only lab NAME's tests   (make grade LAB=cow)
#
# Tests with the same boot arguments, memory, harts and timeout share a
# boot, up to GRADE_SHARE of them: "prog=P1,P2,... ARGS...", where the
# kernel runs each program as if it had just booted (pid 2, memory
# checked after it; kern/process/initproc.c), and the timeout is the
# whole boot's. Script tests and tests marked `alone` boot by themselves.
# Boots run up to nproc + 1 at a time, slowest first, with stdin from
# /dev/null. A test booted alone has its console in obj/grade/NAME.log;
# a shared boot's is in obj/grade/shared/FIRST.log, cut into one
# obj/grade/NAME.log per test: the lines before the first program, then
# that test's part, whose time is the kernel's "init: NAME took T ms".
#
# A test is judged on its own part. The first program of a shared boot
# ran exactly as it would alone, so its result stands; a later one that
# fails is booted again alone: if it passes there, it still fails, as
# "passed alone, failed after the programs before it" (the kernel let
# one program's run harm the next), with both logs. A program that did
# not start or finish because the boot ended (an earlier program's panic,
# the boot's deadline) is booted again alone and judged on that run.
#
# Alongside runs one quick boot of hello (obj/grade/boot/hello.log): if
# it never reaches the first user process, that is said once at the top
# instead of under every test.
#
# Results come per lab, in the list's order: "== Lab NAME: TITLE", one
# line per test, "Lab NAME: X/Y" (points). Under a failed test: the console
# lines that name the cause, the first failed checks and the log's path.
# Then "Total Score: X/Y"; the very last line is always "N passed, M failed"
# (CI reads it) and the exit status is 0 only if every test passed.
#
# Environment hooks, mainly for testing this script without a kernel:
#   CPUS=N            harts each boot gets (default 2) unless its test says
#   QEMU_SH=PATH      runner, called as: CPUS=N PATH -m MEM -- bootarg...
#                     (default tools/qemu.sh; a fake can just print lines;
#                     it also runs the boot self-check, prog=hello)
#   GRADE_TESTS=PATH  the test list (default tools/grade.tests)
#   GRADE_NOBUILD=1   skip the build step
#   GRADE_JOBS=N      how many tests run at once (default: nproc + 1: some
#                     tests sleep most of their time, leaving a core idle)
#   GRADE_LOGDIR=DIR  where the logs go (default obj/grade), so that two
#                     grade runs in one tree do not overwrite each other
#   GRADE_SHARE=N     at most N tests share one boot (default 8; 1: every
#                     test boots alone, as before)
#   GRADE_LAB=NAME    run only the tests of lab NAME

set -u
cd "$(dirname "$0")" || exit 1

QEMU_SH=${QEMU_SH:-tools/qemu.sh}
CPUS=${CPUS:-2}             # harts per boot, unless a test says (cpus N)
TESTS_FILE=${GRADE_TESTS:-tools/grade.tests}
JOBS=${GRADE_JOBS:-$(( $(nproc) + 1 ))}
LOGDIR=${GRADE_LOGDIR:-obj/grade}
ONLY_LAB=${GRADE_LAB:-}
SHARE=${GRADE_SHARE:-8}

# The parsed test list. NAMES keeps the file's order, LABS the order in
# which labs first appear; the associative arrays hold each test's
# settings (LAB: its lab) and each lab's TITLE. A check is one line
# "KIND<tab>TEXT".
NAMES=() LABS=()
declare -A PROG ARGS MEM HARTS TIMEOUT POINTS NODEFAULT CHECKS SCRIPT ALONE LAB EXERCISE TITLE
DEFAULT_CHECKS=
SELECTED=()                 # the tests to run, grouped by lab, list order

# The boot self-check runs like a test under this name, which has a slash
# so no test can have it; BOOT_STATE is pending until its result is in.
BOOT=boot/hello
BOOT_STATE=pending

# Running boots (PIDS: job pid -> its tests, blank-separated) and
# finished tests (DONE).
declare -A PIDS DONE
RUNNING=0

# Results, filled in as tests are reported.
REPORTED=0 PASSED=0 FAILED=0 SCORE=0 MAXSCORE=0 WIDTH=12
declare -A LAB_SCORE LAB_MAX

# Print an error and the result line CI looks for, then stop.
die() {
    echo "grade.sh: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

# Strip leading and trailing blanks from $1 into TRIMMED (no subshell:
# forks cost milliseconds each on small CI machines).
trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    TRIMMED=${s%"${s##*[![:space:]]}"}
}

# Reading the test list, and judging a log: in files of their own.
source tools/grade_list.sh
source tools/grade_judge.sh

# Build bin/kernel with every user program embedded.
build() {
    [ "${GRADE_NOBUILD:-0}" = 1 ] && return
    make -s -j"$(nproc)" all || die "build failed (errors above); no test was run"
}

# ---- running the boots (each in a background job) -----------------------

# Wait for the boot job $1, killing it if grade.sh is interrupted; RC
# gets its exit status and MS how long since START (microseconds) in ms.
wait_boot() {
    trap "kill -TERM $1 2>/dev/null; exit 1" TERM
    wait "$1"; RC=$?
    trap - TERM
    MS=$(( (${EPOCHREALTIME//[!0-9]/} - START) / 1000 ))
}

# Is exit status $1 that of a boot killed at its deadline (by timeout)?
timed_out() {
    [ "$1" = 124 ] || [ "$1" = 137 ]
}

# Boot "prog=$2" with test $1's boot arguments, memory, harts and
# timeout, its console into file $3; RC and MS as wait_boot sets them.
boot_qemu() {
    local -a bootargs
    read -ra bootargs <<< "${ARGS[$1]}"
    START=${EPOCHREALTIME//[!0-9]/}
    CPUS=${HARTS[$1]} timeout -k 2 "${TIMEOUT[$1]}" "$QEMU_SH" -m "${MEM[$1]}" -- \
        "prog=$2" "${bootargs[@]}" < /dev/null > "$3" 2>&1 &
    wait_boot $!
}

# Run test $1 by itself (its script, or a boot of its program) under its
# deadline, then judge its log into NAME.status (see judge_test).
# Status 1 if it failed.
run_alone() {
    local t=$1 log=$LOGDIR/$1.log
    if [ -n "${SCRIPT[$t]}" ]; then
        START=${EPOCHREALTIME//[!0-9]/}
        CPUS=${HARTS[$t]} timeout -k 2 "${TIMEOUT[$t]}" bash -c "${SCRIPT[$t]}" \
            < /dev/null > "$log" 2>&1 &
        wait_boot $!
    else
        boot_qemu "$t" "${PROG[$t]}" "$log"
    fi
    judge_test "$t" "$RC" "$MS 1" "$log" > "$LOGDIR/$t.status"
}

# Cut shared boot log $1 into one log per test "${@:2}" (in prog= order):
# the lines before the first "init: program 1 of N: ..." and then the
# test's own part, up to the next such line. PARTS gets how many parts
# there are (programs that started), PART_MS[i] how long the i-th
# program took by its "init: NAME took T ms" line (empty if none).
split_log() {
    { read -r PARTS; mapfile -t PART_MS; } < <(awk -v dir="$LOGDIR" -v names="${*:2}" '
        BEGIN { n = split(names, test, " ") }
        { line = $0; sub(/\r$/, "", line) }
        k < n && line ~ "^init: program " k + 1 " of " n ": [^ ]+$" {
            if (k > 0) close(out)
            out = dir "/" test[++k] ".log"
            printf "%s", head > out
        }
        k == 0 { head = head $0 "\n"; next }
        line ~ "^init: [^ ]+ took [0-9]+ ms$" { ms[k] = $4 }
        { print > out }
        END { print k + 0; for (i = 1; i <= k; i++) print ms[i] }' "$1")
}

# Boot tests "$@" (same boot arguments, memory, harts and timeout) together,
# judge each on its part of the console, and boot alone again those
# whose part does not stand for them (see the top of this file).
run_shared() {
    local -a tests=("$@")
    local t progs='' i rc boot_rc boot_ms time shared=$LOGDIR/shared/$1.log
    for t in "${tests[@]}"; do progs+=${progs:+,}${PROG[$t]}; done
    boot_qemu "$1" "$progs" "$shared"
    boot_rc=$RC boot_ms=$MS
    split_log "$shared" "${tests[@]}"
    for i in "${!tests[@]}"; do
        t=${tests[i]} rc=0
        if [ "$i" -ge "$PARTS" ] || { [ "$i" = $((PARTS - 1)) ] && timed_out "$boot_rc"; }; then
            run_alone "$t"              # never started, or the boot's deadline cut it off
            continue
        fi
        [ "$i" != $((PARTS - 1)) ] || rc=$boot_rc
        time="${PART_MS[i]:-$boot_ms} $#"     # the program's own time, if it printed it
        judge_test "$t" "$rc" "$time" "$LOGDIR/$t.log" > "$LOGDIR/$t.status" && continue
        [ "$i" -gt 0 ] || continue     # the first program ran as it would alone
        mv "$LOGDIR/$t.log" "$LOGDIR/$t.shared.log"
        if run_alone "$t"; then
            judge_test "$t" "$rc" "$time" "$LOGDIR/$t.shared.log" \
                "passed alone ($LOGDIR/$t.log), failed after ${tests[*]:0:i} in one boot" \
                > "$LOGDIR/$t.status"
        fi
    done
}

# Run the tests "$@" (one boot's worth, see plan_boots), dropping the
# shared-boot logs an earlier run left for them. Runs as a background job.
run_boot() {
    local t
    for t; do [ ! -e "$LOGDIR/$t.shared.log" ] || rm -f "$LOGDIR/$t.shared.log"; done
    if [ $# = 1 ]; then
        run_alone "$1"
    else
        run_shared "$@"
    fi
}

# ---- reporting (in grade.sh itself) ---------------------------------------

# Read test $1's NAME.status into RC, MS, SHARERS (tests in its boot),
# LOGFILE, VERDICT, CAUSES and FAILED_CHECKS.
read_status() {
    local -a rest
    local l
    [ -r "$LOGDIR/$1.status" ] || die "test $1 left no result"
    { read -r RC MS SHARERS; read -r LOGFILE; read -r VERDICT; mapfile -t rest; } \
        < "$LOGDIR/$1.status"
    CAUSES=() FAILED_CHECKS=()
    for l in "${rest[@]}"; do
        case $l in
        cause$'\t'*) CAUSES+=("${l#*$'\t'}") ;;
        check$'\t'*) FAILED_CHECKS+=("${l#*$'\t'}") ;;
        esac
    done
}

# Print the boot self-check's failure, if it failed, and set BOOT_STATE.
report_boot() {
    local why='' l
    read_status "$BOOT"
    if [ ${#FAILED_CHECKS[@]} -eq 0 ]; then   # it reached pid 2: enough
        BOOT_STATE=ok
        return
    fi
    BOOT_STATE=failed
    for l in "${CAUSES[@]}"; do
        trim "$l"
        why+="${why:+ | }$TRIMMED"
    done
    echo "the kernel's boot self-check failed: ${why:-it never reached 'kernel_execve: pid = 2'}" \
         "-- every test below fails because of it"
    echo "    log: $LOGDIR/$BOOT.log"
}

# Print why test $1 failed: its cause lines and at most 3 failed checks,
# or only a pointer to the boot self-check if that failed; then its log.
report_failure() {
    local t=$1 i
    if [ "$BOOT_STATE" = failed ]; then
        echo "    (boot self-check failed, see above)"
    else
        for i in "${CAUSES[@]}"; do echo "    $i"; done
        for i in "${FAILED_CHECKS[@]:0:3}"; do echo "    $i"; done
        [ ${#FAILED_CHECKS[@]} -le 3 ] || echo "    (+$(( ${#FAILED_CHECKS[@]} - 3 )) more)"
    fi
    echo "    log: $LOGFILE"
}

# Print test $1's result line (and why, if it failed) and count it.
report_test() {
    local t=$1 lab=${LAB[$1]} tenths tag='' shared='' verdict=FAIL
    read_status "$t"
    tenths=$(( (MS + 50) / 100 ))
    [ "$SHARERS" = 1 ] || shared=" in a boot of $SHARERS"
    [ -z "${EXERCISE[$t]}" ] || tag="  [$lab ${EXERCISE[$t]}]"
    MAXSCORE=$((MAXSCORE + POINTS[$t]))
    LAB_MAX[$lab]=$(( ${LAB_MAX[$lab]:-0} + POINTS[$t] ))
    [ "$VERDICT" != OK ] || verdict=OK
    printf '%-*s %-4s (%d.%ds%s)%s\n' "$WIDTH" "$t:" "$verdict" $((tenths / 10)) \
        $((tenths % 10)) "$shared" "$tag"
    if [ "$VERDICT" = OK ]; then
        PASSED=$((PASSED + 1)) SCORE=$((SCORE + POINTS[$t]))
        LAB_SCORE[$lab]=$(( ${LAB_SCORE[$lab]:-0} + POINTS[$t] ))
    else
        FAILED=$((FAILED + 1))
        report_failure "$t"
    fi
}

# Print, in SELECTED's order, every finished test whose predecessors are
# printed: a lab's header before its first test, its score after its last.
# Nothing is printed before the boot self-check's result is in.
report_ready() {
    local t lab
    if [ "$BOOT_STATE" = pending ]; then
        [ -n "${DONE[$BOOT]-}" ] || return 0
        report_boot
    fi
    while [ "$REPORTED" -lt ${#SELECTED[@]} ]; do
        t=${SELECTED[REPORTED]} lab=${LAB[${SELECTED[REPORTED]}]}
        [ -n "${DONE[$t]-}" ] || return 0
        if [ "$REPORTED" = 0 ] || [ "${LAB[${SELECTED[REPORTED - 1]}]}" != "$lab" ]; then
            echo "== Lab $lab: ${TITLE[$lab]}"
        fi
        report_test "$t"
        REPORTED=$((REPORTED + 1))
        if [ "$REPORTED" = ${#SELECTED[@]} ] || [ "${LAB[${SELECTED[REPORTED]}]}" != "$lab" ]; then
            echo "Lab $lab: ${LAB_SCORE[$lab]:-0}/${LAB_MAX[$lab]}"
            echo
        fi
    done
}

# Stop every running test (on Ctrl-C or TERM).
stop_tests() {
    local -a pids
    mapfile -t pids < <(jobs -p)
    [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null
    wait
    die "interrupted"
}

# Set BOOTS to the boots that run the selected tests, each its tests
# blank-separated, slowest first so that no long boot starts last and
# holds up the end: by how long each test took last time (in a shared
# boot, its own program), or (with no earlier run, as in CI) by its
# timeout; a shared boot by the sum of its tests. Tests with the same
# boot arguments, memory, harts and timeout share boots, at most SHARE to
# one, dealt out in turn (slowest first) so that the boots take about as
# long; the timeout is then the whole boot's.
plan_boots() {
    local t key i j k n rc ms boot total
    local -a lines=() keys=() group
    local -A est=() members=()
    for t in "${SELECTED[@]}"; do
        ms=$(( TIMEOUT[$t] * 100 ))
        [ -r "$LOGDIR/$t.status" ] && read -r rc ms _ < "$LOGDIR/$t.status"
        est[$t]=$ms
        lines+=("$ms $t")
    done
    for t in $(printf '%s\n' "${lines[@]}" | sort -s -k1,1nr | cut -d' ' -f2); do
        key="${ARGS[$t]}|${MEM[$t]}|${HARTS[$t]}|${TIMEOUT[$t]}"
        [ "${ALONE[$t]}" = 0 ] && [ "$SHARE" -gt 1 ] || key="alone $t"
        [ -n "${members[$key]+set}" ] || keys+=("$key")
        members[$key]+="$t "
    done
    lines=()
    for key in "${keys[@]}"; do
        read -ra group <<< "${members[$key]}"
        n=${#group[@]} k=$(( (n + SHARE - 1) / SHARE ))
        for (( i = 0; i < k; i++ )); do
            boot='' total=0
            for (( j = i; j < n; j += k )); do
                boot+="${group[j]} " total=$(( total + est[${group[j]}] ))
            done
            lines+=("$total $boot")
        done
    done
    mapfile -t BOOTS < <(printf '%s\n' "${lines[@]}" | sort -s -k1,1nr)
    BOOTS=("${BOOTS[@]#* }")
}

# Wait for one boot to end, mark its tests done and print what is ready.
wait_one() {
    local pid='' t
    wait -n -p pid
    [ $? -ne 127 ] || die "lost track of $RUNNING running boots"
    [ -n "$pid" ] && [ -n "${PIDS[$pid]-}" ] || return 0   # not a boot's job
    for t in ${PIDS[$pid]}; do DONE[$t]=1; done
    unset "PIDS[$pid]"
    RUNNING=$((RUNNING - 1))
    report_ready
}

# Run the boot self-check and the boots of the selected tests, JOBS at a
# time, printing results as they come in.
run_tests() {
    local boot
    mkdir -p "$LOGDIR/${BOOT%/*}" "$LOGDIR/shared"
    plan_boots
    trap stop_tests INT TERM
    for boot in "$BOOT" "${BOOTS[@]}"; do
        while [ "$RUNNING" -ge "$JOBS" ]; do wait_one; done
        # shellcheck disable=SC2086   # the boot's tests, one word each
        run_boot $boot &
        PIDS[$!]=$boot
        RUNNING=$((RUNNING + 1))
    done
    while [ "$RUNNING" -gt 0 ]; do wait_one; done
    trap - INT TERM
}

[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "bad GRADE_JOBS '$JOBS'"
[[ $SHARE =~ ^([1-9]|1[0-6])$ ]] || die "bad GRADE_SHARE '$SHARE' (1 to 16: the kernel runs 16 programs a boot)"
parse_tests
select_tests "$@"
add_boot_check
build
run_tests
echo "Total Score: $SCORE/$MAXSCORE"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
