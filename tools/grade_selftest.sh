#!/bin/bash
# Check grade.sh's shared boots against a fake kernel (no QEMU): which
# test passes, which fails and why, and which is booted again alone.
# Prints one line per check and last "N passed, M failed" (make stress
# runs it). Each fake program's name says what it does in a boot:
#   ok*     prints its pass line
#   bad*    prints a FAIL line instead, alone or not
#   shy*    passes only as the first program of its boot (a kernel that
#           lets one program's run harm the next)
#   panic*  the kernel panics: the boot ends there
#   hang*   the kernel hangs until the boot's deadline
# In a shared boot, the K-th program "took" 1000 + 100 K ms.
# The fake is this script, called with --fake (by $DIR/qemu.sh, which
# grade.sh runs as its QEMU_SH).
set -u
cd "$(dirname "$0")/.." || exit 1

# Behave as tools/qemu.sh would with a kernel whose programs do the above.
fake_qemu() {
    local a list='' p i=0 n
    local -a progs
    for a; do [[ $a != prog=* ]] || list=${a#prog=}; done
    IFS=, read -ra progs <<< "$list"
    n=${#progs[@]}
    echo "fake kernel booted"
    for p in "${progs[@]}"; do
        i=$((i + 1))
        [ "$n" = 1 ] || echo "init: program $i of $n: $p"
        echo "kernel_execve: pid = 2, name = \"$p\"."
        case $p in
        ok*)    echo "$p pass." ;;
        bad*)   echo "$p FAIL: wrong answer" ;;
        shy*)   if [ "$i" = 1 ]; then echo "$p pass."; else echo "$p FAIL: not alone"; fi ;;
        panic*) printf 'kernel panic at kern/fake.c:1:\n    %s broke it\n' "$p"; exit 1 ;;
        hang*)  exec sleep 10 ;;
        esac
        echo "init check memory pass."
        [ "$n" = 1 ] || echo "init: $p took $(( 1000 + 100 * i )) ms"
    done
}

[ "${1-}" != --fake ] || { shift; fake_qemu "$@"; exit 0; }

DIR=obj/grade-selftest
PASSED=0 FAILED=0
rm -rf "$DIR"
mkdir -p "$DIR"
# Two shared boots: bad0 ok1 bad1 shy1 panic1 ok2, and hang1 ok3 (timeout 2),
# each in the file's order (no earlier run's times to sort by).
cat > "$DIR/tests" <<'EOF'
default
  expect init check memory pass.
  reject-re kernel panic.*
lab fake A fake kernel
test bad0
  expect bad0 pass.
test ok1
  expect ok1 pass.
test bad1
  expect bad1 pass.
test shy1
  expect shy1 pass.
test panic1
  expect panic1 pass.
test ok2
  expect ok2 pass.
test hang1
  timeout 2
  expect hang1 pass.
test ok3
  timeout 2
  expect ok3 pass.
EOF
printf '#!/bin/sh\nexec tools/grade_selftest.sh --fake "$@"\n' > "$DIR/qemu.sh"
chmod +x "$DIR/qemu.sh"

# Check that grade.sh's output $1 has a line matching the regex $2 (what $3 says).
want() {
    if grep -qE "$2" <<< "$1"; then
        PASSED=$((PASSED + 1)); echo "ok    $3"
    else
        FAILED=$((FAILED + 1)); echo "FAIL  $3 (no line matches '$2')"
    fi
}

out=$(QEMU_SH="$DIR/qemu.sh" GRADE_TESTS="$DIR/tests" GRADE_NOBUILD=1 \
      GRADE_LOGDIR="$DIR/logs" GRADE_SHARE=8 ./grade.sh 2>&1)
want "$out" '^bad0: +FAIL +\(.* in a boot of 6\)$' "the first program of a shared boot is judged there"
want "$out" '^ok1: +OK +\(1\.2s in a boot of 6\)$' "a later one passes there, timed by the kernel"
want "$out" '^bad1: +FAIL \([0-9.]+s\)$' "a program failing in a shared boot is booted again alone"
want "$out" '^    bad1 FAIL: wrong answer$' "... and fails there, with its own cause"
want "$out" '^shy1: +FAIL .*in a boot of 6' "a program that fails only after others fails"
want "$out" '^    passed alone .*, failed after bad0 ok1 bad1 in one boot$' "... and says so"
want "$out" '^    kernel panic at kern/fake.c:1:$' "a panic is named under its test"
want "$out" '^ok2: +OK +\([0-9.]+s\)$' "a program after a panic is booted alone and passes"
want "$out" '^ok3: +OK +\([0-9.]+s\)$' "... and so is the next one"
want "$out" '^    timed out after 2s$' "a hang is cut off by the boot's timeout, and again alone"
want "$out" '^3 passed, 5 failed$' "the count comes last"
out=$(QEMU_SH="$DIR/qemu.sh" GRADE_TESTS="$DIR/tests" GRADE_NOBUILD=1 \
      GRADE_LOGDIR="$DIR/logs1" GRADE_SHARE=1 ./grade.sh 2>&1)
want "$out" '^shy1: +OK +\([0-9.]+s\)$' "GRADE_SHARE=1 boots every test alone"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
