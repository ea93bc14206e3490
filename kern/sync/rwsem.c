#include <rwsem.h>
#include <proc.h>
#include <error.h>
#include <assert.h>

/*
 * The counters are read and changed only under the kernel lock
 * (spinlock.h), which a sleeper's hart keeps, so no spinlock of its own
 * is needed around them. Waiters sleep uninterruptibly (WT_RWSEM):
 * every holder lets go soon. down_write_killable's waiter is one a
 * kill may end (fork's, whose caller then gives up).
 */

void rwsem_init(struct rwsem *sem) {
    sem->readers = 0;
    sem->writer = false;
    sem->writers_waiting = 0;
    wait_queue_init(&sem->queue);
}

void down_read(struct rwsem *sem) {
    while (sem->writer || sem->writers_waiting > 0) {
        wait_queue_sleep(&sem->queue, WT_RWSEM);
    }
    sem->readers++;
}

void up_read(struct rwsem *sem) {
    assert(sem->readers > 0);
    if (--sem->readers == 0) {
        wait_queue_wake_all(&sem->queue);
    }
}

/* Wait for the write side in wait_state; false if a kill ended the wait (not taken). */
static bool wait_to_write(struct rwsem *sem, uint32_t wait_state) {
    sem->writers_waiting++;
    while (sem->writer || sem->readers > 0) {
        if ((wait_state & WT_INTERRUPTED) && (current->flags & PF_EXITING)) {
            sem->writers_waiting--;
            wait_queue_wake_all(&sem->queue);   /* readers held back for us may go */
            return false;
        }
        wait_queue_sleep(&sem->queue, wait_state);
    }
    sem->writers_waiting--;
    sem->writer = true;
    return true;
}

void down_write(struct rwsem *sem) {
    wait_to_write(sem, WT_RWSEM);
}

int down_write_killable(struct rwsem *sem) {
    return wait_to_write(sem, WT_RWSEM_KILLABLE) ? 0 : -E_KILLED;
}

void up_write(struct rwsem *sem) {
    assert(sem->writer);
    sem->writer = false;
    wait_queue_wake_all(&sem->queue);
}
