# Sourced by grade.sh: judging one test's console log against its checks
# (tools/grade.tests) and naming the cause when it failed.
# shellcheck shell=bash

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

# Print test $1's result from exit status $2, "MS N" $3 (the boot's time,
# how many tests it ran), its log $4 and notes "${@:5}": "RC MS N", its
# log's path, then "OK" or "FAIL", then (if it failed) its print_causes
# lines and one "check<TAB>PROBLEM" per failed check. Status 1 if it failed.
judge_test() {
    local t=$1 rc=$2 ok=1 p
    local -a notes=("${@:5}")
    read_log "$4"
    check_log "$t" || ok=0
    [ ${#notes[@]} = 0 ] || ok=0
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        ok=0; notes+=("timed out after ${TIMEOUT[$t]}s")
    elif [ -n "${SCRIPT[$t]}" ] && [ "$rc" != 0 ]; then
        ok=0; notes+=("script exited with status $rc")
    elif [ "$ok" = 0 ] && [ "$rc" != 0 ]; then
        notes+=("QEMU exited with status $rc")
    fi
    echo "$rc $3"
    echo "$4"
    if [ "$ok" = 1 ]; then
        echo OK
        return
    fi
    echo FAIL
    print_causes "${notes[@]}"
    for p in "${PROBLEMS[@]}"; do printf 'check\t%s\n' "$p"; done
    return 1
}
