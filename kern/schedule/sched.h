#ifndef __KERN_SCHEDULE_SCHED_H__
#define __KERN_SCHEDULE_SCHED_H__

#include <defs.h>
#include <list.h>
#include <clock.h>

struct proc_struct;

/*
 * A scheduling policy. The run queue holds RUNNABLE processes other than
 * the one running; the policy decides their order and when the running
 * one has had enough (proc_tick sets need_resched).
 */
struct run_queue {
    list_entry_t run_list;
    unsigned int proc_num;
    int max_time_slice;
};

struct sched_class {
    const char *name;
    void (*init)(struct run_queue *rq);
    void (*enqueue)(struct run_queue *rq, struct proc_struct *proc);
    void (*dequeue)(struct run_queue *rq, struct proc_struct *proc);
    struct proc_struct *(*pick_next)(struct run_queue *rq);
    void (*proc_tick)(struct run_queue *rq, struct proc_struct *proc);
};

/* A sleeping process's wake-up call, `expires` being an absolute tick. */
typedef struct {
    size_t expires;
    struct proc_struct *proc;
    list_entry_t timer_link;
} timer_t;

#define le2timer(le, member) to_struct((le), timer_t, member)

static inline void timer_init(timer_t *timer, struct proc_struct *proc, unsigned int ticks_from_now) {
    timer->expires = ticks + ticks_from_now;
    timer->proc = proc;
    list_init(&timer->timer_link);
}

void sched_init(void);
void wakeup_proc(struct proc_struct *proc);
void schedule(void);
bool sched_has_work(void);
void add_timer(timer_t *timer);
void del_timer(timer_t *timer);
void run_timer_list(void);
void sched_tick(void);
void cond_resched(void);

#endif /* !__KERN_SCHEDULE_SCHED_H__ */
