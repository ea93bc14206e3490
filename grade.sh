#!/bin/bash
# Build the kernel once, then boot it once per test listed in
# tools/grade.tests and check what each run printed on the console.
#
#   ./grade.sh                  run every test
#   ./grade.sh WORD...          run the tests whose name contains one of the
#                               WORDs                 (make grade T="cow dirty")
#   GRADE_LAB=NAME ./grade.sh   run only lab NAME's tests   (make grade LAB=cow)
#
# Each test boots in its own QEMU, up to nproc + 1 at a time (slowest first),
# with the boot arguments "prog=PROGRAM ARGS...", stdin from /dev/null and
# its console saved in obj/grade/NAME.log. Alongside runs one quick boot of
# hello (obj/grade/boot/hello.log): if it never reaches the first user
# process, that is said once at the top instead of under every test.
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
#   GRADE_LAB=NAME    run only the tests of lab NAME

set -u
cd "$(dirname "$0")" || exit 1

QEMU_SH=${QEMU_SH:-tools/qemu.sh}
CPUS=${CPUS:-2}             # harts per boot, unless a test says (cpus N)
TESTS_FILE=${GRADE_TESTS:-tools/grade.tests}
JOBS=${GRADE_JOBS:-$(( $(nproc) + 1 ))}
LOGDIR=${GRADE_LOGDIR:-obj/grade}
ONLY_LAB=${GRADE_LAB:-}

# The parsed test list. NAMES keeps the file's order, LABS the order in
# which labs first appear; the associative arrays hold each test's
# settings (LAB: its lab) and each lab's TITLE. A check is one line
# "KIND<tab>TEXT".
NAMES=() LABS=()
declare -A PROG ARGS MEM HARTS TIMEOUT POINTS NODEFAULT CHECKS SCRIPT LAB EXERCISE TITLE
DEFAULT_CHECKS=
SELECTED=()                 # the tests to run, grouped by lab, list order

# The boot self-check runs like a test under this name, which has a slash
# so no test can have it; BOOT_STATE is pending until its result is in.
BOOT=boot/hello
BOOT_STATE=pending

# Running tests (PIDS: job pid -> test) and finished ones (DONE).
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

# ---- the test list --------------------------------------------------------

# Register test $1 of lab $2 with the default settings.
new_test() {
    local t=$1
    PROG[$t]=$t ARGS[$t]='' MEM[$t]=128M HARTS[$t]=$CPUS TIMEOUT[$t]=20 POINTS[$t]=5
    NODEFAULT[$t]=0 CHECKS[$t]='' SCRIPT[$t]='' LAB[$t]=$2 EXERCISE[$t]=''
}

# Start (or continue) lab section "$1" = "NAME TITLE..."; sets CUR_LAB.
start_lab() {
    local name=${1%%[[:space:]]*} where=$2 title
    trim "${1#"$name"}"; title=$TRIMMED
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "$where: bad lab name '$name'"
    if [ -z "${TITLE[$name]+set}" ]; then
        [ -n "$title" ] || die "$where: lab $name needs a title"
        LABS+=("$name"); TITLE[$name]=$title
    elif [ -n "$title" ] && [ "$title" != "${TITLE[$name]}" ]; then
        die "$where: lab $name is already titled '${TITLE[$name]}'"
    fi
    CUR_LAB=$name
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

# Set test SECTION's setting WORD to REST (checked); WHERE is file:line.
set_option() {
    local section=$1 word=$2 rest=$3 where=$4
    case $word in
    prog)      [ -n "$rest" ] || die "$where: prog needs a name"
               PROG[$section]=$rest ;;
    args)      ARGS[$section]=$rest ;;
    mem)       [[ $rest =~ ^[0-9]+[KMG]?$ ]] || die "$where: bad size '$rest'"
               MEM[$section]=$rest ;;
    cpus)      [[ $rest =~ ^[1-8]$ ]] || die "$where: bad hart count '$rest' (1 to 8)"
               HARTS[$section]=$rest ;;
    timeout)   [[ $rest =~ ^[1-9][0-9]*$ ]] || die "$where: bad timeout '$rest'"
               TIMEOUT[$section]=$rest ;;
    points)    [[ $rest =~ ^[0-9]+$ ]] || die "$where: bad points '$rest'"
               POINTS[$section]=$rest ;;
    exercise)  [[ $rest =~ ^[0-9]+$ ]] || die "$where: bad exercise number '$rest'"
               EXERCISE[$section]=$rest ;;
    nodefault) NODEFAULT[$section]=1 ;;
    script)    [ -n "$rest" ] || die "$where: script needs a command"
               SCRIPT[$section]=$rest NODEFAULT[$section]=1 ;;
    esac
}

