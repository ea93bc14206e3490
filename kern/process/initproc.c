#include <proc.h>
#include <pmm.h>
#include <kmalloc.h>
#include <cow.h>
#include <cow_trace.h>
#include <sched.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <power.h>
#include <intr.h>
#include <spinlock.h>
#include <error.h>

/*
 * The first threads. idle (pid 0) is the boot thread itself; init
 * (pid 1) records the free memory, starts the program named by the boot
 * argument prog= as pid 2, reaps every process until none is left, then
 * checks that memory is exactly as before and powers the machine off.
 */

#define DEFAULT_PROGRAM "forktest"

static int user_main(void *arg) {
    const char *name = arg;
    int ret = kernel_execve(name);
    cprintf("kernel_execve \"%s\" failed: %d\n", name, ret);
    return ret;
}

/* Compare free pages and kmalloc bytes with the values before the program. */
static void check_memory(size_t free_before, size_t kbytes_before) {
    size_t free_after = nr_free_pages(), kbytes_after = kmalloc_bytes();
    if (free_after != free_before || kbytes_after != kbytes_before) {
        panic("init check memory failed: free pages %d -> %d, kmalloc bytes %d -> %d",
              (int)free_before, (int)free_after, (int)kbytes_before, (int)kbytes_after);
    }
    cprintf("init check memory pass.\n");
}

static int init_main(void *arg) {
    (void)arg;
    size_t free_before = nr_free_pages(), kbytes_before = kmalloc_bytes();
    const char *prog = bootarg("prog");
    if (prog == NULL || *prog == '\0') {
        prog = DEFAULT_PROGRAM;
    }
    if (find_program(prog) == NULL) {
        cprintf("unknown program \"%s\"\n", prog);
        print_programs();
        power_off(EXIT_NO_PROGRAM);
    }
    int pid = kernel_thread(user_main, (void *)prog, 0);
    if (pid <= 0) {
        panic("create user_main failed: %d", pid);
    }
    failalloc_arm();
    trace_start();
    while (do_wait(0, NULL) == 0) {
        schedule();
    }
    cprintf("all user-mode processes have quit.\n");
    trace_print_totals();
    if (failalloc_seen() > 0) {
        cprintf("failalloc: %d page allocations counted\n", (int)failalloc_seen());
    }
    if (failalloc_failures() > 0) {
        cprintf("failalloc: %d allocations failed on purpose\n", (int)failalloc_failures());
    }
    assert(initproc->cptr == NULL && initproc->yptr == NULL && initproc->optr == NULL);
    if (!cow_audit_report()) {
        panic("cow audit failed");
    }
    check_memory(free_before, kbytes_before);
    power_off(EXIT_OK);
}

/*
 * The idle thread of hart `hartid`, whose boot stack (at kstack) it
 * keeps: pid 0, never queued, always ready to give the hart away.
 */
struct proc_struct *idle_create(unsigned long hartid, uintptr_t kstack) {
    struct proc_struct *idle = kmalloc(sizeof(struct proc_struct));
    if (idle == NULL) {
        panic("cannot alloc the idle thread of hart %d", (int)hartid);
    }
    memset(idle, 0, sizeof(struct proc_struct));
    idle->pid = 0;
    idle->state = PROC_RUNNABLE;
    idle->kstack = kstack;
    idle->need_resched = 1;
    idle->pgdir_pa = boot_pgdir_pa;
    list_init(&idle->run_link);
    list_init(&idle->thread_group);
    set_proc_name(idle, "idle");
    return idle;
}

/* Make the running boot thread the idle process and start init. */
void proc_init(void) {
    list_init(&proc_list);
    proc_hash_init();
    exit_init();

    idleproc = idle_create(mycpu()->hartid, (uintptr_t)bootstack);
    current = idleproc;

    int pid = kernel_thread(init_main, NULL, 0);
    if (pid <= 0) {
        panic("create init_main failed");
    }
    initproc = find_proc(pid);
    set_proc_name(initproc, "init");
    assert(idleproc->pid == 0 && initproc->pid == 1);
}

/*
 * The idle loop, entered holding the kernel lock: run whoever is ready;
 * with nobody ready, let the lock go and sleep until an interrupt (the
 * timer, or another hart's wakeup_proc) is pending, take it, and look
 * at the run queue again, taking the lock only when there is work (an
 * idle hart's interrupts need no lock: trap.c). wfi with interrupts off
 * still wakes on a pending one, so a wakeup that comes before the wfi
 * is not lost.
 */
void cpu_idle(void) {
    for (;;) {
        if (current->need_resched || sched_has_work()) {
            schedule();
            continue;
        }
        unlock_kernel();
        do {
            wfi();
            intr_enable();
            intr_disable();
            __atomic_store_n(&mycpu()->kicked, false, __ATOMIC_SEQ_CST);   /* kick us again */
        } while (!sched_has_work());
        lock_kernel();
    }
}
