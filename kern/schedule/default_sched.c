#include <default_sched.h>
#include <proc.h>
#include <assert.h>

/*
 * Round robin: a FIFO run queue; the running process gets
 * max_time_slice timer ticks, then goes to the back of the queue.
 */

static void rr_init(struct run_queue *rq) {
    list_init(&rq->run_list);
    rq->proc_num = 0;
}

static void rr_enqueue(struct run_queue *rq, struct proc_struct *proc) {
    assert(list_empty(&proc->run_link));
    list_add_before(&rq->run_list, &proc->run_link);
    if (proc->time_slice <= 0 || proc->time_slice > rq->max_time_slice) {
        proc->time_slice = rq->max_time_slice;
    }
    rq->proc_num++;
}

static void rr_dequeue(struct run_queue *rq, struct proc_struct *proc) {
    assert(!list_empty(&proc->run_link));
    list_del_init(&proc->run_link);
    rq->proc_num--;
}

static struct proc_struct *rr_pick_next(struct run_queue *rq) {
    list_entry_t *le = list_next(&rq->run_list);
    return le != &rq->run_list ? le2proc(le, run_link) : NULL;
}

/* One tick of the running process: preempt it when its slice is used up. */
static void rr_proc_tick(struct run_queue *rq, struct proc_struct *proc) {
    (void)rq;
    if (proc->time_slice > 0) {
        proc->time_slice--;
    }
    if (proc->time_slice == 0) {
        proc->need_resched = 1;
    }
}

const struct sched_class default_sched_class = {
    .name = "RR_scheduler",
    .init = rr_init,
    .enqueue = rr_enqueue,
    .dequeue = rr_dequeue,
    .pick_next = rr_pick_next,
    .proc_tick = rr_proc_tick,
};
