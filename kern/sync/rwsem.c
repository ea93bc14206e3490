#include <rwsem.h>
#include <lockdep.h>
#include <proc.h>
#include <error.h>
#include <assert.h>

/*
 * Taking and letting go without a wait is one atomic operation on
 * count. Whoever must wait does so under the rwsem's spinlock, the lock
 * of its wait queue: it looks at count and sleeps under it
 * (wait_queue_sleep lets it go), and whoever clears what it waits for
 * changes count first and then takes the spinlock to wake the queue, so
 * no wake-up is lost. Who wakes whom:
 *   - up_write wakes everyone (readers and writers were held back);
 *   - up_read, when it is the last reader and a writer waits (WAITING);
 *   - a writer that a kill ends wakes the readers it held back.
 * Waiters sleep uninterruptibly (WT_RWSEM): every holder lets go soon.
 * down_write_killable's waiter is one a kill may end (fork's, whose
 * caller then gives up).
 */

static struct lock_class rwsem_class = LOCK_CLASS("rwsem");

void rwsem_init(struct rwsem *sem) {
    sem->count = 0;
    spin_init(&sem->lock, &rwsem_class);
    sem->writers_waiting = 0;
    wait_queue_init(&sem->queue);
}

/* One more reader, if neither a writer holds it nor one waits for it. */
static bool try_read(struct rwsem *sem) {
    unsigned int c = __atomic_load_n(&sem->count, __ATOMIC_RELAXED);
    while (!(c & (RWSEM_WRITER | RWSEM_WAITING))) {
        if (__atomic_compare_exchange_n(&sem->count, &c, c + RWSEM_READER, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
            return true;
        }
    }
    return false;
}

void down_read(struct rwsem *sem) {
    lockdep_assert_may_sleep(NULL);     /* it may: say so even when it does not */
    if (try_read(sem)) {
        return;
    }
    spin_lock(&sem->lock);
    while (!try_read(sem)) {
        wait_queue_sleep(&sem->queue, WT_RWSEM, &sem->lock);
    }
    spin_unlock(&sem->lock);
}

void up_read(struct rwsem *sem) {
    unsigned int c = __atomic_sub_fetch(&sem->count, RWSEM_READER, __ATOMIC_SEQ_CST);
    assert((c & RWSEM_READERS) != RWSEM_READERS);       /* (no reader held it: wrapped) */
    if ((c & RWSEM_READERS) == 0 && (c & RWSEM_WAITING)) {
        spin_lock(&sem->lock);
        wait_queue_wake_all(&sem->queue);
        spin_unlock(&sem->lock);
    }
}

/* Take the write side if nobody holds it; the last waiting writer clears WAITING (lock held). */
static bool try_write_locked(struct rwsem *sem) {
    unsigned int c = __atomic_load_n(&sem->count, __ATOMIC_RELAXED);
    while (!(c & (RWSEM_READERS | RWSEM_WRITER))) {
        unsigned int taken = (c | RWSEM_WRITER) & ~(sem->writers_waiting == 1 ? RWSEM_WAITING : 0);
        if (__atomic_compare_exchange_n(&sem->count, &c, taken, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED)) {
            return true;
        }
    }
    return false;
}

/* Wait for the write side in wait_state; false if a kill ended the wait (not taken). */
static bool wait_to_write(struct rwsem *sem, uint32_t wait_state) {
    unsigned int free = 0;
    lockdep_assert_may_sleep(NULL);
    if (__atomic_compare_exchange_n(&sem->count, &free, RWSEM_WRITER, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
        return true;
    }
    bool taken = true;
    spin_lock(&sem->lock);
    if (sem->writers_waiting++ == 0) {
        __atomic_fetch_or(&sem->count, RWSEM_WAITING, __ATOMIC_SEQ_CST);
    }
    while (!try_write_locked(sem)) {
        if ((wait_state & WT_INTERRUPTED) && proc_killed(current)) {
            if (sem->writers_waiting == 1) {
                __atomic_fetch_and(&sem->count, ~RWSEM_WAITING, __ATOMIC_SEQ_CST);
            }
            wait_queue_wake_all(&sem->queue);   /* readers held back for us may go */
            taken = false;
            break;
        }
        wait_queue_sleep(&sem->queue, wait_state, &sem->lock);
    }
    sem->writers_waiting--;
    spin_unlock(&sem->lock);
    return taken;
}

void down_write(struct rwsem *sem) {
    wait_to_write(sem, WT_RWSEM);
}

int down_write_killable(struct rwsem *sem) {
    return wait_to_write(sem, WT_RWSEM_KILLABLE) ? 0 : -E_KILLED;
}

void up_write(struct rwsem *sem) {
    unsigned int c = __atomic_fetch_and(&sem->count, ~RWSEM_WRITER, __ATOMIC_SEQ_CST);
    assert(c & RWSEM_WRITER);
    spin_lock(&sem->lock);              /* (a waiter may be about to sleep: see above) */
    wait_queue_wake_all(&sem->queue);
    spin_unlock(&sem->lock);
}
