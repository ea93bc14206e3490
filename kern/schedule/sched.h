#ifndef __KERN_SCHEDULE_SCHED_H__
#define __KERN_SCHEDULE_SCHED_H__

#include <defs.h>
#include <list.h>
#include <clock.h>
#include <spinlock.h>
#include <riscv.h>

struct proc_struct;

/*
 * A scheduling policy. Each hart has a run queue of RUNNABLE processes
 * waiting for it; the policy decides their order and when the running
 * one has had enough (proc_tick sets need_resched). Every queue is
 * under sched_lock.
 */
struct run_queue {
    list_entry_t run_list;      /* under sched_lock */
    unsigned int proc_num;      /* under sched_lock (others read it as a hint) */
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

/* A sleeping process's wake-up call, `expires` being an absolute tick (under sched_lock). */
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

/*
 * sched_lock guards the run queues, the timers, and every process's
 * state, wait_state, cpu and run_link. Lock order: it is taken last,
 * inside any lock that guards a condition a process sleeps on (proc.c's
 * proc_lock, a wait queue's, an rwsem's).
 */
extern spinlock_t sched_lock;

void sched_init(void);
void wakeup_proc(struct proc_struct *proc);
void wakeup_proc_locked(struct proc_struct *proc);      /* sched_lock held */
void wakeup_new_thread(struct proc_struct *proc);      /* on an idle hart if one is */
void wakeup_sleeping(struct proc_struct *proc, uint32_t how);          /* if it sleeps so */
void wakeup_sleeping_locked(struct proc_struct *proc, uint32_t how);   /* sched_lock held */
void schedule(void);
void schedule_locked(void);                             /* sched_lock held, and held again on return */
void sleep_on(uint32_t wait_state, spinlock_t *lk);     /* lk held; held again on return */
void finish_switch(void);                               /* a new process's first act */
bool sched_has_work(void);
bool sched_steal(void);                                 /* an idle hart takes waiting work */
void do_sleep_ticks(unsigned int time);
void run_timer_list(void);
void sched_tick(void);
void cond_resched(void);

#endif /* !__KERN_SCHEDULE_SCHED_H__ */
