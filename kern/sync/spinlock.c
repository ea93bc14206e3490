#include <spinlock.h>
#include <cpu.h>
#include <intr.h>
#include <riscv.h>
#include <sbi.h>
#include <pgtable.h>
#include <assert.h>

spinlock_t kernel_lock = SPINLOCK_INIT("kernel");

void intr_push(void) {
    bool on = (read_csr(sstatus) & SSTATUS_SIE) != 0;
    intr_disable();
    struct cpu *cpu = mycpu();
    if (cpu->intr_depth++ == 0) {
        cpu->intr_was_on = on;
    }
}

void intr_pop(void) {
    struct cpu *cpu = mycpu();
    assert(!(read_csr(sstatus) & SSTATUS_SIE) && cpu->intr_depth > 0);
    if (--cpu->intr_depth == 0 && cpu->intr_was_on) {
        intr_enable();
    }
}

bool spin_holding(const spinlock_t *lock) {
    return lock->holder == mycpu();
}

#define SPINS_BEFORE_PARKING 10000

static bool my_turn(spinlock_t *lock, unsigned int ticket) {
    return __atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) == ticket;
}

/*
 * Wait for `ticket`. The next in line spins a while; everyone else, and
 * the next in line after that, parks the hart in wfi until the
 * spin_unlock that makes it their turn interrupts them. Parking matters
 * when QEMU has more harts than the host has free cores: a spinning
 * hart takes the core that the holder needs to finish. The parked
 * ticket is set before the last look at the lock and read by the
 * releaser after it lets go (both sequentially consistent), so one of
 * the two always sees the other.
 */
static void wait_for_turn(spinlock_t *lock, unsigned int ticket) {
    struct cpu *cpu = mycpu();
    for (;;) {
        if (ticket - __atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) == 1) {
            for (int i = 0; i < SPINS_BEFORE_PARKING; i++) {
                if (my_turn(lock, ticket)) {
                    return;
                }
            }
        }
        cpu->parked_ticket = ticket;
        __atomic_store_n(&cpu->parked_on, lock, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&lock->serving, __ATOMIC_SEQ_CST) != ticket) {
            wfi();                  /* interrupts are off: this waits, it does not trap */
        }
        __atomic_store_n(&cpu->parked_on, NULL, __ATOMIC_SEQ_CST);
        clear_csr(sip, SIP_SSIP);   /* the wake-up, if it was one (see cpu_idle) */
        if (my_turn(lock, ticket)) {
            return;
        }
    }
}

/* Interrupt the hart parked for lock's ticket `serving`, if one is. */
static void wake_parked(spinlock_t *lock, unsigned int serving) {
    for_each_cpu(c) {
        if (__atomic_load_n(&c->parked_on, __ATOMIC_SEQ_CST) == lock &&
            c->parked_ticket == serving) {
            sbi_send_ipi(cpu_bit(c));
            return;
        }
    }
}

void spin_lock(spinlock_t *lock) {
    intr_push();
    if (spin_holding(lock)) {
        panic("spin_lock: hart %d already holds the %s lock", cpu_id(), lock->name);
    }
    unsigned int ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);
    if (!my_turn(lock, ticket)) {
        wait_for_turn(lock, ticket);
    }
    lock->holder = mycpu();
}

void spin_unlock(spinlock_t *lock) {
    if (!spin_holding(lock)) {
        panic("spin_unlock: hart %d does not hold the %s lock", cpu_id(), lock->name);
    }
    lock->holder = NULL;
    unsigned int serving = lock->serving + 1;
    __atomic_store_n(&lock->serving, serving, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&lock->next, __ATOMIC_SEQ_CST) != serving) {     /* a waiter */
        wake_parked(lock, serving);
    }
    intr_pop();
}

/* Take the kernel lock, then catch up with TLB flushes left for this hart meanwhile. */
void lock_kernel(void) {
    struct cpu *cpu = mycpu();
    __atomic_store_n(&cpu->wants_kernel, true, __ATOMIC_SEQ_CST);
    spin_lock(&kernel_lock);
    cpu->wants_kernel = false;
    tlb_catch_up();
}

void unlock_kernel(void) {
    spin_unlock(&kernel_lock);
}

bool holding_kernel(void) {
    return spin_holding(&kernel_lock);
}
