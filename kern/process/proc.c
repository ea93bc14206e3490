#include <proc.h>
#include <fs.h>
#include <mman.h>
#include <trap.h>
#include <kmalloc.h>
#include <string.h>
#include <spinlock.h>
#include <pgtable.h>
#include <vmm.h>
#include <cow.h>
#include <error.h>
#include <sched.h>
#include <stdio.h>
#include <assert.h>
#include <riscv.h>

/*
 * Processes: the table, creation (do_fork) and switching (proc_run);
 * exit.c ends them. Each process has a two-page kernel stack whose top
 * holds its trap frame. pid 0 is the idle thread, pid 1 the init thread,
 * which starts the user program and reaps every orphan.
 */

list_entry_t proc_list;
static struct lock_class proc_lock_class = LOCK_CLASS("proc");
spinlock_t proc_lock = SPINLOCK_INIT(&proc_lock_class);

#define HASH_SHIFT 10
#define HASH_LIST_SIZE (1 << HASH_SHIFT)
#define pid_hashfn(x) ((uint32_t)(x) % HASH_LIST_SIZE)

static list_entry_t hash_list[HASH_LIST_SIZE];     /* under proc_lock */

struct proc_struct *initproc;

static int nr_process;                              /* under proc_lock */

void kernel_thread_entry(void);
void forkrets(struct trapframe *tf) __noreturn;
void switch_to(struct context *from, struct context *to);

/* A zeroed proc_struct in state PROC_UNINIT, or NULL. */
static struct proc_struct *alloc_proc(void) {
    struct proc_struct *proc = kmalloc(sizeof(struct proc_struct));
    if (proc != NULL) {
        memset(proc, 0, sizeof(struct proc_struct));
        proc->state = PROC_UNINIT;
        proc->pid = -1;
        proc->pgdir_pa = boot_pgdir_pa;
        list_init(&proc->run_link);
        list_init(&proc->thread_group);
    }
    return proc;
}

char *set_proc_name(struct proc_struct *proc, const char *name) {
    memset(proc->name, 0, sizeof(proc->name));
    return strncpy(proc->name, name, PROC_NAME_LEN);
}

/* Link proc into the process list and under its parent (proc_lock held). */
static void set_links(struct proc_struct *proc) {
    list_add(&proc_list, &proc->list_link);
    nr_process++;
    /* LAB lab5 3: BEGIN
     * YOUR CODE: make proc the youngest child of proc->parent: the
     * parent's cptr points at its youngest child, and siblings are linked
     * through optr (next older) and yptr (next younger). remove_links
     * undoes this; do_wait and do_exit walk it.
     * STUB:
     *     (void)proc;
     */
    proc->yptr = NULL;
    if ((proc->optr = proc->parent->cptr) != NULL) {
        proc->optr->yptr = proc;
    }
    proc->parent->cptr = proc;
    /* LAB lab5 3: END */
}

/* Take proc out of the process table and its parent's children (proc_lock held). */
static void remove_links(struct proc_struct *proc) {
    list_del(&proc->list_link);
    if (proc->optr != NULL) {
        proc->optr->yptr = proc->yptr;
    }
    if (proc->yptr != NULL) {
        proc->yptr->optr = proc->optr;
    } else {
        proc->parent->cptr = proc->optr;
    }
    nr_process--;
}

/* The process with this pid, or NULL (proc_lock held). */
struct proc_struct *find_proc(int pid) {
    if (0 < pid && pid < MAX_PID) {
        list_entry_t *list = &hash_list[pid_hashfn(pid)], *le = list;
        while ((le = list_next(le)) != list) {
            struct proc_struct *proc = le2proc(le, hash_link);
            if (proc->pid == pid) {
                return proc;
            }
        }
    }
    return NULL;
}

static int last_pid;         /* the pid given out last (proc_lock) */

/* An unused pid (proc_lock held); there is always one since MAX_PID > MAX_PROCESS. */
static int get_pid(void) {
    do {
        last_pid = last_pid + 1 < MAX_PID ? last_pid + 1 : 1;
    } while (find_proc(last_pid) != NULL);
    return last_pid;
}

/*
 * Number the next process 2 again, as after boot: init calls this
 * between the programs of one boot, when only it (and the idle threads,
 * pid 0) are left.
 */
void reset_pids(void) {
    spin_lock(&proc_lock);
    assert(nr_process == 1 && initproc != NULL && initproc->pid == 1);
    last_pid = 1;
    spin_unlock(&proc_lock);
}

