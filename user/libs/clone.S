/*
 * int __clone(flags, stack, fn, arg): a0..a3.
 * The child comes back from the system call on `stack` with a0 = 0 and
 * every other register as the parent had it, so fn and arg are kept in
 * t0/t1 across the ecall; the child runs fn(arg) and exits with its
 * return value. The parent just returns the child's id (or an error).
 */
#include <unistd.h>

    .text
    .globl __clone
__clone:
    mv      t0, a2              /* fn */
    mv      t1, a3              /* arg */
    mv      a2, a1              /* clone(flags, stack) */
    mv      a1, a0
    li      a0, SYS_clone
    ecall
    bnez    a0, 1f
    mv      a0, t1              /* child: exit(fn(arg)) */
    jalr    t0
    mv      a1, a0
    li      a0, SYS_exit
    ecall
1:
    ret
