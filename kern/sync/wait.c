#include <wait.h>
#include <proc.h>
#include <sched.h>
#include <sync.h>

/* One sleeper, on its own kernel stack while it sleeps. */
typedef struct {
    struct proc_struct *proc;
    list_entry_t link;
} wait_t;

#define le2wait(le) to_struct((le), wait_t, link)

void wait_queue_init(wait_queue_t *queue) {
    list_init(&queue->waiters);
}

void wait_queue_sleep(wait_queue_t *queue, uint32_t wait_state) {
    wait_t wait = { .proc = current };
    bool intr_flag;
    local_intr_save(intr_flag);
    list_add_before(&queue->waiters, &wait.link);
    current->state = PROC_SLEEPING;
    current->wait_state = wait_state;
    schedule();
    list_del_init(&wait.link);      /* still queued if a kill woke us */
    local_intr_restore(intr_flag);
}

void wait_queue_wake_all(wait_queue_t *queue) {
    bool intr_flag;
    local_intr_save(intr_flag);
    while (!list_empty(&queue->waiters)) {
        list_entry_t *le = list_next(&queue->waiters);
        list_del_init(le);
        wakeup_proc(le2wait(le)->proc);
    }
    local_intr_restore(intr_flag);
}
