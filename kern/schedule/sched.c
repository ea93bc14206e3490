#include <sched.h>
#include <default_sched.h>
#include <proc.h>
#include <cpu.h>
#include <lockdep.h>
#include <sbi.h>
#include <bootargs.h>
#include <clock.h>
#include <intr.h>
#include <stdio.h>
#include <assert.h>

/*
 * Picking who runs, and timers for sleeping processes. The policy is
 * chosen in one place (sched_init).
 *
 * Every hart has a run queue. A process is queued on the hart it last
 * ran on (proc->cpu; a new one on its parent's), so a parent that waits
 * for the child it just forked hands its hart to the child, and the
 * child's exit hands it back: no other hart is woken for that. Work
 * spreads when it piles up: a wake-up that leaves a queue with more than
 * one process waiting interrupts an idle hart, and an idle hart that
 * wakes up (that interrupt, or its own timer tick) takes a process from
 * the fullest queue (sched_steal). A process woken for a hart that sits
 * idle interrupts that hart.
 *
 * One lock, sched_lock, guards all queues, the timers and the state of
 * every process, and it is held across the switch: the process that
 * switches away takes it, and the one that resumes (or a new one, in
 * finish_switch) lets it go. So a waker that finds a process asleep
 * finds it off every hart, and sleep_on (xv6's sleep(chan, lk)) cannot
 * miss a wake-up: the sleeper lets go of the condition's lock only once
 * it holds sched_lock, and the waker needs both.
 *
 * The idle thread is never queued: it runs when its hart has nothing
 * else, and gives the hart away as soon as there is work.
 */

spinlock_t sched_lock;
static struct lock_class sched_lock_class = LOCK_CLASS("sched");
static const struct sched_class *sched_class;
static struct run_queue rqs[NCPU];      /* by hart id */
static list_entry_t timer_list;         /* under sched_lock */

#define DEFAULT_TIME_SLICE 5    /* ticks: 50 ms */

void sched_init(void) {
    spin_init(&sched_lock, &sched_lock_class);
    list_init(&timer_list);
    sched_class = &default_sched_class;
    int slice = bootarg_long("timeslice", DEFAULT_TIME_SLICE);
    for (int i = 0; i < NCPU; i++) {
        sched_class->init(&rqs[i]);
        rqs[i].max_time_slice = slice > 0 ? slice : DEFAULT_TIME_SLICE;
    }
    cprintf("sched class: %s, time slice %d ticks\n", sched_class->name, rqs[0].max_time_slice);
}

static struct run_queue *this_rq(void) {
    return &rqs[cpu_id()];
}

/* Interrupt hart c if it idles and nobody has told it yet. */
static void kick(struct cpu *c) {
    if (!__atomic_exchange_n(&c->kicked, true, __ATOMIC_SEQ_CST)) {
        sbi_send_ipi(cpu_bit(c));
    }
}

/* Another hart that idles (and has not been kicked yet), or NULL. */
static struct cpu *idle_hart(void) {
    for_each_cpu(c) {
        if (c != mycpu() && c->started && c->proc == c->idle &&
            !__atomic_load_n(&c->kicked, __ATOMIC_RELAXED)) {
            return c;
        }
    }
    return NULL;
}

/* Interrupt one other idle hart, so that it comes for waiting work. */
static void kick_idle_hart(void) {
    struct cpu *c = idle_hart();
    if (c != NULL) {
        kick(c);
    }
}

/* Queue proc on its hart, and see that some hart will come for it. */
static void enqueue(struct proc_struct *proc) {
    struct cpu *home = &cpus[proc->cpu];
    struct run_queue *rq = &rqs[proc->cpu];
    sched_class->enqueue(rq, proc);
    if (home != mycpu() && home->proc == home->idle) {
        kick(home);
    } else if (rq->proc_num > 1) {
        kick_idle_hart();
    }
}

/* Make proc runnable and queue it (sched_lock held). It is on no hart: see the top. */
void wakeup_proc_locked(struct proc_struct *proc) {
    assert(spin_holding(&sched_lock) && proc->state != PROC_ZOMBIE);
    if (proc->state != PROC_RUNNABLE) {
        proc->state = PROC_RUNNABLE;
        proc->wait_state = 0;
        if (proc != current && proc != idleproc) {
            enqueue(proc);
        }
    }
}

void wakeup_proc(struct proc_struct *proc) {
    spin_lock(&sched_lock);
    wakeup_proc_locked(proc);
    spin_unlock(&sched_lock);
}

/*
 * Start a new thread: on an idle hart if there is one, since a thread is
 * made to run beside its creator (a forked child, by contrast, starts on
 * its parent's hart, which it often soon has to itself: the parent waits).
 */
void wakeup_new_thread(struct proc_struct *proc) {
    spin_lock(&sched_lock);
    struct cpu *idle = idle_hart();
    if (idle != NULL) {
        proc->cpu = (int)idle->hartid;
    }
    wakeup_proc_locked(proc);
    spin_unlock(&sched_lock);
}

/*
 * Wake proc if it sleeps with every bit of `how` in its wait state
 * (WT_CHILD: in wait; WT_INTERRUPTED: in any sleep a kill may end).
 * The look is made under sched_lock, where sleepers settle: see sleep_on.
 */
