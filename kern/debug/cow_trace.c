#include <cow_trace.h>
#include <mmu.h>
#include <proc.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <spinlock.h>
#include <console.h>
#include <assert.h>

int trace_classes;
static int requested;   /* what the command line asks for; printed from trace_start */

/* trace=totals: every traced event's moves, summed per event name (under totals_lock). */
#define MAX_EVENT_NAMES 32
static bool summing;
static struct lock_class totals_class = LOCK_CLASS("trace totals");
static spinlock_t totals_lock = SPINLOCK_INIT(&totals_class);
static struct {
    const char *name;
    uint32_t events;
    struct trace_tally moves;
} totals[MAX_EVENT_NAMES];

static const char *const vpage_names[NR_VPAGE_STATES] = {
    "absent", "private", "cow", "readonly",
};
static const char *const ppage_names[NR_PPAGE_STATES] = {
    "free", "exclusive", "shared",
};
static const char *const pdir_names[NR_PDIR_STATES] = {
    "none", "private", "shared", "zero",
};

/* Read trace=: the classes named; `totals` alone means both, summed. */
void trace_init(void) {
    requested = (bootarg_has("trace", "cow") ? TRACE_COW : 0) |
                (bootarg_has("trace", "fault") ? TRACE_FAULT : 0);
    summing = bootarg_has("trace", "totals");
    if (summing && requested == 0) {
        requested = TRACE_COW | TRACE_FAULT;
    }
}

/* Start tracing (when the user program starts: the boot self-checks stay quiet). */
void trace_start(void) {
    trace_classes = requested;
}

/* Is this class asked for on the command line? */
bool trace_requested(enum trace_class class) {
    return (requested & class) != 0;
}

static enum vpage_state vpage_state(pte_t pte) {
    if (!pte_present(pte)) {
        return VPAGE_ABSENT;
    }
    if (pte_writable(pte)) {
        return VPAGE_PRIVATE;
    }
    return pte_is_cow(pte) ? VPAGE_COW : VPAGE_READONLY;
}

static enum pdir_state pdir_state(pde_t pde) {
    if (pde_is_zero(pde)) {
        return PDIR_ZERO;
    }
    return pde_is_shared(pde) ? PDIR_SHARED : pte_present(pde) ? PDIR_PRIVATE : PDIR_NONE;
}

static enum ppage_state ppage_state(int ref) {
    return ref <= 0 ? PPAGE_FREE : ref == 1 ? PPAGE_EXCLUSIVE : PPAGE_SHARED;
}

/* A traced event starts: clear its tally and make it the active one. */
void trace_event_start(struct trace_event *ev) {
    memset(&ev->moves, 0, sizeof(ev->moves));
    trace_active = ev;
}

void trace_count_vmove(pte_t before, pte_t after) {
    trace_active->moves.v[vpage_state(before)][vpage_state(after)]++;
}

void trace_count_pmove(int ref_before, int ref_after) {
    trace_active->moves.p[ppage_state(ref_before)][ppage_state(ref_after)]++;
}

void trace_count_dmove(pde_t before, pde_t after) {
    trace_active->moves.d[pdir_state(before)][pdir_state(after)]++;
}

/* Print ", MACHINE A->B xN" for every move of one machine's n x n tally. */
static const char *print_machine(const char *sep, const char *machine, const uint32_t *tally,
                                 int n, const char *const *names) {
    for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
            if (tally[a * n + b] != 0) {
                cprintf("%s%s %s->%s x%d", sep, machine, names[a], names[b], tally[a * n + b]);
                sep = ", ";
            }
        }
    }
    return sep;
}

/* Print "[event: vpage A->B xN, ..., ppage ..., pdir ...]" for every move in t. */
static void print_moves(const struct trace_tally *t, const char *name) {
    const char *sep = ": ";
    cprintf(" [%s", name);
    sep = print_machine(sep, "vpage", &t->v[0][0], NR_VPAGE_STATES, vpage_names);
    sep = print_machine(sep, "ppage", &t->p[0][0], NR_PPAGE_STATES, ppage_names);
    print_machine(sep, "pdir", &t->d[0][0], NR_PDIR_STATES, pdir_names);
    cprintf("]\n");
}

/* Add one event named `name` with tally t to its row of totals. */
static void add_to_totals(const char *name, const struct trace_tally *t) {
    int i = 0;
    while (i < MAX_EVENT_NAMES && totals[i].name != NULL && strcmp(totals[i].name, name) != 0) {
        i++;
    }
    if (i == MAX_EVENT_NAMES) {
        panic("trace=totals: more than %d event names", MAX_EVENT_NAMES);
    }
    totals[i].name = name;
    totals[i].events++;
    const uint32_t *from = &t->v[0][0];    /* a tally is counters only: add them all */
    uint32_t *to = &totals[i].moves.v[0][0];
    for (size_t k = 0; k < sizeof(*t) / sizeof(uint32_t); k++) {
        to[k] += from[k];
    }
}

/*
 * With trace=totals: print "cow: N events [event: moves]" for each event
 * name seen since the program started, and start the sums again.
 */
void trace_print_totals(void) {
    if (!summing) {
        return;
    }
    spin_lock(&totals_lock);
    console_lock();
    for (int i = 0; i < MAX_EVENT_NAMES && totals[i].name != NULL; i++) {
        cprintf("cow: %d events", (int)totals[i].events);
        print_moves(&totals[i].moves, totals[i].name);
    }
    console_unlock();
    memset(totals, 0, sizeof(totals));
    spin_unlock(&totals_lock);
}

/*
 * Finish the event: if it has a name and its class is traced, print
 * "cow: pid P " + the formatted text + its moves (or add them to the
 * totals, with trace=totals). The interrupted outer
 * event (if any) resumes tallying.
 */
void trace_event_end(struct trace_event *ev, enum trace_class class, const char *name,
                     const char *fmt, ...) {
    if (name != NULL && (trace_classes & class) && trace_active == ev) {
        if (summing) {
            spin_lock(&totals_lock);
            add_to_totals(name, &ev->moves);
            spin_unlock(&totals_lock);
        } else {
            va_list ap;
            va_start(ap, fmt);
            console_lock();                 /* one line, not mixed with another hart's */
            cprintf("cow: pid %d ", current != NULL ? current->pid : -1);
            vcprintf(fmt, ap);
            print_moves(&ev->moves, name);
            console_unlock();
            va_end(ap);
        }
    }
    trace_active = ev->outer;
}
