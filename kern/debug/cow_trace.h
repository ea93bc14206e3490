#ifndef __KERN_DEBUG_COW_TRACE_H__
#define __KERN_DEBUG_COW_TRACE_H__

#include <defs.h>
#include <memlayout.h>
#include <cpu.h>

/*
 * Tracing the COW state machines (docs/cow.md). A virtual page of one
 * process is absent, private (writable), cow (read-only, PTE_COW) or
 * readonly (read-only, no COW: text, file pages, forced-write copies);
 * a physical page is free, exclusive (ref 1) or shared (ref > 1); a
 * directory entry (level 1) names no leaf table, a private one, or one
 * shared with other address spaces (cow=pt).
 *
 * The few primitives that store a user PTE or directory entry or change
 * the reference count of a mapped page (set_pte, pte_upgrade, set_pde,
 * page_ref_map, page_ref_unmap, cow_share_ptes) report each move with
 * trace_vmove / trace_pmove / trace_dmove, which cost one test when
 * nothing is traced. An event
 * (a fork, a fault, an unmap) brackets its work with trace_begin and
 * trace_end, which names it once and, if its class is traced, prints
 * "cow: pid P <text> [event: vpage A->B xN, ..., ppage C->D xM, ...]"
 * for tools/cow_fsm_check.py to compare with the documented machines.
 * With trace=totals the traced events are summed per event name
 * instead, and trace_print_totals prints one such line for each name
 * (the check's boots use it: the same moves, a hundredth of the text).
 */

enum trace_class {
    TRACE_COW = 1,      /* trace=cow: fork, COW faults, unmapping */
    TRACE_FAULT = 2,    /* trace=fault: demand faults and exec loading (verbose) */
};

enum vpage_state { VPAGE_ABSENT, VPAGE_PRIVATE, VPAGE_COW, VPAGE_READONLY, NR_VPAGE_STATES };
enum ppage_state { PPAGE_FREE, PPAGE_EXCLUSIVE, PPAGE_SHARED, NR_PPAGE_STATES };
enum pdir_state { PDIR_NONE, PDIR_PRIVATE, PDIR_SHARED, PDIR_ZERO, NR_PDIR_STATES };

/* How many times each machine made each move: [from][to]. */
struct trace_tally {
    uint32_t v[NR_VPAGE_STATES][NR_VPAGE_STATES];
    uint32_t p[NR_PPAGE_STATES][NR_PPAGE_STATES];
    uint32_t d[NR_PDIR_STATES][NR_PDIR_STATES];
};

/* One event's tally of moves; events nest (an unmap inside a failed fork). */
struct trace_event {
    struct trace_tally moves;
    struct trace_event *outer;  /* the event this one interrupted */
};

/*
 * The event being tallied, or NULL: the running process's, kept in its
 * hart's struct cpu while it runs (and in the process while it does
 * not: proc_run), so that an event that sleeps (a fork waiting for its
 * parent's lock) goes on on whichever hart it wakes up.
 */
#define trace_active (mycpu()->trace)
extern int trace_classes;                  /* TRACE_xxx being printed (0 before the program) */

void trace_init(void);
void trace_start(void);
bool trace_requested(enum trace_class class);
void trace_event_start(struct trace_event *ev);
void trace_event_end(struct trace_event *ev, enum trace_class class, const char *name,
                     const char *fmt, ...);
void trace_count_vmove(pte_t before, pte_t after);
void trace_count_pmove(int ref_before, int ref_after);
void trace_count_dmove(pde_t before, pde_t after);
void trace_print_totals(void);

/* Start an event: its moves are tallied only while something is traced. */
static inline void trace_begin(struct trace_event *ev) {
    ev->outer = trace_active;
    if (trace_classes != 0) {
        trace_event_start(ev);
    }
}

/*
 * End the event begun with trace_begin: name it (NULL: it made no event)
 * and, if its class is traced, print it with text fmt... after "pid P ".
 */
#define trace_end(ev, class, name, ...)                                  \
    do {                                                                \
        if (trace_classes != 0) {                                       \
            trace_event_end((ev), (class), (name), __VA_ARGS__);        \
        }                                                               \
    } while (0)

/* A PTE changed from before to after (0 = absent). */
static inline void trace_vmove(pte_t before, pte_t after) {
    if (trace_active != NULL) {
        trace_count_vmove(before, after);
    }
}

/* A mapped page's reference count changed from ref_before to ref_after (0 = free). */
static inline void trace_pmove(int ref_before, int ref_after) {
    if (trace_active != NULL) {
        trace_count_pmove(ref_before, ref_after);
    }
}

/* A level-1 directory entry changed from before to after. */
static inline void trace_dmove(pde_t before, pde_t after) {
    if (trace_active != NULL) {
        trace_count_dmove(before, after);
    }
}

#endif /* !__KERN_DEBUG_COW_TRACE_H__ */