# Read TESTS_FILE into NAMES, LABS and the arrays (format: see its top).
parse_tests() {
    local word rest n=0 section='' where
    CUR_LAB=''
    [ -r "$TESTS_FILE" ] || die "cannot read $TESTS_FILE"
    # read splits off the first word and trims blanks around the rest
    while IFS=$' \t' read -r word rest || [ -n "$word" ]; do
        n=$((n + 1)); where="$TESTS_FILE:$n"
        word=${word%$'\r'}
        [[ $rest != *$'\r' ]] || { trim "${rest%$'\r'}"; rest=$TRIMMED; }
        [[ -z $word || $word == '#'* ]] && continue
        case $word in
        default) section=default ;;
        lab)     start_lab "$rest" "$where"; section='' ;;
        test)
            [[ $rest =~ ^[A-Za-z0-9_.-]+$ ]] || die "$where: bad test name '$rest'"
            [ -n "$CUR_LAB" ] || die "$where: test '$rest' is in no lab (put a 'lab NAME TITLE' line above it)"
            [ -z "${PROG[$rest]+set}" ] || die "$where: test '$rest' listed twice"
            section=$rest; NAMES+=("$rest")
            new_test "$rest" "$CUR_LAB" ;;
        expect|expect-re|reject-re)
            [ -n "$section" ] || die "$where: '$word' outside a block"
            add_check "$section" "$word" "$rest" "$where" ;;
        prog|args|mem|cpus|timeout|points|exercise|nodefault|script)
            [[ -n $section && $section != default ]] || die "$where: '$word' outside a test"
            set_option "$section" "$word" "$rest" "$where" ;;
        *) die "$where: unknown directive '$word'" ;;
        esac
    done < "$TESTS_FILE"
    [ ${#NAMES[@]} -gt 0 ] || die "no tests in $TESTS_FILE"
}

# Fill SELECTED with the tests of lab ONLY_LAB (all labs if empty) whose
# names contain one of the words "$@" (all if none): grouped by lab in the
# labs' order, list order within a lab. A word that matches nothing is an error.
select_tests() {
    local lab t w hit
    local -A used=()
    if [ -n "$ONLY_LAB" ] && [ -z "${TITLE[$ONLY_LAB]+set}" ]; then
        die "no lab named '$ONLY_LAB'; the labs are: ${LABS[*]}"
    fi
    for lab in "${LABS[@]}"; do
        [[ -z $ONLY_LAB || $lab == "$ONLY_LAB" ]] || continue
        for t in "${NAMES[@]}"; do
            [ "${LAB[$t]}" = "$lab" ] || continue
            hit=$(( $# == 0 ))
            for w in "$@"; do
                [[ $t == *"$w"* ]] && { hit=1; used["x$w"]=1; }
            done
            [ "$hit" = 1 ] || continue
            SELECTED+=("$t")
            [ $(( ${#t} + 2 )) -le "$WIDTH" ] || WIDTH=$(( ${#t} + 2 ))
        done
    done
    for w in "$@"; do
        [ -n "${used["x$w"]-}" ] ||
            die "no test${ONLY_LAB:+ of lab $ONLY_LAB} matches '$w'; the labs are: ${LABS[*]}"
    done
    [ ${#SELECTED[@]} -gt 0 ] || die "lab $ONLY_LAB has no tests"
}

# Register the boot self-check: hello must reach its first user process.
add_boot_check() {
    new_test "$BOOT" ''
    PROG[$BOOT]=hello TIMEOUT[$BOOT]=5 NODEFAULT[$BOOT]=1
    CHECKS[$BOOT]=$'expect-re\tkernel_execve: pid = 2, .*\n'
}

# Build bin/kernel with every user program embedded.
build() {
    [ "${GRADE_NOBUILD:-0}" = 1 ] && return
    make -s -j"$(nproc)" all || die "build failed (errors above); no test was run"
}

# ---- running and checking one test (in a background job) ----------------

# Boot test $1 under its deadline, then judge its log into NAME.status
# (see judge_test). Runs as a background job.
run_test() {
    local t=$1 rc start pid
    local -a bootargs
    read -ra bootargs <<< "${ARGS[$t]}"
    start=${EPOCHREALTIME//[!0-9]/}
    if [ -n "${SCRIPT[$t]}" ]; then
        CPUS=${HARTS[$t]} timeout -k 2 "${TIMEOUT[$t]}" bash -c "${SCRIPT[$t]}" \
            < /dev/null > "$LOGDIR/$t.log" 2>&1 &
    else
        CPUS=${HARTS[$t]} timeout -k 2 "${TIMEOUT[$t]}" "$QEMU_SH" -m "${MEM[$t]}" -- \
            "prog=${PROG[$t]}" "${bootargs[@]}" < /dev/null > "$LOGDIR/$t.log" 2>&1 &
    fi
    pid=$!
    trap 'kill -TERM $pid 2>/dev/null; exit 1' TERM   # grade.sh was interrupted
    wait $pid; rc=$?
    judge_test "$t" "$rc" $(( (${EPOCHREALTIME//[!0-9]/} - start) / 1000 )) \
        > "$LOGDIR/$t.status"
}

# Load console log $1 into LOG, one line an element, without carriage
# returns or trailing blanks (the text every check sees), and into TEXT,
# the same lines joined by newlines.
read_log() {
    local i l IFS=$'\n'
    LOG=()
    [ -r "$1" ] && mapfile -t LOG < "$1"
    LOG=("${LOG[@]//$'\r'/}")
    for i in "${!LOG[@]}"; do
        l=${LOG[i]}
        [[ $l == *[[:blank:]] ]] && LOG[i]=${l%"${l##*[![:blank:]]}"}
    done
    TEXT="${LOG[*]}"
}

# Whether regex $1 has no anchor (^ $ \` \'), so that a search for it in
# all of TEXT finds something if any single line matches it.
unanchored() {
    case $1 in
    *'^'* | *'$'* | *'\`'* | *"\\'"*) return 1 ;;
    esac
}

# Set MATCHED to the first line of LOG that the extended regex $1 matches
# as a whole (as grep -xE does); status 1 if no line does. One search in
# TEXT first rules out most regexes (the usual reject-re) without a loop.
match_line() {
    local l
    if unanchored "$1" && ! [[ $TEXT =~ $1 ]]; then
        return 1
    fi
    for l in "${LOG[@]}"; do
        if [[ $l =~ $1 ]] && [ ${#BASH_REMATCH[0]} -eq ${#l} ]; then
            MATCHED=$l
            return 0
        fi
    done
    return 1
}

# Check LOG against test $1's checks (and the defaults unless nodefault):
# PROBLEMS gets one "missing: ..." or "rejected: ..." per failed check.
# Status 1 if any check failed. One pass in bash: no process per check.
check_log() {
    local t=$1 checks kind pat l
    local -A have=()
    PROBLEMS=()
    for l in "${LOG[@]}"; do have["x$l"]=1; done
    checks=${CHECKS[$t]}
    [ "${NODEFAULT[$t]}" = 1 ] || checks=$DEFAULT_CHECKS$checks
    while IFS=$'\t' read -r kind pat; do
        case $kind in
        expect)    [ -n "${have["x$pat"]-}" ] || PROBLEMS+=("missing: $pat") ;;
        expect-re) match_line "$pat" || PROBLEMS+=("missing (regex): $pat") ;;
        reject-re) ! match_line "$pat" || PROBLEMS+=("rejected: $MATCHED   (matches $pat)") ;;
        esac
    done <<< "$checks"
    [ ${#PROBLEMS[@]} -eq 0 ]
}

# Print "cause<TAB>LINE" for the console lines of LOG that name why a run
# failed, in log order, each once, then one for each of grade.sh's own
# notes "$@" (timeout, exit status); 10 lines at most, the notes always.
# The lines, first matching pattern decides:
#   *kernel panic*            the first one and the line after (its message)
#   user panic at *           each one and the line after (its message)
#   cow audit: N audits, M problems    skipped (the audit's summary)
#   cow audit:*               the audit's complaints
#   * killed: *               "pid N (prog) killed: ..." by the kernel
#   *FAIL*                    a program's or a checker's failure
#   problem:*                 the state-machine checker's problems
#   *init check memory failed*    pages or kmalloc bytes leaked
print_causes() {
    local max=$(( 10 - $# )) n=0 i j take panicked=0 l
    local -A shown=()
    for (( i = 0; i < ${#LOG[@]} && n < max; i++ )); do
        take=0
        case ${LOG[i]} in
        *'kernel panic'*)   [ "$panicked" = 1 ] || take=2; panicked=1 ;;
        'user panic at '*)  take=2 ;;
        'cow audit: '[0-9]*' audits, '[0-9]*' problems') ;;
        'cow audit:'*)      take=1 ;;
        *' killed: '*)      take=1 ;;
        *FAIL*)             take=1 ;;
        'problem:'*)        take=1 ;;
        *'init check memory failed'*) take=1 ;;
        esac
        for (( j = i; j < i + take && j < ${#LOG[@]} && n < max; j++ )); do
            l=${LOG[j]}
            [ -z "${shown["x$l"]-}" ] || continue
            shown["x$l"]=1; n=$((n + 1))
            printf 'cause\t%s\n' "$l"
        done
    done
    for l in "$@"; do printf 'cause\t%s\n' "$l"; done
}

# Print test $1's result from its log, exit status $2 and time $3 (ms):
# "RC MS", then "OK" or "FAIL", then (if it failed) its print_causes lines
# and one "check<TAB>PROBLEM" per failed check.
judge_test() {
    local t=$1 rc=$2 ok=1 p
    local -a notes=()
    read_log "$LOGDIR/$t.log"
    check_log "$t" || ok=0
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        ok=0; notes+=("timed out after ${TIMEOUT[$t]}s")
    elif [ -n "${SCRIPT[$t]}" ] && [ "$rc" != 0 ]; then
        ok=0; notes+=("script exited with status $rc")
    elif [ "$ok" = 0 ] && [ "$rc" != 0 ]; then
        notes+=("QEMU exited with status $rc")
    fi
    echo "$rc $3"
    if [ "$ok" = 1 ]; then
        echo OK
        return
    fi
    echo FAIL
    print_causes "${notes[@]}"
    for p in "${PROBLEMS[@]}"; do printf 'check\t%s\n' "$p"; done
}

# ---- reporting (in grade.sh itself) ---------------------------------------

# Read test $1's NAME.status into RC, MS, VERDICT, CAUSES and FAILED_CHECKS.
read_status() {
    local -a rest
    local l
    [ -r "$LOGDIR/$1.status" ] || die "test $1 left no result"
    { read -r RC MS; read -r VERDICT; mapfile -t rest; } < "$LOGDIR/$1.status"
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
    echo "    log: $LOGDIR/$t.log"
}

# Print test $1's result line (and why, if it failed) and count it.
report_test() {
    local t=$1 lab=${LAB[$1]} tenths tag=''
    read_status "$t"
    tenths=$(( (MS + 50) / 100 ))
    [ -z "${EXERCISE[$t]}" ] || tag="  [$lab ${EXERCISE[$t]}]"
    MAXSCORE=$((MAXSCORE + POINTS[$t]))
    LAB_MAX[$lab]=$(( ${LAB_MAX[$lab]:-0} + POINTS[$t] ))
    if [ "$VERDICT" = OK ]; then
        PASSED=$((PASSED + 1)) SCORE=$((SCORE + POINTS[$t]))
        LAB_SCORE[$lab]=$(( ${LAB_SCORE[$lab]:-0} + POINTS[$t] ))
        printf '%-*s OK   (%d.%ds)%s\n' "$WIDTH" "$t:" $((tenths / 10)) $((tenths % 10)) "$tag"
    else
        FAILED=$((FAILED + 1))
        printf '%-*s FAIL (%d.%ds)%s\n' "$WIDTH" "$t:" $((tenths / 10)) $((tenths % 10)) "$tag"
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

# Set ORDER to the selected tests slowest first, so that no long test
# starts last and holds up the end: by how long each took last time, or
# (with no earlier run, as in CI) by its timeout.
launch_order() {
    local t rc ms
    local -a lines=()
    for t in "${SELECTED[@]}"; do
        ms=$(( TIMEOUT[$t] * 100 ))
        [ -r "$LOGDIR/$t.status" ] && read -r rc ms < "$LOGDIR/$t.status"
        lines+=("$ms $t")
    done
    mapfile -t ORDER < <(printf '%s\n' "${lines[@]}" | sort -s -k1,1nr)
    ORDER=("${ORDER[@]#* }")
}

# Wait for one job to end, mark its test done and print what is ready.
wait_one() {
    local pid=''
    wait -n -p pid
    [ $? -ne 127 ] || die "lost track of $RUNNING running tests"
    [ -n "$pid" ] && [ -n "${PIDS[$pid]-}" ] || return 0   # not a test's job
    DONE[${PIDS[$pid]}]=1
    unset "PIDS[$pid]"
    RUNNING=$((RUNNING - 1))
    report_ready
}

# Run the boot self-check and the selected tests, JOBS at a time,
# printing results as they come in.
run_tests() {
    local t
    mkdir -p "$LOGDIR/${BOOT%/*}"
    launch_order
    trap stop_tests INT TERM
    for t in "$BOOT" "${ORDER[@]}"; do
        while [ "$RUNNING" -ge "$JOBS" ]; do wait_one; done
        run_test "$t" &
        PIDS[$!]=$t
        RUNNING=$((RUNNING + 1))
    done
    while [ "$RUNNING" -gt 0 ]; do wait_one; done
    trap - INT TERM
}

[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "bad GRADE_JOBS '$JOBS'"
parse_tests
select_tests "$@"
add_boot_check
build
run_tests
echo "Total Score: $SCORE/$MAXSCORE"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
