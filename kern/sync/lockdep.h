#ifndef __KERN_SYNC_LOCKDEP_H__
#define __KERN_SYNC_LOCKDEP_H__

#include <defs.h>

struct spinlock;

/*
 * The lock-order checker (a small lockdep) and lock statistics
 * (lockdep.c). Every spin_lock reports to lock_acquire before it waits:
 * the checker records which class was taken while which was held, and
 * panics, naming both places, the first time two classes are taken in
 * both orders (or along a longer cycle). Sleeping (schedule) with a
 * spinlock held panics and names the lock.
 */

#define MAX_HELD_LOCKS 8        /* spinlocks one hart may hold at once */

/* A lock this hart holds, and where it was taken. */
struct held_lock {
    struct spinlock *lock;
    const char *where;
};

void lock_acquire(struct spinlock *lock, const char *where);    /* about to wait for it */
void lock_acquired(struct spinlock *lock, uint64_t waited);     /* got it after `waited` ticks */
void lock_release(struct spinlock *lock);
void lockdep_assert_may_sleep(const struct spinlock *allowed);  /* only `allowed` (or none) held */
void lockdep_init(void);                                        /* read lockstat */
void lockstat_print(void);                                      /* and start counting again */

#endif /* !__KERN_SYNC_LOCKDEP_H__ */
