#ifndef __KERN_PROCESS_CPU_H__
#define __KERN_PROCESS_CPU_H__

#include <defs.h>
#include <list.h>
#include <memlayout.h>
#include <lockdep.h>
#include <spinlock.h>

struct proc_struct;
struct spinlock;
struct trace_event;

/*
 * What each hart knows about itself. In the kernel the tp register
 * points at the running hart's struct cpu (user programs keep their own
 * tp: trapentry.S swaps it on every crossing), so `current` is a field
 * read through tp, and a process that sleeps on one hart and wakes on
 * another finds the right one.
 *
 * Only the hart itself writes its struct cpu, with interrupts off,
 * except where a field says otherwise; other harts read some fields as
 * hints (a stale value costs a spurious interrupt or a later flush).
 */
struct cpu {
    struct proc_struct *proc;   /* running here now (current); others read it as a hint */
    struct proc_struct *idle;   /* this hart's idle thread */
    unsigned long hartid;       /* the SBI's number for it; also its index in cpus[] */
    int intr_depth;             /* nested intr_push() (spinlocks held) */
    bool intr_was_on;           /* sstatus.SIE before the outermost intr_push */
    uintptr_t pgdir_pa;         /* the table in its satp (atomic: tlb.c reads it) */
    volatile bool started;      /* it has reached the idle loop */
    struct spinlock *parked_on; /* in wfi until this lock is let go (spinlock.c) */
    bool kicked;                /* idle, sent an IPI, not yet awake (atomic: any hart sets it) */
    struct trace_event *trace;  /* the running process's COW event (cow_trace.h) */
    struct held_locks held;     /* the spinlocks it holds (lockdep.h) */
    struct page_cache {         /* free pages kept for this hart (pmm.c), under ... */
        spinlock_t lock;        /* ... this lock: other harts empty it when memory runs out */
        list_entry_t pages;     /* (page_link) */
        size_t count;
    } page_cache;
};

/* NCPU (memlayout.h): harts 0..7; make qemu CPUS=N takes 1 to 8. */

extern struct cpu cpus[NCPU];
extern int ncpu;                /* how many harts run the kernel (1: no shootdowns) */
extern unsigned long boot_hartid;   /* the one OpenSBI started; it keeps the time */

/* for_each_cpu(c) { ... }: c visits every slot of cpus[], started or not. */
#define for_each_cpu(c) for (struct cpu *c = cpus; c < cpus + NCPU; c++)

/* Hart c's bit in a hart mask (SBI calls, cpus_online): cpus[] is indexed by hart id. */
static inline unsigned long cpu_bit(const struct cpu *c) {
    return 1UL << (c - cpus);
}

/* The running hart's struct cpu. volatile: a caller may move harts across a schedule(). */
static inline struct cpu *mycpu(void) {
    struct cpu *cpu;
    asm volatile("mv %0, tp" : "=r"(cpu));
    return cpu;
}

#define current     (mycpu()->proc)
#define idleproc    (mycpu()->idle)

/* The hart the caller runs on. */
static inline int cpu_id(void) {
    return (int)mycpu()->hartid;
}

/* Every hart that runs the kernel, as a mask (bit i: hart i). */
unsigned long cpus_online(void);

void smp_init(void);                    /* boot hart: start the others */
void cpu_init(unsigned long hartid);    /* tp = &cpus[hartid] */

#endif /* !__KERN_PROCESS_CPU_H__ */
