#include <wait.h>
#include <proc.h>
#include <sched.h>
#include <assert.h>

/* One sleeper, on its own kernel stack while it sleeps. */
typedef struct {
    struct proc_struct *proc;
    list_entry_t link;
} wait_t;

#define le2wait(le) to_struct((le), wait_t, link)

void wait_queue_init(wait_queue_t *queue) {
    list_init(&queue->waiters);
}

void wait_queue_sleep(wait_queue_t *queue, uint32_t wait_state, spinlock_t *lk) {
    wait_t wait = { .proc = current };
    assert(spin_holding(lk));
    list_add_before(&queue->waiters, &wait.link);
    sleep_on(wait_state, lk);
    list_del_init(&wait.link);      /* still queued if a kill woke us */
}

void wait_queue_wake_all(wait_queue_t *queue) {
    while (!list_empty(&queue->waiters)) {
        list_entry_t *le = list_next(&queue->waiters);
        list_del_init(le);
        wakeup_proc(le2wait(le)->proc);
    }
}
