/*
 * Where every user program starts. The kernel enters user mode here
 * with sp at the top of the user stack (16-byte aligned) and a0 = a1 = 0.
 */
    .section .text.start
    .globl _start
_start:
    li      fp, 0           # no caller frame: backtraces stop here
    li      ra, 0
    call    umain
1:  j       1b              # umain never returns
