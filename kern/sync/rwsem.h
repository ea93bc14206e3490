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
 */
struct rwsem {
    spinlock_t lock;            /* guards the fields below */
    int readers;                /* holding it for reading */
    bool writer;                /* held for writing */
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
    return __atomic_load_n(&sem->readers, __ATOMIC_RELAXED) > 0 ||
           __atomic_load_n(&sem->writer, __ATOMIC_RELAXED);
}

#endif /* !__KERN_SYNC_RWSEM_H__ */
