#ifndef __KERN_PROCESS_PROC_H__
#define __KERN_PROCESS_PROC_H__

#include <defs.h>
#include <list.h>
#include <unistd.h>
#include <cpu.h>

struct trapframe;
struct mm_struct;
struct file;
struct trace_event;

enum proc_state {
    PROC_UNINIT = 0,    /* being created */
    PROC_SLEEPING,      /* waiting (wait_state says for what) */
    PROC_RUNNABLE,      /* running or ready to */
    PROC_ZOMBIE,        /* exited; waiting for its parent to reap it */
};

/* Callee-saved registers: what switch_to keeps across a context switch. */
struct context {
    uintptr_t ra, sp;
    uintptr_t s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

#define PROC_NAME_LEN   31
#define MAX_PROCESS     4096
#define MAX_PID         (MAX_PROCESS * 2)

/*
 * A process (or thread: a process that shares its mm). Which lock
 * guards each field is said beside it or above its group.
 */
struct proc_struct {
    /* sched_lock (kern/schedule/sched.h): */
    enum proc_state state;
    uint32_t wait_state;            /* WT_xxx while sleeping */
    int cpu;                        /* the hart whose run queue it goes to (where it last ran) */
    list_entry_t run_link;          /* in that run queue */
    int runs;                       /* times it was scheduled */

    /* proc_lock (proc.c): the process table, the family, the thread group */
    int pid;
    struct proc_struct *parent;
    struct proc_struct *cptr;       /* youngest child */
    struct proc_struct *yptr;       /* next younger sibling */
    struct proc_struct *optr;       /* next older sibling */
    list_entry_t list_link;         /* in proc_list */
    list_entry_t hash_link;         /* in its hash_list bucket */
    list_entry_t thread_group;      /* the other live threads of its program (circular) */
    int exit_code;                  /* set as it becomes a zombie */

    /* atomic (proc_set_flag), since other harts kill it: */
    uint32_t flags;                 /* PF_xxx */

    /* private to the process itself (and the hart running it): */
    volatile bool need_resched;     /* give up the CPU at the next chance (its hart's tick) */
    int time_slice;                 /* ticks left before preemption (sched_lock while queued) */
    uintptr_t kstack;               /* bottom of its kernel stack */
    struct mm_struct *mm;           /* NULL for kernel threads; changed only by exec and exit */
    uintptr_t pgdir_pa;             /* physical address of its page table (for satp) */
    struct context context;         /* where switch_to resumes it */
    struct trapframe *tf;           /* its current trap frame */
    struct file *files[NOFILE];     /* open files by descriptor (a file's own lock for its pos) */
    struct trace_event *trace;      /* its COW event while it is off its hart (cow_trace.h) */
    char name[PROC_NAME_LEN + 1];
};

#define PF_EXITING      0x00000001  /* killed: exits on its way back to user */
#define PF_THREAD       0x00000002  /* made by clone(CLONE_THREAD): in a group, not its leader */
#define PF_EXECING      0x00000004  /* in exec, waiting for the rest of its group to end */

#define WT_INTERRUPTED  0x80000000  /* a kill may end this wait */
#define WT_CHILD        (0x00000001 | WT_INTERRUPTED)
#define WT_TIMER        (0x00000002 | WT_INTERRUPTED)
#define WT_RWSEM        0x00000004                      /* a reader/writer lock (kern/sync) */
#define WT_RWSEM_KILLABLE (0x00000010 | WT_INTERRUPTED) /* ... that a kill may end */
#define WT_GROUP        (0x00000008 | WT_INTERRUPTED)   /* exec: the other threads to exit */


#define le2proc(le, member) to_struct((le), struct proc_struct, member)

/* Set or clear flags (PF_xxx) of proc; any hart may, at any time. */
static inline void proc_set_flag(struct proc_struct *proc, uint32_t flag) {
    __atomic_fetch_or(&proc->flags, flag, __ATOMIC_SEQ_CST);
}

static inline void proc_clear_flag(struct proc_struct *proc, uint32_t flag) {
    __atomic_fetch_and(&proc->flags, ~flag, __ATOMIC_SEQ_CST);
}

static inline bool proc_has_flag(const struct proc_struct *proc, uint32_t flag) {
    return (__atomic_load_n(&proc->flags, __ATOMIC_SEQ_CST) & flag) != 0;
}

/* Has proc been killed (it exits the next time it leaves the kernel)? */
static inline bool proc_killed(const struct proc_struct *proc) {
    return proc_has_flag(proc, PF_EXITING);
}

extern struct proc_struct *initproc;     /* current and idleproc: per hart, cpu.h */
extern list_entry_t proc_list;          /* under proc_lock */

/*
 * proc_lock guards the process table (proc_list, the pid hash, pids),
 * every family link (parent, children, siblings), every thread group
 * and every zombie's exit code. Lock order: before sched_lock.
 */
extern spinlock_t proc_lock;

/* The running process's pid, or -1 before the first process (boot self-checks). */
static inline int current_pid(void) {
    return current != NULL ? current->pid : -1;
}

void proc_init(void);
void init_start(void);
void proc_hash_init(void);
void proc_run(struct proc_struct *proc);       /* sched_lock held */
int kernel_thread(int (*fn)(void *), void *arg, uint32_t clone_flags);
char *set_proc_name(struct proc_struct *proc, const char *name);
struct proc_struct *find_proc(int pid);
void reset_pids(void);
void cpu_idle(void) __noreturn;
struct proc_struct *idle_create(unsigned long hartid, uintptr_t kstack);
void trapret(struct trapframe *tf) __noreturn;

int do_fork(uint32_t clone_flags, uintptr_t stack, struct trapframe *tf);
void proc_unlink(struct proc_struct *proc);     /* a reaped zombie leaves the table (proc_lock) */
void proc_free(struct proc_struct *proc);       /* ... and is freed (no lock held) */

/* exit.c */
void exit_init(void);
int do_exit(int error_code) __noreturn;
int do_group_exit(int error_code) __noreturn;
int de_thread(void);
int do_yield(void);
int do_wait(int pid, int *code_store);
int do_kill(int pid);
size_t kill_ipis_sent(void);
int do_sleep(unsigned int time);
int do_execve(const char *name);
int do_brk(uintptr_t addr, uintptr_t *brk_store);
int kernel_execve(const char *name);

/* exec.c */
struct user_program {
    const char *name;
    const uint8_t *start, *end;
};
const struct user_program *find_program(const char *name);
void print_programs(void);
int load_icode(const uint8_t *binary, size_t size, struct mm_struct **mm_store,
               struct trapframe *tf);

#endif /* !__KERN_PROCESS_PROC_H__ */
