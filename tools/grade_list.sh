# Sourced by grade.sh: reading tools/grade.tests (its format is at its
# top) into grade.sh's arrays, and choosing the tests to run.
# shellcheck shell=bash

# Register test $1 of lab $2 with the default settings.
new_test() {
    local t=$1
    PROG[$t]=$t ARGS[$t]='' MEM[$t]=128M HARTS[$t]=$CPUS TIMEOUT[$t]=20 POINTS[$t]=5
    NODEFAULT[$t]=0 CHECKS[$t]='' SCRIPT[$t]='' ALONE[$t]=0 LAB[$t]=$2 EXERCISE[$t]=''
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
    alone)     ALONE[$section]=1 ;;
    script)    [ -n "$rest" ] || die "$where: script needs a command"
               SCRIPT[$section]=$rest NODEFAULT[$section]=1 ALONE[$section]=1 ;;
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
        prog|args|mem|cpus|timeout|points|exercise|nodefault|alone|script)
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
