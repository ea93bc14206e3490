#include <cow_trace.h>
#include <mmu.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>

struct cow_moves *cow_moves_active;

int cow_traced;
static int requested;   /* what the command line asks for; on from cow_trace_start */

static const char *const vpage_names[NR_VPAGE_STATES] = {
    "absent", "private", "cow", "readonly",
};
static const char *const ppage_names[NR_PPAGE_STATES] = {
    "free", "exclusive", "shared",
};

void cow_trace_init(void) {
    requested = (bootarg_has("trace", "cow") ? TRACE_COW : 0) |
                (bootarg_has("trace", "fault") ? TRACE_FAULT : 0);
}

/* Start tracing (when the user program starts: the boot self-checks stay quiet). */
void cow_trace_start(void) {
    cow_traced = requested;
}

/* Is this class asked for on the command line? */
bool cow_trace_on(enum trace_class class) {
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
void cow_moves_start(struct cow_moves *m) {
    memset(m->v, 0, sizeof(m->v));
    memset(m->p, 0, sizeof(m->p));
    cow_moves_active = m;
}

void cow_count_vmove(pte_t before, pte_t after) {
    cow_moves_active->v[vpage_state(before)][vpage_state(after)]++;
}

void cow_count_pmove(int ref_before, int ref_after) {
    cow_moves_active->p[ppage_state(ref_before)][ppage_state(ref_after)]++;
}

/* Print "[event: vpage A->B xN, ...]" for every move the event made. */
static void print_moves(const struct cow_moves *m, const char *event) {
    const char *sep = ": ";
    cprintf(" [%s", event);
    for (int a = 0; a < NR_VPAGE_STATES; a++) {
        for (int b = 0; b < NR_VPAGE_STATES; b++) {
            if (m->v[a][b] != 0) {
                cprintf("%svpage %s->%s x%d", sep, vpage_names[a], vpage_names[b], m->v[a][b]);
                sep = ", ";
            }
        }
    }
    for (int a = 0; a < NR_PPAGE_STATES; a++) {
        for (int b = 0; b < NR_PPAGE_STATES; b++) {
            if (m->p[a][b] != 0) {
                cprintf("%sppage %s->%s x%d", sep, ppage_names[a], ppage_names[b], m->p[a][b]);
                sep = ", ";
            }
        }
    }
    cprintf("]\n");
}

/*
 * Finish the event: if traced, print "cow: " + the formatted text + its
 * moves. The interrupted outer event (if any) resumes tallying.
 */
void cow_moves_end(struct cow_moves *m, const char *event, const char *fmt, ...) {
    if (m->on) {
        va_list ap;
        va_start(ap, fmt);
        cprintf("cow: ");
        vcprintf(fmt, ap);
        va_end(ap);
        print_moves(m, event);
    }
    cow_moves_active = m->outer != NULL && m->outer->on ? m->outer : NULL;
}
