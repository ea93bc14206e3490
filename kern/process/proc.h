#ifndef __KERN_PROCESS_PROC_H__
#define __KERN_PROCESS_PROC_H__

#include <defs.h>
#include <list.h>
#include <unistd.h>
#include <cpu.h>

struct trapframe;
struct mm_struct;
struct file;

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

struct proc_struct {
    enum proc_state state;
    int pid;
    int runs;                       /* times it was scheduled */
    uintptr_t kstack;               /* bottom of its kernel stack */
    volatile bool need_resched;     /* give up the CPU at the next chance */
    struct proc_struct *parent;
    struct mm_struct *mm;           /* NULL for kernel threads */
    struct context context;         /* where switch_to resumes it */
    struct trapframe *tf;           /* its current trap frame */
    uintptr_t pgdir_pa;             /* physical address of its page table (for satp) */
    uint32_t flags;                 /* PF_xxx */
    char name[PROC_NAME_LEN + 1];
    list_entry_t list_link;         /* in proc_list */
    list_entry_t hash_link;         /* in its hash_list bucket */
    int exit_code;
    uint32_t wait_state;            /* WT_xxx while sleeping */
    struct proc_struct *cptr;       /* youngest child */
    struct proc_struct *yptr;       /* next younger sibling */
    struct proc_struct *optr;       /* next older sibling */
    list_entry_t run_link;          /* in the run queue */
    int time_slice;                 /* ticks left before preemption */
    struct file *files[NOFILE];     /* open files by descriptor */
    list_entry_t thread_group;      /* the other threads of its program (circular) */
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

extern struct proc_struct *initproc;     /* current and idleproc: per hart, cpu.h */
extern list_entry_t proc_list;

/* The running process's pid, or -1 before the first process (boot self-checks). */
static inline int current_pid(void) {
    return current != NULL ? current->pid : -1;
}

void proc_init(void);
void proc_hash_init(void);
void proc_run(struct proc_struct *proc);
int kernel_thread(int (*fn)(void *), void *arg, uint32_t clone_flags);
char *set_proc_name(struct proc_struct *proc, const char *name);
struct proc_struct *find_proc(int pid);
void reset_pids(void);
void cpu_idle(void) __noreturn;
struct proc_struct *idle_create(unsigned long hartid, uintptr_t kstack);
void trapret(struct trapframe *tf) __noreturn;

int do_fork(uint32_t clone_flags, uintptr_t stack, struct trapframe *tf);
void proc_free(struct proc_struct *proc);

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
