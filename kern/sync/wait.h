#ifndef __KERN_SYNC_WAIT_H__
#define __KERN_SYNC_WAIT_H__

#include <defs.h>
#include <list.h>

struct proc_struct;

/*
 * A wait queue: processes sleeping until some condition may have
 * changed. A sleeper re-checks its condition after every wake-up; a
 * waker wakes everyone and lets them sort it out.
 */
typedef struct {
    list_entry_t waiters;       /* wait_t, in arrival order */
} wait_queue_t;

void wait_queue_init(wait_queue_t *queue);

/* Sleep on queue with wait_state (WT_xxx) until woken (or killed, if interruptible). */
void wait_queue_sleep(wait_queue_t *queue, uint32_t wait_state);

/* Wake every process sleeping on queue. */
void wait_queue_wake_all(wait_queue_t *queue);

#endif /* !__KERN_SYNC_WAIT_H__ */
