#include <proc.h>
#include <vmm.h>
#include <pgtable.h>
#include <cow.h>
#include <fs.h>
#include <sched.h>
#include <wait.h>
#include <error.h>
#include <stdio.h>
#include <sbi.h>
#include <riscv.h>

/*
 * How processes end: exit (do_exit), killing (do_kill), and reaping by
 * the parent (do_wait).
 *
 * The threads of one program form a thread group, whoever created them
 * (proc->thread_group links the members; the leader is the one without
 * PF_THREAD). As with Linux's exit_group, the group ends together: when
 * its leader exits, or when any member is killed (by kill(), by a bad
 * access, or for want of memory). A thread that merely returns ends
 * alone. exec first ends every other member (de_thread).
 *
 * A member leaves the group when it is dead (a zombie), except the
 * leader, which stays in it until the others have left: only then may
 * its parent reap it (reapable), so waitpid never returns a program
 * whose threads still run.
 *
 * All of it happens under proc_lock (proc.c): the family, the groups,
 * exit codes, and the queue de_thread waits on.
 */

static wait_queue_t group_exit_queue;  /* de_thread waits here for members to die (proc_lock) */
static size_t kill_ipis;               /* kills that interrupted another hart (atomic) */

void exit_init(void) {
    wait_queue_init(&group_exit_queue);
}

/* How many kills interrupted the hart running their target (memstat). */
size_t kill_ipis_sent(void) {
    return __atomic_load_n(&kill_ipis, __ATOMIC_RELAXED);
}

/*
 * If proc runs on another hart, interrupt it there: it then exits on
 * its way back to user mode. (Which process a hart runs is a hint: a
 * stale one costs a spurious interrupt, or the process comes into the
 * kernel soon anyway and sees the kill.)
 */
static void interrupt_hart_of(struct proc_struct *proc) {
    for_each_cpu(c) {
        if (c != mycpu() && c->started && __atomic_load_n(&c->proc, __ATOMIC_RELAXED) == proc) {
            __atomic_fetch_add(&kill_ipis, 1, __ATOMIC_RELAXED);
            sbi_send_ipi(cpu_bit(c));
        }
    }
}

/*
 * Mark proc to exit the next time it leaves the kernel: wake it if it
 * sleeps interruptibly, interrupt its hart if it runs. True if it was
 * alive and not yet marked. proc_lock held.
 */
static bool kill_one(struct proc_struct *proc) {
    if (proc->state == PROC_ZOMBIE || proc_killed(proc)) {
        return false;
    }
    proc_set_flag(proc, PF_EXITING);
    wakeup_sleeping(proc, WT_INTERRUPTED);
    interrupt_hart_of(proc);
    return true;
}

/*
 * Kill the members of proc's thread group. With spare == NULL (a kill
 * from outside) every one, a member in exec included; otherwise the
 * group is ending from within: spare lives on, and so does a member
 * whose exec has claimed the group. Returns how many were newly marked.
 */
static int kill_group(struct proc_struct *proc, struct proc_struct *spare) {
    list_entry_t *le = &proc->thread_group;
    int killed = 0;
    do {
        struct proc_struct *member = le2proc(le, thread_group);
        if (spare == NULL || (member != spare && !proc_has_flag(member, PF_EXECING))) {
            killed += kill_one(member);
        }
        le = list_next(le);
    } while (le != &proc->thread_group);
    return killed;
}

/* The leader of proc's group (the member without PF_THREAD), or NULL. */
static struct proc_struct *group_leader(struct proc_struct *proc) {
    list_entry_t *le = &proc->thread_group;
    do {
        struct proc_struct *member = le2proc(le, thread_group);
        if (!proc_has_flag(member, PF_THREAD)) {
            return member;
        }
        le = list_next(le);
    } while (le != &proc->thread_group);
    return NULL;
}

/* May proc's parent reap it: dead, and (a leader) the last of its group? */
static bool reapable(struct proc_struct *proc) {
    return proc->state == PROC_ZOMBIE && list_empty(&proc->thread_group);
}

/*
 * The current process leaves its group (it is dead, or an exec has
 * ended the rest): an exec waiting for that is woken, and so is the
 * parent of a dead leader that is now the last of its group.
 */
static void leave_group(void) {
    if (list_empty(&current->thread_group)) {
        return;
    }
    struct proc_struct *leader = group_leader(current);
    list_del_init(&current->thread_group);
    wait_queue_wake_all(&group_exit_queue);
    if (leader != NULL && leader != current && reapable(leader)) {
        wakeup_sleeping(leader->parent, WT_CHILD);
    }
}

/* Is any member of current's group other than current still alive? */
static bool others_alive(void) {
    for (list_entry_t *le = list_next(&current->thread_group); le != &current->thread_group;
         le = list_next(le)) {
        if (le2proc(le, thread_group)->state != PROC_ZOMBIE) {
            return true;
        }
    }
    return false;
}

/* Hand every child of the exiting current process to init. */
static void reparent_children(void) {
    struct proc_struct *proc;
    while ((proc = current->cptr) != NULL) {
        current->cptr = proc->optr;
        proc->yptr = NULL;
        if ((proc->optr = initproc->cptr) != NULL) {
            initproc->cptr->yptr = proc;
        }
        proc->parent = initproc;
        initproc->cptr = proc;
        if (reapable(proc)) {
            wakeup_sleeping(initproc, WT_CHILD);
        }
    }
}

/*
 * The current process lets go of its address space. It leaves that
 * page table first (for the kernel's own), so that no translation is
 * ever walked through a table that mmput is about to free.
 */
