#include <sched.h>
#include <default_sched.h>
#include <proc.h>
#include <sync.h>
#include <spinlock.h>
#include <sbi.h>
#include <bootargs.h>
#include <clock.h>
#include <stdio.h>
#include <assert.h>

/*
 * Picking who runs, and timers for sleeping processes. The policy is
 * chosen in one place (sched_init). The idle thread is never queued: it
 * runs when the queue is empty and always wants to give the CPU away.
 */

static const struct sched_class *sched_class;
static struct run_queue rq;
static list_entry_t timer_list;

#define DEFAULT_TIME_SLICE 5    /* ticks: 50 ms */

void sched_init(void) {
    list_init(&timer_list);
    sched_class = &default_sched_class;
    rq.max_time_slice = bootarg_long("timeslice", DEFAULT_TIME_SLICE);
    if (rq.max_time_slice <= 0) {
        rq.max_time_slice = DEFAULT_TIME_SLICE;
    }
    sched_class->init(&rq);
    cprintf("sched class: %s, time slice %d ticks\n", sched_class->name, rq.max_time_slice);
}

/*
 * New work is queued: interrupt one other hart that sits in its idle
 * loop and has not been told yet, so that it comes for it.
 */
static void kick_idle_hart(void) {
    for_each_cpu(c) {
        if (c->started && c->proc == c->idle && c != mycpu() &&
            !__atomic_exchange_n(&c->kicked, true, __ATOMIC_SEQ_CST)) {
            sbi_send_ipi(cpu_bit(c));
            return;
        }
    }
}

/*
 * Make proc runnable and queue it. A process running on some hart is
 * never asleep where another hart can see it (it goes to sleep and
 * switches away under the kernel lock), so only this hart's current
 * can be found asleep and not queued.
 */
void wakeup_proc(struct proc_struct *proc) {
    bool intr_flag;
    assert(proc->state != PROC_ZOMBIE);
    local_intr_save(intr_flag);
    if (proc->state != PROC_RUNNABLE) {
        proc->state = PROC_RUNNABLE;
        proc->wait_state = 0;
        if (proc != current && proc != idleproc) {
            sched_class->enqueue(&rq, proc);
            kick_idle_hart();
        }
    }
    local_intr_restore(intr_flag);
}

/* Is anyone waiting in the run queue? (Without the kernel lock: a hint.) */
bool sched_has_work(void) {
    return __atomic_load_n(&rq.proc_num, __ATOMIC_ACQUIRE) > 0;
}

/*
 * Give the CPU to the next runnable process (or idle). A killed process
 * does not begin a sleep that a kill may end: it stays runnable, and the
 * caller sees PF_EXITING when schedule returns. (It may have been killed
 * while it ran in user mode on another hart, before it came in to sleep.)
 */
void schedule(void) {
    bool intr_flag;
    local_intr_save(intr_flag);
    current->need_resched = 0;
    if (current->state == PROC_SLEEPING && (current->wait_state & WT_INTERRUPTED) &&
        (current->flags & PF_EXITING)) {
        current->state = PROC_RUNNABLE;
        current->wait_state = 0;
    }
    if (current->state == PROC_RUNNABLE && current != idleproc) {
        sched_class->enqueue(&rq, current);
    }
    struct proc_struct *next = sched_class->pick_next(&rq);
    if (next != NULL) {
        sched_class->dequeue(&rq, next);
    } else {
        next = idleproc;
    }
    next->runs++;
    proc_run(next);
    local_intr_restore(intr_flag);
}

void add_timer(timer_t *timer) {
    bool intr_flag;
    local_intr_save(intr_flag);
    list_add_before(&timer_list, &timer->timer_link);
    local_intr_restore(intr_flag);
}

void del_timer(timer_t *timer) {
    bool intr_flag;
    local_intr_save(intr_flag);
    if (!list_empty(&timer->timer_link)) {
        list_del_init(&timer->timer_link);
    }
    local_intr_restore(intr_flag);
}

/* Every tick of the boot hart's timer: wake sleepers whose time has come. */
void run_timer_list(void) {
    list_entry_t *le = list_next(&timer_list);
    while (le != &timer_list) {
        timer_t *timer = le2timer(le, timer_link);
        le = list_next(le);
        if (timer->expires <= ticks) {
            list_del_init(&timer->timer_link);
            if (timer->proc->state == PROC_SLEEPING) {
                wakeup_proc(timer->proc);
            }
        }
    }
}

/* Every tick of this hart's timer: charge the process running here. */
void sched_tick(void) {
    if (current == idleproc) {
        current->need_resched = 1;
    } else if (current != NULL) {
        sched_class->proc_tick(&rq, current);
    }
}

/*
 * A preemption point for long kernel loops: let a hart waiting for the
 * kernel lock in, take a pending interrupt, and give up the CPU if the
 * time slice is over.
 */
void cond_resched(void) {
    unlock_kernel();
    intr_enable();
    intr_disable();
    lock_kernel();
    if (current->need_resched) {
        schedule();
    }
}
