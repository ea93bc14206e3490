#include <rwsem.h>
#include <lockdep.h>
#include <proc.h>
#include <error.h>
#include <assert.h>

/*
 * The counters are guarded by the rwsem's own spinlock, which is also
 * the lock of its wait queue: a waiter checks and sleeps under it
 * (wait_queue_sleep lets it go), so no wake-up is lost. Waiters sleep
 * uninterruptibly (WT_RWSEM): every holder lets go soon.
 * down_write_killable's waiter is one a kill may end (fork's, whose
 * caller then gives up).
 */

static struct lock_class rwsem_class = LOCK_CLASS("rwsem");

void rwsem_init(struct rwsem *sem) {
    spin_init(&sem->lock, &rwsem_class);
    sem->readers = 0;
    sem->writer = false;
    sem->writers_waiting = 0;
    wait_queue_init(&sem->queue);
}

void down_read(struct rwsem *sem) {
    lockdep_assert_may_sleep(NULL);     /* it may: say so even when it does not */
    spin_lock(&sem->lock);
    while (sem->writer || sem->writers_waiting > 0) {
        wait_queue_sleep(&sem->queue, WT_RWSEM, &sem->lock);
    }
    sem->readers++;
    spin_unlock(&sem->lock);
}

void up_read(struct rwsem *sem) {
    spin_lock(&sem->lock);
    assert(sem->readers > 0);
    if (--sem->readers == 0) {
        wait_queue_wake_all(&sem->queue);
    }
    spin_unlock(&sem->lock);
}

/* Wait for the write side in wait_state; false if a kill ended the wait (not taken). */
static bool wait_to_write(struct rwsem *sem, uint32_t wait_state) {
    bool taken = true;
    lockdep_assert_may_sleep(NULL);
    spin_lock(&sem->lock);
    sem->writers_waiting++;
    while (sem->writer || sem->readers > 0) {
        if ((wait_state & WT_INTERRUPTED) && proc_killed(current)) {
            wait_queue_wake_all(&sem->queue);   /* readers held back for us may go */
            taken = false;
            break;
        }
        wait_queue_sleep(&sem->queue, wait_state, &sem->lock);
    }
    sem->writers_waiting--;
    if (taken) {
        sem->writer = true;
    }
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
    spin_lock(&sem->lock);
    assert(sem->writer);
    sem->writer = false;
    wait_queue_wake_all(&sem->queue);
    spin_unlock(&sem->lock);
}
