#include <lockdep.h>
#include <spinlock.h>
#include <cpu.h>
#include <clock.h>
#include <bootargs.h>
#include <console.h>
#include <stdio.h>
#include <assert.h>

/*
 * The lock-order checker. Two harts deadlock when each holds a lock the
 * other waits for, which needs two locks taken in opposite orders. So
 * the checker remembers, for every pair of lock classes, whether (and
 * where, first) one was taken while the other was held: order[a][b].
 * A new pair that closes a cycle (b was already taken, directly or
 * through other classes, while a was held) is a deadlock waiting for
 * its moment, and the kernel stops at once, naming every place: the
 * checker finds it the first time both orders merely happen, on any
 * hart, at any time; the deadlock itself needs them to happen at once.
 *
 * Each hart keeps the locks it holds (struct cpu's held), so
 * sleeping with a spinlock held is caught in schedule, with the lock's
 * name and where it was taken. The checker's own tables are guarded by
 * graph_lock, a bare test-and-set lock: the checker does not check
 * itself.
 *
 * Boot argument lockstat counts, per class, how often a lock was taken,
 * how often a hart had to wait for it and for how long (Linux's
 * lock_stat); init prints the counts after each program.
 */

#define MAX_CLASSES 32

static struct lock_class *classes[MAX_CLASSES + 1];    /* by id, from 1 */
static int nclasses;
static struct {
    const char *held_at, *taken_at;     /* where a was held and b taken, the first time */
} order[MAX_CLASSES + 1][MAX_CLASSES + 1];
static int graph_lock;
bool lockstat_on;

static void graph_lock_take(void) {
    while (__atomic_exchange_n(&graph_lock, 1, __ATOMIC_ACQUIRE)) {
    }
}

static void graph_lock_give(void) {
    __atomic_store_n(&graph_lock, 0, __ATOMIC_RELEASE);
}

/* The class's number, given the first time it is taken. */
int lockdep_class_id(struct lock_class *class) {
    int id = __atomic_load_n(&class->id, __ATOMIC_ACQUIRE);
    if (id == 0) {
        graph_lock_take();
        if ((id = class->id) == 0) {
            if (nclasses == MAX_CLASSES) {
                panic("lockdep: more than %d lock classes", MAX_CLASSES);
            }
            id = ++nclasses;
            classes[id] = class;
            __atomic_store_n(&class->id, id, __ATOMIC_RELEASE);
        }
        graph_lock_give();
    }
    return id;
}

/* Is class `to` reachable from `from` through recorded orders? (seen: visited.) */
static bool reaches(int from, int to, bool seen[]) {
    if (from == to) {
        return true;
    }
    seen[from] = true;
    for (int next = 1; next <= nclasses; next++) {
        if (order[from][next].held_at != NULL && !seen[next] && reaches(next, to, seen)) {
            return true;
        }
    }
    return false;
}

/* Print the recorded orders along one path from `from` to `to`, a line each. */
static void print_path(int from, int to, bool seen[]) {
    seen[from] = true;
    for (int next = 1; next <= nclasses; next++) {
        bool seen_again[MAX_CLASSES + 1] = { false };
        if (order[from][next].held_at != NULL && !seen[next] &&
            (next == to || reaches(next, to, seen_again))) {
            cprintf("    %s (held, taken at %s) then %s (taken at %s)\n", classes[from]->name,
                    order[from][next].held_at, classes[next]->name, order[from][next].taken_at);
            if (next != to) {
                print_path(next, to, seen);
            }
            return;
        }
    }
}

/*
 * Class b is taken at taken_at while a is held (taken at held_at): the
 * first time, record it (and set a's `after` bit), unless it closes a
 * cycle, which panics.
 */
static void record_order(int a, int b, const char *held_at, const char *taken_at) {
    graph_lock_take();
    bool seen[MAX_CLASSES + 1] = { false };
    if (order[a][b].held_at == NULL && reaches(b, a, seen)) {
        bool seen_path[MAX_CLASSES + 1] = { false };
        console_panic();                /* print without taking a lock: graph_lock is held */
        cprintf("lockdep: lock order inverted on hart %d: %s (held, taken at %s) then %s "
                "(taken at %s), but before:\n", cpu_id(), classes[a]->name, held_at,
                classes[b]->name, taken_at);
        print_path(b, a, seen_path);
        panic("lockdep: %s and %s are taken in both orders: a deadlock waiting to happen",
              classes[a]->name, classes[b]->name);
    }
    if (order[a][b].held_at == NULL) {
        order[a][b].held_at = held_at;
        order[a][b].taken_at = taken_at;
        __atomic_fetch_or(&classes[a]->after, 1ULL << b, __ATOMIC_RELEASE);
    }
    graph_lock_give();
}

/* lock_acquire found lock's class not yet known after some held lock's: record, or panic. */
void lockdep_new_order(struct held_locks *held, spinlock_t *lock, const char *where) {
    for (int i = 0; i < held->n; i++) {
        const struct held_lock *h = &held->lock[i];
        if (h->lock->class == lock->class) {
            panic("lockdep: two %s locks held at once (taken at %s and %s)", lock->class->name,
                  h->where, where);
        }
        if (!(h->lock->class->after & (1ULL << lock->class->id))) {
            record_order(h->lock->class->id, lock->class->id, h->where, where);
        }
    }
}

void lockdep_too_many(struct held_locks *held, const char *where) {
    panic("lockdep: more than %d spinlocks held at %s (the first taken at %s)", MAX_HELD_LOCKS,
          where, held->lock[0].where);
}

/* lock_release: lock is not the last one taken; take it out from among the others. */
void lockdep_release_unheld(struct held_locks *held, spinlock_t *lock) {
    for (int i = held->n - 1; i >= 0; i--) {
        if (held->lock[i].lock == lock) {
            for (int j = i; j + 1 < held->n; j++) {
                held->lock[j] = held->lock[j + 1];
            }
            held->n--;
            return;
        }
    }
    panic("lockdep: hart %d releases the %s lock it did not take", cpu_id(), lock->class->name);
}

/* The caller is about to sleep: no spinlock but `allowed` (the scheduler's own) may be held. */
void lockdep_assert_may_sleep(const spinlock_t *allowed) {
    const struct held_locks *held = &mycpu()->held;
    for (int i = 0; i < held->n; i++) {
        if (held->lock[i].lock != allowed) {
            panic("lockdep: sleeping with the %s lock held (taken at %s)",
                  held->lock[i].lock->class->name, held->lock[i].where);
        }
    }
}

void lockdep_init(void) {
    lockstat_on = bootarg_is("lockstat", "", false) || bootarg_is("lockstat", "on", false);
    if (lockstat_on) {
        cprintf("lockstat: counting lock waits per class\n");
    }
}

/* With lockstat: one line per class taken since the last call; then count from 0. */
void lockstat_print(void) {
    if (!lockstat_on) {
        return;
    }
    for (int id = 1; id <= nclasses; id++) {
        struct lock_class *class = classes[id];
        if (class->acquired == 0) {
            continue;
        }
        cprintf("lockstat: %-20s %8d taken, %6d waited (%d.%d%%), %d us waiting\n", class->name,
                (int)class->acquired, (int)class->contended,
                (int)(class->contended * 100 / class->acquired),
                (int)(class->contended * 1000 / class->acquired % 10),
                (int)clock_usec(class->wait_ticks));
        class->acquired = class->contended = class->wait_ticks = 0;
    }
}