/* Switch this hart to proc: its page table, then its registers (sched_lock held). */
void proc_run(struct proc_struct *proc) {
    if (proc != current) {
        struct proc_struct *prev = current;
        prev->trace = mycpu()->trace;       /* its COW event, if it is in one */
        mycpu()->trace = proc->trace;
        current = proc;
        load_pgdir(proc->pgdir_pa);
        switch_to(&prev->context, &proc->context);
    }
}

/* Leave the kernel through trap frame tf (a new or exec'd process). */
void trapret(struct trapframe *tf) {
    forkrets(tf);
}

/* A new process's first kernel code: let go of its switcher's sched_lock, leave through its frame. */
static void forkret(void) {
    finish_switch();
    trapret(current->tf);
}

/*
 * Start fn(arg) as a kernel thread; returns its pid or an error. It
 * shares the kernel's address space and exits with fn's return value.
 */
int kernel_thread(int (*fn)(void *), void *arg, uint32_t clone_flags) {
    struct trapframe tf;
    memset(&tf, 0, sizeof(struct trapframe));
    tf.gpr.s0 = (uintptr_t)fn;
    tf.gpr.s1 = (uintptr_t)arg;
    tf.status = (read_csr(sstatus) | SSTATUS_SPP) & ~(SSTATUS_SIE | SSTATUS_SPIE);
    tf.epc = (uintptr_t)kernel_thread_entry;
    return do_fork(clone_flags | CLONE_VM, 0, &tf);
}

static int setup_kstack(struct proc_struct *proc) {
    struct Page *page = alloc_pages(KSTACKPAGE);
    if (page == NULL) {
        return -E_NO_MEM;
    }
    proc->kstack = (uintptr_t)page2kva(page);
    return 0;
}

static void put_kstack(struct proc_struct *proc) {
    free_pages(kva2page((void *)proc->kstack), KSTACKPAGE);
}

/* Take a reaped zombie out of the table and its parent's children (proc_lock held). */
void proc_unlink(struct proc_struct *proc) {
    assert(spin_holding(&proc_lock) && proc->state == PROC_ZOMBIE);
    list_del(&proc->hash_link);
    remove_links(proc);
}

/*
 * Free an unlinked zombie: its kernel stack and struct. The zombie took
 * sched_lock before it became one and switched away still holding it,
 * so once this hart has held sched_lock too, nothing runs on that stack.
 */
void proc_free(struct proc_struct *proc) {
    spin_lock(&sched_lock);
    spin_unlock(&sched_lock);
    put_kstack(proc);
    kfree(proc);
}

/*
 * Give proc an address space: the parent's own with CLONE_VM, else a
 * copy of it (shared copy-on-write when COW is on). 0, -E_NO_MEM, or
 * -E_KILLED if a kill ended the wait for the parent's lock; nothing is
 * left behind on failure. May sleep.
 */
static int copy_mm(uint32_t clone_flags, struct proc_struct *proc) {
    struct mm_struct *mm, *oldmm = current->mm;
    if (oldmm == NULL) {
        return 0;                       /* a kernel thread */
    }
    if (!(clone_flags & CLONE_VM)) {
        if ((mm = mm_create()) == NULL) {
            return -E_NO_MEM;
        }
        int ret = mmap_write_lock_killable(oldmm);     /* waits for a forced write in flight */
        if (ret == 0) {
            ret = dup_mmap(mm, oldmm);
            mmap_write_unlock(oldmm);
        }
        if (ret != 0) {
            mmput(mm);
            return ret;
        }
    } else {
        mm = oldmm;
        mm_count_inc(mm);
    }
    proc->mm = mm;
    proc->pgdir_pa = PADDR(mm->pgdir);
    return 0;
}

/* Drop what copy_mm gave proc (a failed fork's undo). */
static void put_mm(struct proc_struct *proc) {
    if (proc->mm != NULL) {
        mmput(proc->mm);
        proc->mm = NULL;
    }
}

/*
 * May the child of a fork be made now? On entry a quick look; and
 * again with proc_lock held, just before the child is linked in, since
 * copying the address space may have slept: the parent may have been
 * killed, or the table filled up, meanwhile (a kill marks the group
 * under proc_lock too). 0, -E_KILLED or -E_NO_FREE_PROC.
 */
