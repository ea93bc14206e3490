#include <spinlock.h>
#include <lockdep.h>
#include <cpu.h>
#include <intr.h>
#include <riscv.h>
#include <sbi.h>
#include <assert.h>

/* Interrupts off (nesting); the running hart, which cannot change until the last pop. */
static inline struct cpu *push_off(void) {
    bool on = (read_csr(sstatus) & SSTATUS_SIE) != 0;
    if (on) {
        intr_disable();     /* (only then: QEMU ends a translation block at every CSR write) */
    }
    struct cpu *cpu = mycpu();
    if (cpu->intr_depth++ == 0) {
        cpu->intr_was_on = on;
    }
    return cpu;
}

static inline void pop_off(struct cpu *cpu) {
    assert(!(read_csr(sstatus) & SSTATUS_SIE) && cpu->intr_depth > 0);
    if (--cpu->intr_depth == 0 && cpu->intr_was_on) {
        intr_enable();
    }
}

void intr_push(void) {
    push_off();
}

void intr_pop(void) {
    pop_off(mycpu());
}

void spin_init(spinlock_t *lock, struct lock_class *class) {
    *lock = (spinlock_t)SPINLOCK_INIT(class);
}

bool spin_holding(const spinlock_t *lock) {
    return __atomic_load_n(&lock->holder, __ATOMIC_RELAXED) == mycpu();
}

/*
 * Waiting for a lock. QEMU runs each hart on a host thread, often more
 * harts than the host has free cores, and the host may stop any of them
 * for a while, a holder included. Two choices follow. A waiter spins
 * only briefly, then parks its hart in wfi (interrupts off: it waits,
 * it does not trap) until spin_unlock interrupts it: a spinning hart
 * would take the core the holder needs to finish. And the lock goes to
 * whichever hart takes it first, not to the longest waiter: handing it
 * to a parked hart in turn (a ticket lock) would leave it idle, with
 * harts running that want it, until the host runs that hart again.
 * A releaser interrupts one parked waiter, which tries again (and parks
 * again if another hart was quicker: that one will wake the next).
 *
 * No wake-up is lost: a waiter publishes that it parks (cpu->parked_on)
 * before its last look at the lock, and the releaser frees the lock
 * before it looks for parked harts, all sequentially consistent, so one
 * of the two sees the other.
 */
#define SPINS_BEFORE_PARKING 1000

static bool try_take(spinlock_t *lock) {
    return !__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) &&
           !__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE);
}

/*
 * Take lock, which was held a moment ago: spin a little, then park
 * until woken. Returns the rdtime ticks it waited, at least 1. (Out of
 * line: the path that takes a free lock stays short.)
 */
static __attribute__((noinline)) uint64_t wait_and_take(spinlock_t *lock) {
    struct cpu *cpu = mycpu();
    uint64_t start = rdtime();
    __atomic_fetch_add(&lock->waiting, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        for (int i = 0; i < SPINS_BEFORE_PARKING; i++) {
            if (try_take(lock)) {
                __atomic_fetch_sub(&lock->waiting, 1, __ATOMIC_RELAXED);
                return rdtime() - start + 1;
            }
        }
        __atomic_store_n(&cpu->parked_on, lock, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&lock->locked, __ATOMIC_SEQ_CST)) {
            wfi();
        }
        __atomic_store_n(&cpu->parked_on, NULL, __ATOMIC_SEQ_CST);
        clear_csr(sip, SIP_SSIP);   /* the wake-up, if it was one (see cpu_idle) */
    }
}

/* Interrupt one hart parked for lock, if any is. */
static void wake_parked(spinlock_t *lock) {
    for_each_cpu(c) {
        if (__atomic_load_n(&c->parked_on, __ATOMIC_SEQ_CST) == lock) {
            sbi_send_ipi(cpu_bit(c));
            return;
        }
    }
}

/* Take lock (through the spin_lock macro, which passes its own file and line). */
void spin_lock_at(spinlock_t *lock, const char *where) {
    struct cpu *cpu = push_off();
    if (__atomic_load_n(&lock->holder, __ATOMIC_RELAXED) == cpu) {
        panic("spin_lock: hart %d already holds the %s lock (taken at %s), and takes it at %s",
              cpu_id(), lock->class->name, lock->taken_at, where);
    }
    lock_acquire(&cpu->held, lock, where);
    uint64_t waited = try_take(lock) ? 0 : wait_and_take(lock);
    __atomic_store_n(&lock->holder, cpu, __ATOMIC_RELAXED);
    lock->taken_at = where;
    lock_acquired(lock, waited);
}

void spin_unlock(spinlock_t *lock) {
    struct cpu *cpu = mycpu();
    if (__atomic_load_n(&lock->holder, __ATOMIC_RELAXED) != cpu) {
        panic("spin_unlock: hart %d does not hold the %s lock", cpu_id(), lock->class->name);
    }
    lock_release(&cpu->held, lock);
    __atomic_store_n(&lock->holder, NULL, __ATOMIC_RELAXED);
    __atomic_store_n(&lock->locked, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&lock->waiting, __ATOMIC_SEQ_CST) > 0) {
        wake_parked(lock);
    }
    pop_off(cpu);
}
