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
#include <clock.h>
#include <intr.h>
#include <riscv.h>
#include <spinlock.h>
#include <lockdep.h>
#include <error.h>

/*
 * The first threads. idle (pid 0) is the boot thread itself; init
 * (pid 1) records the free memory and runs the program named by the
 * boot argument prog= as pid 2: it reaps every process until none is
 * left, then checks that memory is exactly as before and powers the
 * machine off.
 *
 * prog= may name several programs, "prog=hello,yield,exit": init runs
 * them one after another, each as if the machine had just booted for it
 * (pid 2, the same free memory, failalloc and trace counting from its
 * start), and checks memory after each. "init: program K of N: NAME"
 * comes before each and "init: NAME took T ms" after it, so that the
 * grader can cut the console into one part per program and time each:
 * it boots once for a group of tests with the same boot arguments
 * (grade.sh).
 */

#define DEFAULT_PROGRAM "forktest"
#define MAX_PROGRAMS    16
#define LIST_CHARS      256

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

/* After the reason why prog= cannot be run: list the programs there are, power off. */
static void __noreturn bad_program_list(void) {
    print_programs();
    power_off(EXIT_NO_PROGRAM);
}

/* Split the prog= list (names between commas) into names[], in buf; returns how many. */
static int read_program_list(char *buf, char *names[]) {
    const char *list = bootarg("prog");
    if (list == NULL || *list == '\0') {
        list = DEFAULT_PROGRAM;
    }
    if (strlen(list) >= LIST_CHARS) {
        cprintf("prog=%s: longer than %d characters\n", list, LIST_CHARS - 1);
        bad_program_list();
    }
    strcpy(buf, list);
    int n = 0;
    for (char *name = buf, *comma; name != NULL; name = comma) {
        if ((comma = strchr(name, ',')) != NULL) {
            *comma++ = '\0';
        }
        if (find_program(name) == NULL) {
            cprintf("unknown program \"%s\"\n", name);
            bad_program_list();
        }
        if (n == MAX_PROGRAMS) {
            cprintf("prog=%s: more than %d programs\n", list, MAX_PROGRAMS);
            bad_program_list();
        }
        names[n++] = name;
    }
    return n;
}

/*
 * Run program `name` as pid 2 and reap every process; then report what
 * failalloc and trace=totals counted, audit the reference counts and
 * check that memory is back to (free_pages, kbytes).
 */
static void run_program(const char *name, size_t free_pages, size_t kbytes) {
    reset_pids();
    int pid = kernel_thread(user_main, (void *)name, 0);
    if (pid <= 0) {
        panic("create user_main failed: %d", pid);
    }
    failalloc_arm();
    trace_start();
    while (do_wait(0, NULL) == 0) {
        schedule();
    }
    failalloc_disarm();
    cprintf("all user-mode processes have quit.\n");
    trace_print_totals();
    failalloc_report();
    assert(initproc->cptr == NULL && initproc->yptr == NULL && initproc->optr == NULL);
    if (!cow_audit_report()) {
        panic("cow audit failed");
    }
    check_memory(free_pages, kbytes);
    lockstat_print();
}

static int init_main(void *arg) {
    (void)arg;
    initproc = current;         /* (it may run on another hart before kernel_thread returns) */
    set_proc_name(initproc, "init");
    assert(initproc->pid == 1);
    size_t free_pages = nr_free_pages(), kbytes = kmalloc_bytes();
    char buf[LIST_CHARS], *names[MAX_PROGRAMS];
    int n = read_program_list(buf, names);
    for (int i = 0; i < n; i++) {
        uint64_t start = clock_msec();
        if (n > 1) {
            cprintf("init: program %d of %d: %s\n", i + 1, n, names[i]);
        }
        run_program(names[i], free_pages, kbytes);
        if (n > 1) {
            cprintf("init: %s took %d ms\n", names[i], (int)(clock_msec() - start));
        }
    }
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
    idle->cpu = (int)hartid;
    idle->state = PROC_RUNNABLE;
    idle->kstack = kstack;
    idle->need_resched = 1;
    idle->pgdir_pa = boot_pgdir_pa;
    list_init(&idle->run_link);
    list_init(&idle->thread_group);
    set_proc_name(idle, "idle");
    return idle;
}

/* Make the running boot thread the idle process. */
void proc_init(void) {
    list_init(&proc_list);
    proc_hash_init();
    exit_init();

    idleproc = idle_create(mycpu()->hartid, (uintptr_t)bootstack);
    current = idleproc;
}

/*
 * Start init (pid 1), once every hart is up: init measures free memory
 * first thing, and bringing up a hart allocates its idle thread.
 */
void init_start(void) {
    if (kernel_thread(init_main, NULL, 0) <= 0) {
        panic("create init_main failed");
    }
}

/*
 * The idle loop: run whoever is queued for this hart, or take waiting
 * work from another hart's queue (sched_steal); with nothing to do,
 * sleep in wfi until an interrupt (the timer, or another hart's kick:
 * sched.c) and look again. `kicked` is cleared before the look, so a
 * kick that comes after it sends an interrupt, and wfi with interrupts
 * off still wakes on a pending one: no kick is lost.
 */
void cpu_idle(void) {
    for (;;) {
        __atomic_store_n(&mycpu()->kicked, false, __ATOMIC_SEQ_CST);
        spin_lock(&sched_lock);
        if (sched_has_work() || sched_steal()) {
            schedule_locked();
            spin_unlock(&sched_lock);
            continue;
        }
        spin_unlock(&sched_lock);
        wfi();
        intr_enable();
        intr_disable();
    }
}
