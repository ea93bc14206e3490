#ifndef __KERN_TRAP_TRAP_H__
#define __KERN_TRAP_TRAP_H__

#include <defs.h>

/* The 32 integer registers, in x0..x31 order (trapentry.S relies on it). */
struct pushregs {
    uintptr_t zero, ra, sp, gp, tp, t0, t1, t2;
    uintptr_t s0, s1, a0, a1, a2, a3, a4, a5;
    uintptr_t a6, a7, s2, s3, s4, s5, s6, s7;
    uintptr_t s8, s9, s10, s11, t3, t4, t5, t6;
};

/* Everything saved on a trap; sret resumes exactly this state. */
struct trapframe {
    struct pushregs gpr;
    uintptr_t status;       /* sstatus */
    uintptr_t epc;          /* sepc: where to resume */
    uintptr_t badvaddr;     /* stval: faulting address (or instruction) */
    uintptr_t cause;        /* scause */
    uintptr_t cpu;          /* in user mode: the struct cpu of its hart (trapentry.S) */
    uintptr_t pad;          /* keeps the frame a multiple of 16 bytes */
};

void trap_init(void);
void print_trapframe(struct trapframe *tf);
bool trap_in_kernel(struct trapframe *tf);
const char *trap_name(uintptr_t cause);

#endif /* !__KERN_TRAP_TRAP_H__ */
