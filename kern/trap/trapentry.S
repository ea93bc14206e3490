/*
 * Trap entry and exit. sscratch holds the kernel stack top while a user
 * program runs and 0 while the kernel runs, so the first instruction can
 * tell where the trap came from and find a stack to save registers on.
 * The frame layout is struct trapframe (kern/trap/trap.h).
 *
 * In the kernel tp points at the hart's struct cpu (kern/process/cpu.h);
 * a user program may use tp as it likes. So the way out to user mode
 * leaves the hart's tp in the frame (TF_CPU) and loads the user's, and
 * the way in from user mode saves the user's and loads it back. A trap
 * from the kernel leaves tp alone: the code it interrupted may have
 * moved to this hart since the frame was made.
 */
#include <riscv.h>

#define REGBYTES 8
#define TF_CPU   (36 * REGBYTES)
#define TF_SIZE  (38 * REGBYTES)    /* a multiple of 16: sp stays aligned */

    .macro SAVE_ALL
    csrrw   sp, sscratch, sp        /* from user: sp = kernel stack, sscratch = user sp */
    bnez    sp, 1f
    csrr    sp, sscratch            /* from kernel: sscratch held our own sp */
1:
    addi    sp, sp, -TF_SIZE
    sd      x0, 0*REGBYTES(sp)
    sd      x1, 1*REGBYTES(sp)
    sd      x3, 3*REGBYTES(sp)
    sd      x4, 4*REGBYTES(sp)
    sd      x5, 5*REGBYTES(sp)
    sd      x6, 6*REGBYTES(sp)
    sd      x7, 7*REGBYTES(sp)
    sd      x8, 8*REGBYTES(sp)
    sd      x9, 9*REGBYTES(sp)
    sd      x10, 10*REGBYTES(sp)
    sd      x11, 11*REGBYTES(sp)
    sd      x12, 12*REGBYTES(sp)
    sd      x13, 13*REGBYTES(sp)
    sd      x14, 14*REGBYTES(sp)
    sd      x15, 15*REGBYTES(sp)
    sd      x16, 16*REGBYTES(sp)
    sd      x17, 17*REGBYTES(sp)
    sd      x18, 18*REGBYTES(sp)
    sd      x19, 19*REGBYTES(sp)
    sd      x20, 20*REGBYTES(sp)
    sd      x21, 21*REGBYTES(sp)
    sd      x22, 22*REGBYTES(sp)
    sd      x23, 23*REGBYTES(sp)
    sd      x24, 24*REGBYTES(sp)
    sd      x25, 25*REGBYTES(sp)
    sd      x26, 26*REGBYTES(sp)
    sd      x27, 27*REGBYTES(sp)
    sd      x28, 28*REGBYTES(sp)
    sd      x29, 29*REGBYTES(sp)
    sd      x30, 30*REGBYTES(sp)
    sd      x31, 31*REGBYTES(sp)
    csrrw   s0, sscratch, x0        /* s0 = sp at the trap; sscratch = 0: in kernel */
    csrr    s1, sstatus
    csrr    s2, sepc
    csrr    s3, stval
    csrr    s4, scause
    sd      s0, 2*REGBYTES(sp)
    sd      s1, 32*REGBYTES(sp)
    sd      s2, 33*REGBYTES(sp)
    sd      s3, 34*REGBYTES(sp)
    sd      s4, 35*REGBYTES(sp)
    andi    s1, s1, SSTATUS_SPP
    bnez    s1, 2f
    ld      tp, TF_CPU(sp)          /* from user: the hart's own tp */
2:
    .endm

    .macro RESTORE_ALL
    ld      s1, 32*REGBYTES(sp)
    ld      s2, 33*REGBYTES(sp)
    andi    s0, s1, SSTATUS_SPP
    bnez    s0, 1f
    addi    s0, sp, TF_SIZE         /* back to user: next trap starts here */
    csrw    sscratch, s0
    sd      tp, TF_CPU(sp)          /* the hart's tp, for the next trap */
    ld      tp, 4*REGBYTES(sp)      /* the user's */
1:
    csrw    sstatus, s1
    csrw    sepc, s2
    ld      x1, 1*REGBYTES(sp)
    ld      x3, 3*REGBYTES(sp)
    ld      x5, 5*REGBYTES(sp)
    ld      x6, 6*REGBYTES(sp)
    ld      x7, 7*REGBYTES(sp)
    ld      x8, 8*REGBYTES(sp)
    ld      x9, 9*REGBYTES(sp)
    ld      x10, 10*REGBYTES(sp)
    ld      x11, 11*REGBYTES(sp)
    ld      x12, 12*REGBYTES(sp)
    ld      x13, 13*REGBYTES(sp)
    ld      x14, 14*REGBYTES(sp)
    ld      x15, 15*REGBYTES(sp)
    ld      x16, 16*REGBYTES(sp)
    ld      x17, 17*REGBYTES(sp)
    ld      x18, 18*REGBYTES(sp)
    ld      x19, 19*REGBYTES(sp)
    ld      x20, 20*REGBYTES(sp)
    ld      x21, 21*REGBYTES(sp)
    ld      x22, 22*REGBYTES(sp)
    ld      x23, 23*REGBYTES(sp)
    ld      x24, 24*REGBYTES(sp)
    ld      x25, 25*REGBYTES(sp)
    ld      x26, 26*REGBYTES(sp)
    ld      x27, 27*REGBYTES(sp)
    ld      x28, 28*REGBYTES(sp)
    ld      x29, 29*REGBYTES(sp)
    ld      x30, 30*REGBYTES(sp)
    ld      x31, 31*REGBYTES(sp)
    ld      x2, 2*REGBYTES(sp)      /* sp last: it is our base */
    .endm

    .text
    .balign 4
    .globl __alltraps
__alltraps:
    SAVE_ALL
    move    a0, sp
    jal     trap
    /* fall through */

    .globl __trapret
__trapret:
    RESTORE_ALL
    sret

/* forkrets(tf): leave the kernel through trapframe tf (new or exec'd process). */
    .globl forkrets
forkrets:
    move    sp, a0
    j       __trapret
