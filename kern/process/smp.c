#include <cpu.h>
#include <proc.h>
#include <spinlock.h>
#include <memlayout.h>
#include <pmm.h>
#include <trap.h>
#include <clock.h>
#include <sbi.h>
#include <stdio.h>
#include <assert.h>

/*
 * More than one hart. OpenSBI starts one (the boot hart, not always
 * hart 0) in kern_entry; once the kernel is set up, smp_init starts
 * every other hart that exists through the SBI's HSM extension. Each
 * gets a boot stack and an idle thread, turns paging on, installs its
 * trap vector and timer, and joins the scheduler in its idle loop.
 */

struct cpu cpus[NCPU];
int ncpu = 1;
unsigned long boot_hartid;

uint8_t hart_stacks[NCPU][KSTACKSIZE] __attribute__((aligned(PGSIZE)));   /* entry.S */

void secondary_entry(void);
void secondary_init(unsigned long hartid) __noreturn;

void cpu_init(unsigned long hartid) {
    assert(hartid < NCPU);
    struct cpu *cpu = &cpus[hartid];
    cpu->hartid = hartid;
    asm volatile("mv tp, %0" :: "r"(cpu));
}

unsigned long cpus_online(void) {
    unsigned long mask = 0;
    for_each_cpu(c) {
        if (c->started) {
            mask |= cpu_bit(c);
        }
    }
    return mask;
}

/* A started hart's first C code: set up this hart, then idle. */
void secondary_init(unsigned long hartid) {
    cpu_init(hartid);
    trap_init();
    load_pgdir(boot_pgdir_pa);
    clock_start();
    current = idleproc;
    __atomic_fetch_add(&ncpu, 1, __ATOMIC_SEQ_CST);     /* even if smp_init gave up on us */
    __atomic_store_n(&mycpu()->started, true, __ATOMIC_RELEASE);
    cpu_idle();
}

#define START_WAIT_MSEC 3000     /* how long a hart may take to come up */

/* Start hart `hartid` and wait until it runs. Returns false if it does not exist or come. */
static bool start_hart(unsigned long hartid) {
    if (sbi_hart_status(hartid) != SBI_HART_STOPPED) {
        return false;
    }
    struct cpu *cpu = &cpus[hartid];
    cpu->idle = idle_create(hartid, (uintptr_t)hart_stacks[hartid]);
    if (sbi_hart_start(hartid, PADDR(secondary_entry), 0) != 0) {
        panic("smp: hart %d would not start", (int)hartid);
    }
    uint64_t deadline = clock_msec() + START_WAIT_MSEC;
    while (!__atomic_load_n(&cpu->started, __ATOMIC_ACQUIRE)) {
        if (clock_msec() > deadline) {
            cprintf("smp: hart %d has not come up (HSM status %ld)\n", (int)hartid,
                    sbi_hart_status(hartid));
            return false;
        }
    }
    return true;
}

/* On the boot hart, once everything is set up: start the other harts. */
void smp_init(void) {
    assert(mycpu()->hartid == boot_hartid);
    mycpu()->started = true;
    for (unsigned long hartid = 0; hartid < NCPU; hartid++) {
        if (hartid != boot_hartid) {
            start_hart(hartid);
        }
    }
    cprintf("smp: %d hart%s running (mask 0x%lx)\n", ncpu, ncpu > 1 ? "s" : "",
            cpus_online());
}
