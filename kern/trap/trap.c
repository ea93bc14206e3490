#include <trap.h>
#include <riscv.h>
#include <stdio.h>
#include <assert.h>
#include <clock.h>
#include <error.h>
#include <proc.h>
#include <sched.h>
#include <syscall.h>
#include <vmm.h>
#include <spinlock.h>

extern void __alltraps(void);

/* Route every trap to __alltraps and start with "running in the kernel". */
void trap_init(void) {
    write_csr(sscratch, 0);
    write_csr(stvec, (uintptr_t)__alltraps);
}

static const char *const exception_names[] = {
    [CAUSE_MISALIGNED_FETCH] = "instruction misaligned",
    [CAUSE_FETCH_ACCESS] = "instruction access fault",
    [CAUSE_ILLEGAL_INSTRUCTION] = "illegal instruction",
    [CAUSE_BREAKPOINT] = "breakpoint",
    [CAUSE_MISALIGNED_LOAD] = "load misaligned",
    [CAUSE_LOAD_ACCESS] = "load access fault",
    [CAUSE_MISALIGNED_STORE] = "store misaligned",
    [CAUSE_STORE_ACCESS] = "store access fault",
    [CAUSE_USER_ECALL] = "environment call from U-mode",
    [CAUSE_SUPERVISOR_ECALL] = "environment call from S-mode",
    [CAUSE_FETCH_PAGE_FAULT] = "instruction page fault",
    [CAUSE_LOAD_PAGE_FAULT] = "load page fault",
    [CAUSE_STORE_PAGE_FAULT] = "store page fault",
};

/* A readable name for scause. */
const char *trap_name(uintptr_t cause) {
    if (cause & CAUSE_INTERRUPT_FLAG) {
        switch (cause & ~CAUSE_INTERRUPT_FLAG) {
        case IRQ_S_SOFT: return "supervisor software interrupt";
        case IRQ_S_TIMER: return "supervisor timer interrupt";
        case IRQ_S_EXT: return "supervisor external interrupt";
        default: return "unknown interrupt";
        }
    }
    if (cause < ARRAY_SIZE(exception_names) && exception_names[cause] != NULL) {
        return exception_names[cause];
    }
    return "unknown exception";
}

bool trap_in_kernel(struct trapframe *tf) {
    return (tf->status & SSTATUS_SPP) != 0;
}

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void print_trapframe(struct trapframe *tf) {
    const uintptr_t *regs = (const uintptr_t *)&tf->gpr;
    cprintf("trapframe at %p\n", tf);
    for (int i = 0; i < 32; i++) {
        cprintf("  %-8s 0x%016lx\n", reg_names[i], regs[i]);
    }
    cprintf("  status   0x%016lx\n", tf->status);
    cprintf("  epc      0x%016lx\n", tf->epc);
    cprintf("  badvaddr 0x%016lx\n", tf->badvaddr);
    cprintf("  cause    0x%016lx (%s)\n", tf->cause, trap_name(tf->cause));
}

static void interrupt_handler(struct trapframe *tf) {
    switch (tf->cause & ~CAUSE_INTERRUPT_FLAG) {
    case IRQ_S_TIMER:
        clock_set_next_event();
        if (mycpu()->hartid == boot_hartid) {       /* one hart keeps the time */
            ticks++;
            run_timer_list();
        }
        if (current != NULL) {
            sched_tick();
        }
        break;
    case IRQ_S_SOFT:                /* another hart queued work, or killed what runs here */
        clear_csr(sip, SIP_SSIP);
        break;
    default:
        cprintf("ignoring %s\n", trap_name(tf->cause));
        break;
    }
}

static bool is_page_fault(uintptr_t cause) {
    return cause == CAUSE_FETCH_PAGE_FAULT || cause == CAUSE_LOAD_PAGE_FAULT ||
           cause == CAUSE_STORE_PAGE_FAULT;
}

/* The address to report: the data address for memory faults, else the pc. */
static uintptr_t fault_address(struct trapframe *tf) {
    switch (tf->cause) {
    case CAUSE_ILLEGAL_INSTRUCTION:
    case CAUSE_BREAKPOINT:
        return tf->epc;
    default:
        return tf->badvaddr;
    }
}

/*
 * A user program did something no mapping or rule allows, or its memory
 * ran out: the whole program (its thread group) dies, the kernel stays.
 */
static void __noreturn kill_user(struct trapframe *tf, int why) {
    cprintf("pid %d (%s) killed: %s at 0x%016lx%s\n", current->pid, current->name,
            trap_name(tf->cause), fault_address(tf),
            why == -E_NO_MEM ? " (out of memory)" : "");
    if (why != -E_NO_MEM) {
        print_trapframe(tf);
    }
    do_group_exit(-E_KILLED);
}

static void exception_handler(struct trapframe *tf) {
    bool from_user = !trap_in_kernel(tf);
    if (tf->cause == CAUSE_USER_ECALL) {
        tf->epc += 4;
        syscall();
        return;
    }
    if (from_user && is_page_fault(tf->cause)) {
        int ret = do_pgfault(current->mm, tf->cause, tf->badvaddr);
        if (ret != 0) {
            kill_user(tf, ret);
        }
        return;
    }
    if (from_user) {
        kill_user(tf, -E_FAULT);
    }
    print_trapframe(tf);
    panic("unexpected %s in the kernel at 0x%016lx", trap_name(tf->cause), tf->epc);
}

/*
 * Every trap lands here (from trapentry.S) with interrupts off, and the
 * kernel runs with them off: a trap from the kernel comes only where it
 * turns them on for a moment (the idle loop's wfi, cond_resched), or is
 * a kernel bug that panics. On the way back to user mode a killed
 * process exits and an expired time slice gives up the CPU.
 */
void trap(struct trapframe *tf) {
    if (current == NULL) {
        if (tf->cause & CAUSE_INTERRUPT_FLAG) {
            interrupt_handler(tf);
            return;
        }
        print_trapframe(tf);
        panic("%s before the first process", trap_name(tf->cause));
    }
    struct trapframe *otf = current->tf;
    current->tf = tf;
    if (tf->cause & CAUSE_INTERRUPT_FLAG) {
        interrupt_handler(tf);
    } else {
        exception_handler(tf);
    }
    current->tf = otf;
    if (!trap_in_kernel(tf)) {
        if (current->need_resched && !proc_killed(current)) {
            schedule();
        }
        if (proc_killed(current)) {        /* (perhaps killed while it waited to run) */
            do_exit(-E_KILLED);
        }
    }
}
