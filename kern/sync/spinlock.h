#ifndef __KERN_SYNC_SPINLOCK_H__
#define __KERN_SYNC_SPINLOCK_H__

#include <defs.h>

struct cpu;

/*
 * A spinlock: the holder runs with interrupts off, so no interrupt on
 * its own hart can want the lock; other harts spin until it is free.
 * Tickets make it first come, first served: a hart that lets go and
 * wants the lock again at once queues behind the one already waiting.
 * Holding a lock you hold, or releasing one you do not, panics.
 */
typedef struct spinlock {
    unsigned int next;          /* the ticket the next arrival takes */
    unsigned int serving;       /* the ticket that holds the lock */
    struct cpu *holder;         /* NULL when free */
    const char *name;
} spinlock_t;

#define SPINLOCK_INIT(lockname) { 0, 0, NULL, (lockname) }

void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
bool spin_holding(const spinlock_t *lock);      /* by this hart? */

/* Interrupts off, nesting: the first push saves sstatus.SIE, the last pop restores it. */
void intr_push(void);
void intr_pop(void);

/*
 * The kernel lock. Kernel code runs only on the hart that holds it, so
 * everything the kernel shares -- the allocators, the process table,
 * the run queue, page tables and reference counts, files, the console
 * -- is under this one named lock, and the code written for one hart
 * stays correct. User code runs on all harts at once; that is where
 * parallelism, and the need for TLB shootdown, come from.
 *
 * Who takes it: trap() on entry from user mode (released on the way
 * back), an interrupt that finds it free (in the idle loop's wfi or at
 * a preemption point), a hart's idle loop, a booting hart. It stays
 * held across switch_to: the hart, not the process, holds it, and the
 * process switched to carries on under it. It is let go for a moment at
 * every preemption point (cond_resched), where a hart waiting for it
 * gets its turn: the kernel's preemption points are its only places of
 * interleaving, exactly as they were with one hart.
 *
 * Lock order: kernel_lock first, then the sleeping locks (an mm's
 * mmap_lock, kern/sync/rwsem.h). A process that sleeps on one does not
 * let go of the kernel lock: its hart keeps it and runs someone else.
 */
extern spinlock_t kernel_lock;

void lock_kernel(void);
void unlock_kernel(void);
bool holding_kernel(void);

#endif /* !__KERN_SYNC_SPINLOCK_H__ */
