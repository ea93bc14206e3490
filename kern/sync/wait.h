#ifndef __KERN_SYNC_WAIT_H__
#define __KERN_SYNC_WAIT_H__

#include <defs.h>
#include <list.h>
#include <spinlock.h>

struct proc_struct;

/*
 * A wait queue: processes sleeping until some condition may have
 * changed. The condition and the queue are guarded by one spinlock of
 * the user's, held around both calls. A sleeper re-checks its condition
 * after every wake-up; a waker wakes everyone and lets them sort it out.
 */
typedef struct {
    list_entry_t waiters;       /* wait_t, in arrival order; under the user's lock */
} wait_queue_t;

void wait_queue_init(wait_queue_t *queue);

/*
 * Sleep on queue with wait_state (WT_xxx) until woken (or killed, if
 * interruptible), letting go of lk meanwhile; lk is held again on return.
 */
void wait_queue_sleep(wait_queue_t *queue, uint32_t wait_state, spinlock_t *lk);

/* Wake every process sleeping on queue (the queue's lock held). */
void wait_queue_wake_all(wait_queue_t *queue);

#endif /* !__KERN_SYNC_WAIT_H__ */
