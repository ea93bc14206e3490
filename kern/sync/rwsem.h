#ifndef __KERN_SYNC_RWSEM_H__
#define __KERN_SYNC_RWSEM_H__

#include <defs.h>
#include <spinlock.h>
#include <wait.h>

/*
 * A sleeping reader/writer lock (Linux's rw_semaphore): any number of
 * readers, or one writer. A waiting writer holds back new readers, so a
 * stream of readers cannot starve it; a holder must therefore never take
 * the same lock again. Holders may sleep (the get-user-pages loop yields
 * while it holds its mm's lock for reading); like any sleeper, whoever
 * takes it holds no spinlock.
 *
 * The state is one atomic word, so that a reader takes and lets go of a
 * free lock with one compare-and-swap (every page fault does); the
 * spinlock is taken only to wait or to wake (rwsem.c).
 */
#define RWSEM_READER 1U                 /* count: each reader adds one */
#define RWSEM_READERS 0x0fffffffU       /* the readers' part */
#define RWSEM_WRITER (1U << 30)         /* held for writing */
#define RWSEM_WAITING (1U << 29)        /* a writer waits: readers may not come in */

struct rwsem {
    unsigned int count;         /* RWSEM_xxx (atomic; WAITING changes under lock) */
    spinlock_t lock;            /* guards writers_waiting and the queue */
    int writers_waiting;
    wait_queue_t queue;         /* everyone waiting for it */
};

void rwsem_init(struct rwsem *sem);
void down_read(struct rwsem *sem);
void up_read(struct rwsem *sem);
void down_write(struct rwsem *sem);
int down_write_killable(struct rwsem *sem);     /* 0, or -E_KILLED (not taken) */
void up_write(struct rwsem *sem);

/* Is it held at all (by anyone)? For assertions (a racy look, but never wrong for a holder). */
static inline bool rwsem_is_locked(const struct rwsem *sem) {
    return (__atomic_load_n(&sem->count, __ATOMIC_RELAXED) & (RWSEM_READERS | RWSEM_WRITER)) != 0;
}

#endif /* !__KERN_SYNC_RWSEM_H__ */
