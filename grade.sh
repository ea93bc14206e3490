#!/bin/bash
# Build the kernel once, then boot it once per test listed in
# tools/grade.tests and check what each run printed on the console.
#
#   ./grade.sh             run every test
#   ./grade.sh NAME...     run only these tests      (make grade T="NAME...")
#
# Each test boots in its own QEMU, up to nproc at a time, with the boot
# arguments "prog=PROGRAM ARGS...", stdin from /dev/null and its console
# saved in obj/grade/NAME.log. Results are printed in the list's order;
# the very last line is always "N passed, M failed" (CI reads it) and the
# exit status is 0 only if every test passed.
#
# Environment hooks, mainly for testing this script without a kernel:
#   QEMU_SH=PATH      runner, called as: PATH -m MEM -- bootarg...
#                     (default tools/qemu.sh; a fake can just print lines)
#   GRADE_TESTS=PATH  the test list (default tools/grade.tests)
#   GRADE_NOBUILD=1   skip the build step
#   GRADE_JOBS=N      how many tests run at once (default: nproc)
#   GRADE_LOGDIR=DIR  where the logs go (default obj/grade), so that two
#                     grade runs in one tree do not overwrite each other

set -u
cd "$(dirname "$0")" || exit 1

QEMU_SH=${QEMU_SH:-tools/qemu.sh}
TESTS_FILE=${GRADE_TESTS:-tools/grade.tests}
JOBS=${GRADE_JOBS:-$(nproc)}
LOGDIR=${GRADE_LOGDIR:-obj/grade}

# The parsed test list. NAMES keeps the file's order; the associative
# arrays hold each test's settings. A check is one line "KIND<tab>TEXT".
NAMES=()
declare -A PROG ARGS MEM TIMEOUT POINTS NODEFAULT CHECKS SCRIPT
DEFAULT_CHECKS=
SELECTED=()

# Results, filled in as tests are reported.
REPORTED=0 PASSED=0 FAILED=0 SCORE=0 MAXSCORE=0 WIDTH=12

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

# Append check KIND TEXT to the default block or to test SECTION.
add_check() {
    local section=$1 kind=$2 text=$3 where=$4
    [ -n "$text" ] || die "$where: '$kind' needs a line to match"
    if [ "$kind" != expect ]; then
        [[ '' =~ $text ]]       # bash's own ERE compiler: status 2 if invalid
        [ $? -eq 2 ] && die "$where: bad regular expression: $text"
    fi
    if [ "$section" = default ]; then
        DEFAULT_CHECKS+="$kind"$'\t'"$text"$'\n'
    else
        CHECKS[$section]+="$kind"$'\t'"$text"$'\n'
    fi
}

