#ifndef __KERN_MM_COW_TRACE_H__
#define __KERN_MM_COW_TRACE_H__

#include <defs.h>
#include <memlayout.h>

/*
 * Tracing the COW state machine (docs/cow.md). A virtual page of one
 * process is absent, private (writable), cow (read-only, PTE_COW) or
 * readonly (read-only, no COW: text, file pages, forced-write copies);
 * a physical page is free, exclusive (ref 1) or shared (ref > 1). Each
 * traced event tallies the moves it makes and prints one line ending in
 * "[event: vpage A->B xN, ppage C->D xM, ...]", which
 * tools/cow_fsm_check.py compares with the documented machine.
 *
 * The event owner brackets its work with cow_moves_begin/cow_moves_end;
 * the code that changes PTEs and reference counts reports each change
 * with cow_vmove/cow_pmove, which cost one test when tracing is off.
 */

enum trace_class {
    TRACE_COW = 1,      /* trace=cow: fork, COW faults, unmapping */
    TRACE_FAULT = 2,    /* trace=fault: demand faults and exec loading (verbose) */
};

enum vpage_state { VPAGE_ABSENT, VPAGE_PRIVATE, VPAGE_COW, VPAGE_READONLY, NR_VPAGE_STATES };
enum ppage_state { PPAGE_FREE, PPAGE_EXCLUSIVE, PPAGE_SHARED, NR_PPAGE_STATES };

struct cow_moves {
    uint32_t v[NR_VPAGE_STATES][NR_VPAGE_STATES];
    uint32_t p[NR_PPAGE_STATES][NR_PPAGE_STATES];
    struct cow_moves *outer;    /* the event this one interrupted */
    bool on;                    /* its class is being traced */
};

extern struct cow_moves *cow_moves_active;

extern int cow_traced;         /* TRACE_xxx classes asked for on the command line */

void cow_trace_init(void);
void cow_trace_start(void);
bool cow_trace_on(enum trace_class class);
void cow_moves_start(struct cow_moves *m);

/* Start an event; it is tallied and printed only if its class is traced. */
static inline void cow_moves_begin(struct cow_moves *m, enum trace_class class) {
    m->outer = cow_moves_active;
    m->on = (cow_traced & class) != 0;
    if (m->on) {
        cow_moves_start(m);
    } else {
        cow_moves_active = NULL;
    }
}
void cow_moves_end(struct cow_moves *m, const char *event, const char *fmt, ...);
void cow_count_vmove(pte_t before, pte_t after);
void cow_count_pmove(int ref_before, int ref_after);

/* A PTE changed from before to after (0 = absent). */
static inline void cow_vmove(pte_t before, pte_t after) {
    if (cow_moves_active != NULL) {
        cow_count_vmove(before, after);
    }
}

/* A page's reference count changed from ref_before to ref_after (0 = free). */
static inline void cow_pmove(int ref_before, int ref_after) {
    if (cow_moves_active != NULL) {
        cow_count_pmove(ref_before, ref_after);
    }
}

#endif /* !__KERN_MM_COW_TRACE_H__ */
