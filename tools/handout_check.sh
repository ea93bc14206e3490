#!/bin/bash
# make handout-check: prove that every lab can be handed out. For each
# lab (tools/handout.py's LABS), in obj/handout-check/LAB:
#   - the student tree builds with no warning at all;
#   - no line of a stubbed solution appears anywhere in it;
#   - its grade fails exactly the tests its stubs break: the tests of its
#     own lab and of the labs after it (tools/grade.tests says which lab
#     each test is in), and for lab5, whose load_icode stub stops every
#     user program, all of them; every other test passes.
# Then the full tree must pass every test. Prints one line per lab and
# per problem, and last "N passed, M failed" (a unit being one lab or
# the full tree); the exit status is 0 only if all passed.
set -u
cd "$(dirname "$0")/.." || exit 1

LABS=(lab5 cow dirtycow)        # course order, as in tools/handout.py
BREAKS_ALL=lab5                 # its stub stops every user program
TOP=obj/handout-check
PASSED=0 FAILED=0

# Print "TEST LAB" for every test of tools/grade.tests.
test_labs() {
    awk '$1 == "lab" { lab = $2 } $1 == "test" { print $2, lab }' tools/grade.tests
}

# Is lab $1 the same as or later than lab $2 in course order?
lab_at_or_after() {
    local a=-1 b=-1 i
    for i in "${!LABS[@]}"; do
        [ "${LABS[$i]}" = "$1" ] && a=$i
        [ "${LABS[$i]}" = "$2" ] && b=$i
    done
    [ "$a" -ge 0 ] && [ "$a" -ge "$b" ]
}

# The tests lab $1's handout must fail, one per line, sorted.
expected_failures() {
    local lab=$1 t l
    while read -r t l; do
        if [ "$lab" = "$BREAKS_ALL" ] || lab_at_or_after "$l" "$lab"; then
            echo "$t"
        fi
    done < <(test_labs) | sort
}

# Record one unit's result: $1 = ok|FAIL, then its description.
result() {
    if [ "$1" = ok ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    shift
    echo "$*"
}

# Check the handout of lab $1; prints its problems, returns 1 if any.
check_lab() {
    local lab=$1 dir=$TOP/$1 bad=0 line
    python3 tools/handout.py handout "$lab" --out "$dir" > /dev/null || return 1
    if ! (cd "$dir" && make -s all) > "$dir.build.log" 2>&1; then
        echo "    the handout does not build: $dir.build.log"; return 1
    fi
    if grep -q -i "warning" "$dir.build.log"; then
        echo "    the handout builds with warnings:"; grep -i -m5 warning "$dir.build.log" | sed 's/^/      /'
        bad=1
    fi
    if ! python3 tools/handout.py check-tree "$lab" "$dir" > "$dir.leaks"; then
        echo "    solution text left in the handout:"; sed 's/^/      /' "$dir.leaks"; bad=1
    fi
    (cd "$dir" && GRADE_NOBUILD=1 ./grade.sh) > "$dir.grade.log" 2>&1
    sed -n 's/^\([A-Za-z0-9_.-]*\): *FAIL.*/\1/p' "$dir.grade.log" | sort > "$dir.failed"
    expected_failures "$lab" > "$dir.expected"
    while read -r t; do
        echo "    $t passes, but the $lab stubs should break it"; bad=1
    done < <(comm -13 "$dir.failed" "$dir.expected")
    while read -r t; do
        echo "    $t fails, but no $lab stub should break it"; bad=1
    done < <(comm -23 "$dir.failed" "$dir.expected")
    return $bad
}

main() {
    local lab problems
    rm -rf "$TOP" && mkdir -p "$TOP" || exit 1
    make -s all || { echo "handout-check: the full tree does not build"; echo "0 passed, 1 failed"; exit 1; }
    for lab in "${LABS[@]}"; do
        if problems=$(check_lab "$lab"); then
            result ok "handout $lab: builds cleanly, no solution text, fails exactly its" \
                "$(wc -l < "$TOP/$lab.expected") tests"
        else
            result FAIL "handout $lab: FAILED (logs in $TOP/)"
            echo "$problems"
        fi
    done
    if ./grade.sh > "$TOP/full.grade.log" 2>&1; then
        result ok "full tree: every test passes"
    else
        result FAIL "full tree: FAILED"; grep -A3 ": *FAIL" "$TOP/full.grade.log" | head -20
    fi
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

main