static void exit_mm(void) {
    struct mm_struct *mm = current->mm;
    if (mm != NULL) {
        current->mm = NULL;
        current->pgdir_pa = boot_pgdir_pa;
        load_pgdir(boot_pgdir_pa);
        mmput_audited(mm);
    }
}

/*
 * End the current process: a group leader takes its threads along;
 * release files and address space, become a zombie, leave the group (a
 * leader stays until the others have left), give the children to init.
 * The parent may reap it once it is reapable. It becomes a zombie with
 * sched_lock held and keeps it until it has switched away for good
 * (proc_free relies on that). Never returns.
 */
int do_exit(int error_code) {
    if (current == idleproc || current == initproc) {
        panic("%s exits with %d", current->name, error_code);
    }
    if (!proc_has_flag(current, PF_THREAD)) {
        spin_lock(&proc_lock);
        kill_group(current, current);
        spin_unlock(&proc_lock);
    }
    files_close_all(current);
    exit_mm();
    spin_lock(&proc_lock);
    current->exit_code = error_code;
    if (proc_has_flag(current, PF_THREAD)) {
        leave_group();
    } else {
        wait_queue_wake_all(&group_exit_queue);     /* an exec in a thread waits for us */
    }
    reparent_children();
    spin_lock(&sched_lock);
    current->state = PROC_ZOMBIE;
    if (reapable(current)) {
        wakeup_sleeping_locked(current->parent, WT_CHILD);
    }
    spin_unlock(&proc_lock);
    schedule_locked();
    panic("do_exit will not return!! %d", current->pid);
}

/* End the current process and every other member of its thread group. */
int do_group_exit(int error_code) {
    spin_lock(&proc_lock);
    kill_group(current, current);
    spin_unlock(&proc_lock);
    do_exit(error_code);
}

/*
 * Before exec replaces the program: end every other member of the
 * caller's thread group and wait until they are dead. The caller then
 * leaves the group (a dead leader left behind is now its parent's to
 * reap) and is an ordinary process, a group of one. 0, or -E_KILLED if
 * the caller itself was killed meanwhile (it exits on its way out).
 */
int de_thread(void) {
    int ret = 0;
    spin_lock(&proc_lock);
    if (!proc_killed(current)) {
        kill_group(current, current);
        proc_set_flag(current, PF_EXECING);
        while (others_alive() && !proc_killed(current)) {
            wait_queue_sleep(&group_exit_queue, WT_GROUP, &proc_lock);
        }
        proc_clear_flag(current, PF_EXECING);
    }
    if (proc_killed(current)) {
        ret = -E_KILLED;                /* the group is ending (another exec, or a kill) */
    } else {
        leave_group();
        proc_clear_flag(current, PF_THREAD);
    }
    spin_unlock(&proc_lock);
    return ret;
}

/* A reapable child of current matching pid (0 = any); *haskid says if any matched. */
static struct proc_struct *find_zombie_child(int pid, bool *haskid) {
    *haskid = false;
    for (struct proc_struct *proc = current->cptr; proc != NULL; proc = proc->optr) {
        if (pid == 0 || proc->pid == pid) {
            *haskid = true;
            if (reapable(proc)) {
                return proc;
            }
        }
    }
    return NULL;
}

/*
 * Wait for child pid (0: any child) to exit, store its exit code at user
 * address code_store (if not NULL) and free it. Returns 0, -E_BAD_PROC if
 * there is no such child, -E_FAULT for a bad code_store or -E_NO_MEM if
 * it could not be written (the child stays waitable, nothing written),
 * -E_KILLED if killed while waiting.
 */
int do_wait(int pid, int *code_store) {
    struct mm_struct *mm = current->mm;
    if (code_store != NULL && !user_mem_check(mm, (uintptr_t)code_store, sizeof(int), true)) {
        return -E_FAULT;
    }
    if (pid < 0) {
        return -E_BAD_PROC;
    }
    struct proc_struct *proc;
    bool haskid;
    spin_lock(&proc_lock);
    while ((proc = find_zombie_child(pid, &haskid)) == NULL) {
        if (!haskid) {
            spin_unlock(&proc_lock);
            return -E_BAD_PROC;
        }
        sleep_on(WT_CHILD, &proc_lock);
        if (proc_killed(current)) {
            spin_unlock(&proc_lock);
            do_exit(-E_KILLED);
        }
    }
    if (code_store != NULL) {
        int code = proc->exit_code;
        spin_unlock(&proc_lock);
        int ret = copy_to_user(mm, code_store, &code, sizeof(int));     /* may sleep */
        if (ret != 0) {
            return ret;
        }
        spin_lock(&proc_lock);          /* still ours: only its parent, this thread, reaps it */
    }
    proc_unlink(proc);
    spin_unlock(&proc_lock);
    proc_free(proc);
    return 0;
}

/*
 * Kill process pid and the rest of its thread group, a member in exec
 * included: each exits the next time it leaves the kernel, sleepers
 * that may be interrupted are woken, and harts running one are
 * interrupted. 0, -E_INVAL for no such process (or idle and init, which
 * cannot be killed), -E_KILLED if every member was dying already.
 */
int do_kill(int pid) {
    int ret = -E_INVAL;
    spin_lock(&proc_lock);
    struct proc_struct *proc = find_proc(pid);
    if (proc != NULL && proc != idleproc && proc != initproc) {
        ret = kill_group(proc, NULL) > 0 ? 0 : -E_KILLED;
    }
    spin_unlock(&proc_lock);
    return ret;
}
