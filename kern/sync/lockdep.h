#ifndef __KERN_SYNC_LOCKDEP_H__
#define __KERN_SYNC_LOCKDEP_H__

#include <defs.h>
#include <spinlock.h>

/*
 * The lock-order checker (a small lockdep) and lock statistics
 * (lockdep.c). Every spin_lock reports to lock_acquire before it waits:
 * the checker records which class was taken while which was held, and
 * panics, naming both places, the first time two classes are taken in
 * both orders (or along a longer cycle). Sleeping (schedule) with a
 * spinlock held panics and names the lock.
 *
 * lock_acquire and lock_release are inline: every spinlock pays them,
 * and a pair of classes already seen in this order (the lock_class's
 * `after` bit) needs no more than a look at that bit.
 */

#define MAX_HELD_LOCKS 8        /* spinlocks one hart may hold at once */

/* A lock this hart holds, and where it was taken. */
struct held_lock {
    struct spinlock *lock;
    const char *where;
};

/* The spinlocks one hart holds, in the order taken (struct cpu's). */
struct held_locks {
    struct held_lock lock[MAX_HELD_LOCKS];
    int n;
};

int lockdep_class_id(struct lock_class *class);                 /* numbered when first taken */
void lockdep_new_order(struct held_locks *held, struct spinlock *lock, const char *where);
void lockdep_release_unheld(struct held_locks *held, struct spinlock *lock);
void lockdep_too_many(struct held_locks *held, const char *where);
void lockdep_assert_may_sleep(const struct spinlock *allowed);  /* only `allowed` (or none) held */
void lockdep_init(void);                                        /* read lockstat */
void lockstat_print(void);                                      /* and start counting again */
extern bool lockstat_on;

/* lock is about to be taken at `where` by the hart that holds `held`: check the order, note it. */
static inline void lock_acquire(struct held_locks *held, struct spinlock *lock, const char *where) {
    struct lock_class *class = lock->class;
    uint64_t bit = 1ULL << (class->id != 0 ? class->id : lockdep_class_id(class)), known = bit;
    for (int i = 0; i < held->n; i++) {
        known &= __atomic_load_n(&held->lock[i].lock->class->after, __ATOMIC_ACQUIRE);
    }
    if (!known) {
        lockdep_new_order(held, lock, where);   /* a new pair, or a panic */
    }
    if (held->n == MAX_HELD_LOCKS) {
        lockdep_too_many(held, where);
    }
    held->lock[held->n++] = (struct held_lock){ lock, where };
}

/* The hart got lock after waiting `waited` rdtime ticks (0: at once): lockstat's counts. */
static inline void lock_acquired(struct spinlock *lock, uint64_t waited) {
    if (lockstat_on) {
        struct lock_class *class = lock->class;
        __atomic_fetch_add(&class->acquired, 1, __ATOMIC_RELAXED);
        if (waited != 0) {
            __atomic_fetch_add(&class->contended, 1, __ATOMIC_RELAXED);
            __atomic_fetch_add(&class->wait_ticks, waited, __ATOMIC_RELAXED);
        }
    }
}

/* lock is let go: it leaves the held locks (mostly the last taken; any order is allowed). */
static inline void lock_release(struct held_locks *held, struct spinlock *lock) {
    if (held->n > 0 && held->lock[held->n - 1].lock == lock) {
        held->n--;
    } else {
        lockdep_release_unheld(held, lock);
    }
}

#endif /* !__KERN_SYNC_LOCKDEP_H__ */
