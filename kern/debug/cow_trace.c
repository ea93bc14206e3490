#include <cow_trace.h>
#include <mmu.h>
#include <proc.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>

struct trace_event *trace_active;
int trace_classes;
static int requested;   /* what the command line asks for; printed from trace_start */

static const char *const vpage_names[NR_VPAGE_STATES] = {
    "absent", "private", "cow", "readonly",
};
static const char *const ppage_names[NR_PPAGE_STATES] = {
    "free", "exclusive", "shared",
};

void trace_init(void) {
    requested = (bootarg_has("trace", "cow") ? TRACE_COW : 0) |
                (bootarg_has("trace", "fault") ? TRACE_FAULT : 0);
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

static enum ppage_state ppage_state(int ref) {
    return ref <= 0 ? PPAGE_FREE : ref == 1 ? PPAGE_EXCLUSIVE : PPAGE_SHARED;
}

/* A traced event starts: clear its tally and make it the active one. */
void trace_event_start(struct trace_event *ev) {
    memset(ev->v, 0, sizeof(ev->v));
    memset(ev->p, 0, sizeof(ev->p));
    trace_active = ev;
}

void trace_count_vmove(pte_t before, pte_t after) {
    trace_active->v[vpage_state(before)][vpage_state(after)]++;
}

void trace_count_pmove(int ref_before, int ref_after) {
    trace_active->p[ppage_state(ref_before)][ppage_state(ref_after)]++;
}

/* Print "[event: vpage A->B xN, ...]" for every move the event made. */
static void print_moves(const struct trace_event *ev, const char *name) {
    const char *sep = ": ";
    cprintf(" [%s", name);
    for (int a = 0; a < NR_VPAGE_STATES; a++) {
        for (int b = 0; b < NR_VPAGE_STATES; b++) {
            if (ev->v[a][b] != 0) {
                cprintf("%svpage %s->%s x%d", sep, vpage_names[a], vpage_names[b], ev->v[a][b]);
                sep = ", ";
            }
        }
    }
    for (int a = 0; a < NR_PPAGE_STATES; a++) {
        for (int b = 0; b < NR_PPAGE_STATES; b++) {
            if (ev->p[a][b] != 0) {
                cprintf("%sppage %s->%s x%d", sep, ppage_names[a], ppage_names[b], ev->p[a][b]);
                sep = ", ";
            }
        }
    }
    cprintf("]\n");
}

/*
 * Finish the event: if it has a name and its class is traced, print
 * "cow: pid P " + the formatted text + its moves. The interrupted outer
 * event (if any) resumes tallying.
 */
void trace_event_end(struct trace_event *ev, enum trace_class class, const char *name,
                     const char *fmt, ...) {
    if (name != NULL && (trace_classes & class) && trace_active == ev) {
        va_list ap;
        va_start(ap, fmt);
        cprintf("cow: pid %d ", current != NULL ? current->pid : -1);
        vcprintf(fmt, ap);
        va_end(ap);
        print_moves(ev, name);
    }
    trace_active = ev->outer;
}