# Read TESTS_FILE into NAMES and the per-test arrays (format: see its top).
parse_tests() {
    local line word rest n=0 section='' where
    [ -r "$TESTS_FILE" ] || die "cannot read $TESTS_FILE"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1)); where="$TESTS_FILE:$n"
        trim "${line%$'\r'}"; line=$TRIMMED
        [[ -z $line || $line == '#'* ]] && continue
        word=${line%%[[:space:]]*}
        trim "${line#"$word"}"; rest=$TRIMMED
        case $word in
        default) section=default ;;
        test)
            [[ $rest =~ ^[A-Za-z0-9_.-]+$ ]] || die "$where: bad test name '$rest'"
            [ -z "${PROG[$rest]+set}" ] || die "$where: test '$rest' listed twice"
            section=$rest; NAMES+=("$rest")
            PROG[$rest]=$rest ARGS[$rest]='' MEM[$rest]=128M TIMEOUT[$rest]=10
            POINTS[$rest]=5 NODEFAULT[$rest]=0 CHECKS[$rest]= SCRIPT[$rest]= ;;
        expect|expect-re|reject-re)
            [ -n "$section" ] || die "$where: '$word' outside a block"
            add_check "$section" "$word" "$rest" "$where" ;;
        prog|args|mem|timeout|points|nodefault|script)
            [[ -n $section && $section != default ]] || die "$where: '$word' outside a test"
            case $word in
            prog)      [ -n "$rest" ] || die "$where: prog needs a name"
                       PROG[$section]=$rest ;;
            args)      ARGS[$section]=$rest ;;
            mem)       [[ $rest =~ ^[0-9]+[KMG]?$ ]] || die "$where: bad size '$rest'"
                       MEM[$section]=$rest ;;
            timeout)   [[ $rest =~ ^[1-9][0-9]*$ ]] || die "$where: bad timeout '$rest'"
                       TIMEOUT[$section]=$rest ;;
            points)    [[ $rest =~ ^[0-9]+$ ]] || die "$where: bad points '$rest'"
                       POINTS[$section]=$rest ;;
            nodefault) NODEFAULT[$section]=1 ;;
            script)    [ -n "$rest" ] || die "$where: script needs a command"
                       SCRIPT[$section]=$rest NODEFAULT[$section]=1 ;;
            esac ;;
        *) die "$where: unknown directive '$word'" ;;
        esac
    done < "$TESTS_FILE"
    [ ${#NAMES[@]} -gt 0 ] || die "no tests in $TESTS_FILE"
}

# Fill SELECTED with the tests named in "$@" (all if none), in list order.
select_tests() {
    local t
    for t in "$@"; do
        [ -n "${PROG[$t]+set}" ] || die "no test named '$t'; the tests are: ${NAMES[*]}"
    done
    for t in "${NAMES[@]}"; do
        if [ $# -eq 0 ] || [[ " $* " == *" $t "* ]]; then
            SELECTED+=("$t")
            [ $(( ${#t} + 2 )) -le "$WIDTH" ] || WIDTH=$(( ${#t} + 2 ))
        fi
    done
}

# Build bin/kernel with every user program embedded.
build() {
    [ "${GRADE_NOBUILD:-0}" = 1 ] && return
    make -s -j"$(nproc)" all || die "build failed (errors above); no test was run"
}

# Boot test $1 under its deadline (run in the background). Writes
# NAME.status = "EXIT-STATUS MILLISECONDS" when QEMU is gone.
run_test() {
    local t=$1 rc start pid
    local -a bootargs
    read -ra bootargs <<< "${ARGS[$t]}"
    start=${EPOCHREALTIME//[!0-9]/}
    if [ -n "${SCRIPT[$t]}" ]; then
        timeout -k 2 "${TIMEOUT[$t]}" bash -c "${SCRIPT[$t]}" < /dev/null > "$LOGDIR/$t.log" 2>&1 &
    else
        timeout -k 2 "${TIMEOUT[$t]}" "$QEMU_SH" -m "${MEM[$t]}" -- \
            "prog=${PROG[$t]}" "${bootargs[@]}" < /dev/null > "$LOGDIR/$t.log" 2>&1 &
    fi
    pid=$!
    trap 'kill -TERM $pid 2>/dev/null; exit 1' TERM   # grade.sh was interrupted
    wait $pid; rc=$?
    echo "$rc $(( (${EPOCHREALTIME//[!0-9]/} - start) / 1000 ))" > "$LOGDIR/$t.status.tmp"
    mv "$LOGDIR/$t.status.tmp" "$LOGDIR/$t.status"
}

# Check test $1's log against its checks (and the defaults unless
# nodefault). Prints one line per problem; returns 1 if there was any.
check_log() {
    local t=$1 text=$LOGDIR/$1.txt checks kind pat line bad=0
    sed -e 's/\r//g' -e 's/[[:blank:]]*$//' "$LOGDIR/$t.log" > "$text"
    checks=${CHECKS[$t]}
    [ "${NODEFAULT[$t]}" = 1 ] || checks=$DEFAULT_CHECKS$checks
    while IFS=$'\t' read -r kind pat; do
        case $kind in
        expect)    grep -qaxF -e "$pat" "$text" || { echo "missing: $pat"; bad=1; } ;;
        expect-re) grep -qaxE -e "$pat" "$text" || { echo "missing (regex): $pat"; bad=1; } ;;
        reject-re) if line=$(grep -axE -m1 -e "$pat" "$text"); then
                       echo "rejected: $line   (matches $pat)"; bad=1
                   fi ;;
        esac
    done <<< "$checks"
    return $bad
}

# Print the result of test $1 and count it.
report_test() {
    local t=$1 rc ms tenths problems ok=1 p
    read -r rc ms < "$LOGDIR/$t.status"
    tenths=$(( (ms + 50) / 100 ))
    problems=$(check_log "$t") || ok=0
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        ok=0; problems="timed out after ${TIMEOUT[$t]}s"$'\n'$problems
    elif [ -n "${SCRIPT[$t]}" ] && [ "$rc" != 0 ]; then
        ok=0; problems+=$'\n'"script exited with status $rc"
    elif [ "$ok" = 0 ] && [ "$rc" != 0 ]; then
        problems+=$'\n'"QEMU exited with status $rc"
    fi
    MAXSCORE=$((MAXSCORE + POINTS[$t]))
    if [ "$ok" = 1 ]; then
        PASSED=$((PASSED + 1)); SCORE=$((SCORE + POINTS[$t]))
        printf '%-*s OK   (%d.%ds)\n' "$WIDTH" "$t:" $((tenths / 10)) $((tenths % 10))
    else
        FAILED=$((FAILED + 1))
        printf '%-*s FAIL (%d.%ds)\n' "$WIDTH" "$t:" $((tenths / 10)) $((tenths % 10))
        while IFS= read -r p; do
            [ -z "$p" ] || echo "    $p"
        done <<< "$problems"
        echo "    log: $LOGDIR/$t.log"
    fi
}

# Report, in list order, every test that has finished and whose
# predecessors have all been reported.
report_ready() {
    while [ "$REPORTED" -lt ${#SELECTED[@]} ] &&
          [ -e "$LOGDIR/${SELECTED[$REPORTED]}.status" ]; do
        report_test "${SELECTED[$REPORTED]}"
        REPORTED=$((REPORTED + 1))
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

# Print the selected tests slowest first, so that no long test starts
# last and holds up the end: by how long each took last time, or (with
# no earlier run, as in CI) by its timeout.
launch_order() {
    local t rc ms
    for t in "${SELECTED[@]}"; do
        ms=$(( TIMEOUT[$t] * 100 ))
        [ -r "$LOGDIR/$t.status" ] && read -r rc ms < "$LOGDIR/$t.status"
        echo "$ms $t"
    done | sort -s -k1,1nr | cut -d' ' -f2
}

# Run the selected tests, JOBS at a time, reporting as they finish.
run_tests() {
    local t running=0
    local -a order
    mkdir -p "$LOGDIR"
    mapfile -t order < <(launch_order)
    for t in "${SELECTED[@]}"; do
        rm -f "$LOGDIR/$t".{log,txt,status,status.tmp}
    done
    trap stop_tests INT TERM
    for t in "${order[@]}"; do
        if [ "$running" -ge "$JOBS" ]; then
            wait -n; running=$((running - 1)); report_ready
        fi
        run_test "$t" &
        running=$((running + 1))
    done
    while [ "$running" -gt 0 ]; do
        wait -n; running=$((running - 1)); report_ready
    done
    trap - INT TERM
    [ "$REPORTED" -eq ${#SELECTED[@]} ] || die "test ${SELECTED[$REPORTED]} left no result"
}

parse_tests
select_tests "$@"
build
run_tests
echo "Total Score: $SCORE/$MAXSCORE"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
