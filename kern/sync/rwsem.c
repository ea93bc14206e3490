#include <rwsem.h>
#include <proc.h>
#include <assert.h>

/*
 * The counters are read and changed only under the kernel lock
 * (spinlock.h), which a sleeper's hart keeps, so no spinlock of its own
 * is needed around them. Waiters sleep uninterruptibly (WT_RWSEM):
 * every holder lets go soon.
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

void down_write(struct rwsem *sem) {
    sem->writers_waiting++;
    while (sem->writer || sem->readers > 0) {
        wait_queue_sleep(&sem->queue, WT_RWSEM);
    }
    sem->writers_waiting--;
    sem->writer = true;
}

void up_write(struct rwsem *sem) {
    assert(sem->writer);
    sem->writer = false;
    wait_queue_wake_all(&sem->queue);
}