void wakeup_sleeping_locked(struct proc_struct *proc, uint32_t how) {
    if (proc->state == PROC_SLEEPING && (proc->wait_state & how) == how) {
        wakeup_proc_locked(proc);
    }
}

void wakeup_sleeping(struct proc_struct *proc, uint32_t how) {
    spin_lock(&sched_lock);
    wakeup_sleeping_locked(proc, how);
    spin_unlock(&sched_lock);
}

/* Is anyone waiting in this hart's queue? (Without the lock: a hint.) */
bool sched_has_work(void) {
    return __atomic_load_n(&this_rq()->proc_num, __ATOMIC_RELAXED) > 0;
}

/*
 * An idle hart takes the longest-waiting process of the fullest other
 * queue into its own (sched_lock held). True if it took one.
 */
bool sched_steal(void) {
    assert(spin_holding(&sched_lock));
    struct run_queue *fullest = NULL;
    for (int i = 0; i < NCPU; i++) {
        if (&rqs[i] != this_rq() && rqs[i].proc_num > 0 &&
            (fullest == NULL || rqs[i].proc_num > fullest->proc_num)) {
            fullest = &rqs[i];
        }
    }
    struct proc_struct *proc = fullest != NULL ? sched_class->pick_next(fullest) : NULL;
    if (proc == NULL) {
        return false;
    }
    sched_class->dequeue(fullest, proc);
    proc->cpu = cpu_id();
    sched_class->enqueue(this_rq(), proc);
    return true;
}

/*
 * Give this hart to the next process of its queue (or to idle); entered
 * and left with sched_lock held and no other spinlock (it is the
 * kernel's one place to sleep). A killed process does not begin a
 * sleep that a kill may end: it stays runnable, and the caller sees
 * PF_EXITING when this returns (it may have been killed while it ran in
 * user mode on another hart, before it came in to sleep).
 */
void schedule_locked(void) {
    struct proc_struct *prev = current;
    assert(spin_holding(&sched_lock) && !(read_csr(sstatus) & SSTATUS_SIE));
    lockdep_assert_may_sleep(&sched_lock);
    prev->need_resched = 0;
    if (prev->state == PROC_SLEEPING && (prev->wait_state & WT_INTERRUPTED) &&
        proc_killed(prev)) {
        prev->state = PROC_RUNNABLE;
        prev->wait_state = 0;
    }
    if (prev->state == PROC_RUNNABLE && prev != idleproc) {
        prev->cpu = cpu_id();
        sched_class->enqueue(this_rq(), prev);
    }
    struct proc_struct *next = sched_class->pick_next(this_rq());
    if (next != NULL) {
        sched_class->dequeue(this_rq(), next);
    } else {
        next = idleproc;
    }
    next->cpu = cpu_id();
    next->runs++;
    proc_run(next);
}

void schedule(void) {
    spin_lock(&sched_lock);
    schedule_locked();
    spin_unlock(&sched_lock);
}

/* A process switched to for the first time lets go of the lock its switcher took. */
void finish_switch(void) {
    spin_unlock(&sched_lock);
}

/*
 * Sleep in wait_state until woken (or killed, if the state is
 * WT_INTERRUPTED), letting go of lk meanwhile. lk guards the condition
 * the caller waits for, so the waker, which changes it under lk, cannot
 * come between the caller's check and its sleep (xv6's sleep). lk is
 * held again on return; the caller checks its condition again.
 */
void sleep_on(uint32_t wait_state, spinlock_t *lk) {
    spin_lock(&sched_lock);
    spin_unlock(lk);
    current->state = PROC_SLEEPING;
    current->wait_state = wait_state;
    schedule_locked();
    spin_unlock(&sched_lock);
    spin_lock(lk);
}

/* Sleep for `time` timer ticks, or until killed. */
void do_sleep_ticks(unsigned int time) {
    timer_t timer;
    timer_init(&timer, current, time);
    spin_lock(&sched_lock);
    list_add_before(&timer_list, &timer.timer_link);
    current->state = PROC_SLEEPING;
    current->wait_state = WT_TIMER;
    schedule_locked();
    list_del_init(&timer.timer_link);       /* still listed if a kill woke us */
    spin_unlock(&sched_lock);
}

/* Every tick of the boot hart's timer: wake sleepers whose time has come. */
void run_timer_list(void) {
    spin_lock(&sched_lock);
    list_entry_t *le = list_next(&timer_list);
    while (le != &timer_list) {
        timer_t *timer = le2timer(le, timer_link);
        le = list_next(le);
        if (timer->expires <= ticks) {
            list_del_init(&timer->timer_link);
            if (timer->proc->state == PROC_SLEEPING) {
                wakeup_proc_locked(timer->proc);
            }
        }
    }
    spin_unlock(&sched_lock);
}

/* Every tick of this hart's timer: charge the process running here (its own fields). */
void sched_tick(void) {
    if (current != NULL && current != idleproc) {
        sched_class->proc_tick(this_rq(), current);
    }
}

/*
 * A preemption point for long kernel loops (with no spinlock held):
 * take a pending interrupt, and give up the CPU if the time slice is over.
 */
void cond_resched(void) {
    lockdep_assert_may_sleep(NULL);
    intr_enable();
    intr_disable();
    if (current->need_resched) {
        schedule();
    }
}
