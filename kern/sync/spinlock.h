#ifndef __KERN_SYNC_SPINLOCK_H__
#define __KERN_SYNC_SPINLOCK_H__

#include <defs.h>

struct cpu;

/*
 * A class of locks, for the lock-order checker (lockdep.c) and lock
 * statistics: every lock of one kind is one class (every mm's
 * page_table_lock, say), because the order rules are about kinds.
 */
struct lock_class {
    const char *name;
    int id;                     /* the checker's number for it; 0 until first taken */
    uint64_t after;             /* bit b: class b was taken while this one was held (atomic) */
    uint64_t acquired;          /* with boot argument lockstat: times taken, */
    uint64_t contended;         /* ... times a hart had to wait, */
    uint64_t wait_ticks;        /* ... and for how long in all (rdtime ticks) */
};

#define LOCK_CLASS(name) { (name), 0, 0, 0, 0, 0 }

/*
 * A spinlock: the holder runs with interrupts off, so no interrupt on
 * its own hart can want the lock; other harts spin a while, then park
 * until it is let go (spinlock.c says why). Holding a lock you hold,
 * releasing one you do not, taking two locks in an order that could
 * deadlock, or sleeping with one held panics.
 */
typedef struct spinlock {
    int locked;                 /* 1 while held */
    int waiting;                /* harts waiting for it (atomic) */
    struct cpu *holder;         /* NULL when free */
    struct lock_class *class;
    const char *taken_at;       /* "file:line" of the holder's spin_lock */
} spinlock_t;

#define SPINLOCK_INIT(class) { 0, 0, NULL, (class), NULL }

void spin_init(spinlock_t *lock, struct lock_class *class);
void spin_lock_at(spinlock_t *lock, const char *where);
void spin_unlock(spinlock_t *lock);
bool spin_holding(const spinlock_t *lock);      /* by this hart? */

#define SPIN_STR2(x) #x
#define SPIN_STR(x) SPIN_STR2(x)
/* Take lock; the checker names this line if the lock is taken in a bad order. */
#define spin_lock(lock) spin_lock_at((lock), __FILE__ ":" SPIN_STR(__LINE__))

/*
 * Interrupts off, nesting: the first push saves sstatus.SIE, the last
 * pop restores it. The one way to mask interrupts (spinlocks use it).
 */
void intr_push(void);
void intr_pop(void);

#endif /* !__KERN_SYNC_SPINLOCK_H__ */
