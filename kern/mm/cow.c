#include <cow.h>
#include <pmm.h>
#include <vmm.h>
#include <proc.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <error.h>

/* Boot argument cow=off makes fork copy eagerly; trace=cow logs each event. */
static bool cow_on = true;

static struct {
    size_t fork_shared, fork_copied;
    size_t faults, copies, reuses;
} stats;

void cow_init(void) {
    cow_on = bootarg_is("cow", "on", true);
    cow_trace_init();
    cow_audit_init();
    cprintf("copy-on-write fork: %s%s\n", cow_on ? "on" : "off (eager copy)",
            cow_trace_on(TRACE_COW) ? ", tracing" : "");
}

bool cow_enabled(void) {
    return cow_on;
}

void cow_count_fork(size_t shared, size_t copied) {
    stats.fork_shared += shared;
    stats.fork_copied += copied;
}

/* PTEs shared at fork since boot (fork's trace line reports the change). */
size_t cow_shared_total(void) {
    return stats.fork_shared;
}

void cow_fill_memstat(struct memstat *st) {
    st->fork_shared = stats.fork_shared;
    st->fork_copied = stats.fork_copied;
    st->cow_faults = stats.faults;
    st->cow_copies = stats.copies;
    st->cow_reuses = stats.reuses;
    st->cow_enabled = cow_on;
}

/* The form a present PTE takes on both sides once fork has shared its page. */
static inline pte_t pte_for_sharing(pte_t pte) {
    return (pte & (PTE_W | PTE_COW)) ? pte_mkcow(pte) : pte;
}

/* trace=cow: tally the moves cow_share_ptes is about to make (src is unchanged yet). */
static void trace_sharing(const pte_t *src, size_t first, size_t n) {
    for (size_t i = first; i < n; i++) {
        if (pte_present(src[i])) {
            int ref = page_ref(pte2page(src[i]));
            cow_vmove(src[i], pte_for_sharing(src[i]));
            cow_vmove(0, pte_for_sharing(src[i]));
            cow_pmove(ref, ref + 1);
        }
    }
}

/*
 * Share the present PTEs among src[first..n) into dst[first..n)
 * copy-on-write: writable (and already-COW) ones become read-only with
 * PTE_COW on both sides, read-only ones are shared as they are; each
 * page gains a reference. Returns how many were shared; the caller
 * flushes the TLB. This is fork's inner loop, so the globals it needs
 * are read once into locals (the compiler would reload them after every
 * store) and the page lookup is pa2page's, inlined.
 */
__noinline size_t cow_share_ptes(pte_t *dst, pte_t *src, size_t first, size_t n) {
    struct Page *const frames = pages;
    const size_t first_ppn = nbase, nframes = npage;
    size_t shared = 0;
    if (cow_moves_active != NULL) {
        trace_sharing(src, first, n);
    }
    for (size_t i = first; i < n; i++) {
        pte_t pte = src[i];
        if (!pte_present(pte)) {
            continue;
        }
        pte = pte_for_sharing(pte);
        src[i] = dst[i] = pte;
        size_t frame = (pte >> PTE_PPN_SHIFT) - first_ppn;
        assert(frame < nframes);
        frames[frame].ref++;
        shared++;
    }
    return shared;
}

/* Who is writing: the program, the kernel copying out for it, or memwrite. */
static const char *fault_origin(uint32_t flags) {
    if (flags & FAULT_FORCE) {
        return "forced write";
    }
    return (flags & FAULT_KERNEL) ? "copy-out" : "store fault";
}

/* The state-machine event for this writer and outcome, e.g. "store-copy". */
static const char *fault_event(char *buf, size_t size, uint32_t flags, const char *outcome) {
    const char *who = (flags & FAULT_FORCE) ? "forced" : (flags & FAULT_KERNEL) ? "copyout" : "store";
    snprintf(buf, size, "%s-%s", who, outcome);
    return buf;
}

/*
 * Sole owner: keep the page and give it the rights a write leaves
 * (writable again if the area is). Never fails.
 */
static int wp_page_reuse(struct vma_struct *vma, uintptr_t la, pte_t *ptep, uint32_t flags) {
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_COW);
    pte_t before = *ptep;
    *ptep = pte_create(PPN(PTE_ADDR(*ptep)), vma_perm_after_write(vma));
    tlb_invalidate(vma->vm_mm->pgdir, la);
    stats.reuses++;
    cow_vmove(before, *ptep);
    cow_pmove(1, 1);
    char event[16];
    cow_moves_end(&moves, moves.on ? fault_event(event, sizeof(event), flags, "reuse") : NULL,
                  "pid %d %s at 0x%lx: reuse (ref 1)", current_pid(),
                  fault_origin(flags), la);
    return VM_FAULT_WRITE;
}

/*
 * Shared (or a file's page): give this process its own copy and drop
 * its reference to the old page. -E_NO_MEM (nothing changed) if no page.
 */
static int wp_page_copy(struct vma_struct *vma, uintptr_t la, pte_t *ptep, uint32_t flags) {
    struct cow_moves moves;
    char event[16];
    cow_moves_begin(&moves, TRACE_COW);
    struct Page *old = pte2page(*ptep), *copy = alloc_page();
    if (copy == NULL) {
        cow_vmove(*ptep, *ptep);
        cow_moves_end(&moves, moves.on ? fault_event(event, sizeof(event), flags, "oom") : NULL,
                      "pid %d %s at 0x%lx: out of memory", current_pid(),
                      fault_origin(flags), la);
        return -E_NO_MEM;
    }
    memcpy(page2kva(copy), page2kva(old), PGSIZE);
    set_page_ref(copy, 1);
    pte_t before = *ptep;
    *ptep = pte_create(page2ppn(copy), vma_perm_after_write(vma));
    tlb_invalidate(vma->vm_mm->pgdir, la);
    int left = page_ref_dec(old);
    assert(left > 0);
    stats.copies++;
    cow_vmove(before, *ptep);
    cow_pmove(left + 1, left);
    cow_pmove(0, 1);
    cow_moves_end(&moves, moves.on ? fault_event(event, sizeof(event), flags, "copy") : NULL,
                  "pid %d %s at 0x%lx: copy (ref %d -> %d)", current_pid(),
                  fault_origin(flags), la, left + 1, left);
    return VM_FAULT_WRITE;
}

/*
 * A write (by the program, by the kernel on its behalf, or forced by
 * memwrite) hit the present read-only PTE *ptep at la, in an area that
 * allows that write. Decide: an anonymous page that this mapping alone
 * holds is reused; anything else (shared, or a file's page) is copied.
 * Returns VM_FAULT_WRITE, or -E_NO_MEM.
 */
int do_wp_page(struct vma_struct *vma, uintptr_t la, pte_t *ptep, uint32_t flags) {
    struct Page *page = pte2page(*ptep);
    stats.faults++;
    if (!PageFile(page) && page_ref(page) == 1) {
        return wp_page_reuse(vma, la, ptep, flags);
    }
    return wp_page_copy(vma, la, ptep, flags);
}