static int fork_allowed(void) {
    if (proc_killed(current)) {
        return -E_KILLED;               /* a dying group gains no members */
    }
    return __atomic_load_n(&nr_process, __ATOMIC_RELAXED) < MAX_PROCESS ? 0 : -E_NO_FREE_PROC;
}

/*
 * Make proc known: a pid, the table, its parent's children, and (a
 * thread) the parent's group; or, if the fork may not go on after all,
 * nothing and the error (see fork_allowed).
 */
static int publish_child(struct proc_struct *proc, uint32_t clone_flags) {
    spin_lock(&proc_lock);
    int ret = fork_allowed();
    if (ret == 0) {
        proc->pid = get_pid();
        list_add(hash_list + pid_hashfn(proc->pid), &proc->hash_link);
        set_links(proc);
        if (clone_flags & CLONE_THREAD) {
            proc->flags |= PF_THREAD;
            list_add(&current->thread_group, &proc->thread_group);
        }
    }
    spin_unlock(&proc_lock);
    return ret;
}

/* Put a copy of tf on top of proc's kernel stack; the child sees fork() return 0. */
static void copy_thread(struct proc_struct *proc, uintptr_t stack, struct trapframe *tf) {
    proc->tf = (struct trapframe *)(proc->kstack + KSTACKSIZE) - 1;
    *(proc->tf) = *tf;
    proc->tf->gpr.a0 = 0;
    proc->tf->gpr.sp = stack != 0 ? stack : (tf->status & SSTATUS_SPP ? (uintptr_t)proc->tf : tf->gpr.sp);
    proc->context.ra = (uintptr_t)forkret;
    proc->context.sp = (uintptr_t)proc->tf;
}

/*
 * Create a child of the current process that resumes from trap frame tf
 * (on user stack `stack` if non-zero). Returns the child's pid, or
 * -E_NO_FREE_PROC / -E_NO_MEM / -E_KILLED with nothing allocated left
 * behind. Copying the address space may sleep: what allowed the fork
 * is checked again after it, as the child is made visible.
 */
int do_fork(uint32_t clone_flags, uintptr_t stack, struct trapframe *tf) {
    struct proc_struct *proc;
    int ret = fork_allowed();           /* refuse early; checked again in publish_child */
    if (ret != 0) {
        return ret;
    }
    if ((proc = alloc_proc()) == NULL) {
        return -E_NO_MEM;
    }
    proc->parent = current;
    proc->cpu = current->cpu;           /* first in its parent's hart's queue */
    set_proc_name(proc, current->name);
    if (setup_kstack(proc) != 0) {
        kfree(proc);
        return -E_NO_MEM;
    }
    struct trace_event ev;
    size_t forked_before = cow_forked_total();
    trace_begin(&ev);
    if ((ret = copy_mm(clone_flags, proc)) == 0) {
        copy_thread(proc, stack, tf);
        files_fork(proc, current);
        if ((ret = publish_child(proc, clone_flags)) != 0) {
            files_close_all(proc);
            put_mm(proc);               /* slept in copy_mm, and may not go on */
        }
    }
    if (ret != 0) {
        trace_end(&ev, TRACE_COW, "fork-failed", "fork failed: %e", ret);
        put_kstack(proc);
        kfree(proc);
        return ret;
    }
    int pid = proc->pid;                /* (proc may run, and end, once woken) */
    trace_end(&ev, TRACE_COW, (clone_flags & CLONE_VM) ? NULL : cow_enabled() ? "fork" : "fork-copy",
              "fork -> %d: %d pages %s", pid, (int)(cow_forked_total() - forked_before),
              cow_enabled() ? "shared" : "copied");
    if (clone_flags & CLONE_THREAD) {
        wakeup_new_thread(proc);
    } else {
        wakeup_proc(proc);
    }
    return pid;
}

int do_yield(void) {
    current->need_resched = 1;
    return 0;
}

/* Sleep for `time` timer ticks (or until killed). */
int do_sleep(unsigned int time) {
    if (time != 0) {
        do_sleep_ticks(time);
    }
    return 0;
}

/* Run the boot-chosen user program in the current kernel thread (pid 2). */
int kernel_execve(const char *name) {
    cprintf("kernel_execve: pid = %d, name = \"%s\".\n", current->pid, name);
    int ret = do_execve(name);
    if (ret == 0) {
        trapret(current->tf);
    }
    return ret;
}

void proc_hash_init(void) {
    for (int i = 0; i < HASH_LIST_SIZE; i++) {
        list_init(hash_list + i);
    }
}
