#include <cow.h>
#include <pgtable.h>
#include <vmm.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <error.h>

/*
 * Copy-on-write, both halves.
 *
 * Fork: copy_range hands each leaf table's present entries to
 * cow_share_ptes, which maps every writable page read-only with PTE_COW
 * into parent and child and counts the extra reference in struct
 * Page.ref; read-only pages (text) are simply shared.
 *
 * The write fault: a store to a read-only PTE in an area that allows it
 * reaches do_wp_page, which decides in one line. A page that this
 * mapping alone holds is reused (wp_page_reuse: writable again); any
 * other, shared or a file's, is copied (wp_page_copy).
 */

/* Boot argument cow=: off (fork copies every page), on (shares PTEs), pt (shares leaf tables). */
static enum cow_mode mode = COW_ON;

/* Counters since boot (atomic: stat_add). */
static struct {
    size_t fork_shared, fork_copied;
    size_t faults, copies, reuses;
} stats;

static inline void stat_add(size_t *counter, size_t n) {
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

void cow_init(void) {
    /* LAB cow 1: BEGIN
     * YOUR CODE: once fork can share (share_pte, cow_fork_flush) and the
     * write fault can copy and reuse (do_wp_page), let fork share pages:
     * mode follows the boot argument cow= (on by default; off; pt).
     * STUB:
     *     mode = COW_OFF;     // fork copies every page at once, as in lab5
     */
    mode = bootarg_is("cow", "off", false) ? COW_OFF
           : bootarg_is("cow", "pt", false) ? COW_PT : COW_ON;
    /* LAB cow 1: END */
    trace_init();
    cow_audit_init();
    static const char *const names[] = {
        [COW_OFF] = "off (eager copy)", [COW_ON] = "on",
        [COW_PT] = "on, with lazy page-table sharing (cow=pt)",
    };
    cprintf("copy-on-write fork: %s%s\n", names[mode],
            trace_requested(TRACE_COW) ? ", tracing" : "");
}

bool cow_enabled(void) {
    return mode != COW_OFF;
}

enum cow_mode cow_mode(void) {
    return mode;
}

void cow_count_fork(size_t shared, size_t copied) {
    stat_add(&stats.fork_shared, shared);
    stat_add(&stats.fork_copied, copied);
}

/* PTEs shared or copied at fork since boot (fork's trace line reports the change). */
size_t cow_forked_total(void) {
    return __atomic_load_n(&stats.fork_shared, __ATOMIC_RELAXED) +
           __atomic_load_n(&stats.fork_copied, __ATOMIC_RELAXED);
}

void cow_fill_memstat(struct memstat *st) {
    st->fork_shared = __atomic_load_n(&stats.fork_shared, __ATOMIC_RELAXED);
    st->fork_copied = __atomic_load_n(&stats.fork_copied, __ATOMIC_RELAXED);
    st->cow_faults = __atomic_load_n(&stats.faults, __ATOMIC_RELAXED);
    st->cow_copies = __atomic_load_n(&stats.copies, __ATOMIC_RELAXED);
    st->cow_reuses = __atomic_load_n(&stats.reuses, __ATOMIC_RELAXED);
    st->cow_enabled = mode != COW_OFF;
    st->cow_mode = mode;
    st->fork_tables = cow_pt_tables_shared();
}

/* ---- fork ------------------------------------------------------------------- */

/*
 * Fork's step for one present PTE of the parent, *src, mapping page:
 * share the page with the child, whose PTE is *dst. Returns the page's
 * reference count afterwards. (Fork's loop stores these PTEs itself,
 * not through set_pte, and reports the moves for it: it is the hottest
 * loop of fork.)
 */
static __always_inline int share_pte(pte_t *dst, pte_t *src, struct Page *page) {
    /* LAB cow 1: BEGIN
     * YOUR CODE: afterwards neither parent nor child may store into the
     * page without a fault. A writable (or already copy-on-write) PTE
     * becomes read-only and marked copy-on-write (pte_mkcow) in both
     * *src and *dst; a read-only one (program text) is shared as it is.
     * The page counts the child's new mapping. Return its new count.
     * STUB:
     *     (void)dst, (void)src, (void)page;
     *     return 0;
     */
    pte_t pte = (*src & (PTE_W | PTE_COW)) ? pte_mkcow(*src) : *src;
    *src = *dst = pte;
    return page_ref_inc(page);
    /* LAB cow 1: END */
}

/*
 * cow_share_ptes' loop, written once and compiled twice (each copy in a
 * function of its own): with traced a constant, the untraced copy has
 * no trace test per page and its registers to itself. The globals it
 * needs are read once into locals (the compiler would reload them after
 * every store), and the page lookup is pa2page's, inlined.
 */
static __always_inline size_t share_loop(pte_t *dst, pte_t *src, size_t first, size_t n,
                                         bool traced) {
    struct Page *const frames = pages;
    const size_t first_ppn = nbase, nframes = npage;
    pte_t *const end = src + n;
    size_t skipped = 0;
    dst += first;
    for (pte_t *s = src + first; s < end; s++, dst++) {
        pte_t old = *s;
        if (!pte_present(old)) {
            skipped++;
            continue;
        }
        size_t frame = (old >> PTE_PPN_SHIFT) - first_ppn;
        assert(frame < nframes);
        int ref = share_pte(dst, s, &frames[frame]);
        if (traced) {
            trace_vmove(old, *s);           /* the parent's PTE */
            trace_vmove(0, *dst);           /* the child's */
            trace_pmove(ref - 1, ref);
        }
    }
    return n - first - skipped;
}

/*
 * Share the present PTEs among src[first..n) into dst[first..n)
 * copy-on-write: writable (and already-COW) ones become read-only with
 * PTE_COW on both sides, read-only ones are shared as they are; each
 * page gains a reference. Returns how many; the caller flushes the TLB.
 */
static __noinline size_t share_traced(pte_t *dst, pte_t *src, size_t first, size_t n) {
    return share_loop(dst, src, first, n, true);
}

static __noinline size_t share_untraced(pte_t *dst, pte_t *src, size_t first, size_t n) {
    return share_loop(dst, src, first, n, false);
}

size_t cow_share_ptes(pte_t *dst, pte_t *src, size_t first, size_t n) {
    return trace_active != NULL ? share_traced(dst, src, first, n)
                                : share_untraced(dst, src, first, n);
}

/*
 * Fork has shared the pages of the parent, whose page table is pgdir:
 * PTEs of the parent lost the write right, and the TLB may still hold
 * the translations that had it.
 */
void cow_fork_flush(pde_t *pgdir) {
    /* LAB cow 1: BEGIN
     * YOUR CODE: make sure the parent's next store into a page it now
     * shares faults, whatever the TLB of any hart running it remembers
     * (its threads may run on other harts: docs/smp.md).
     * STUB:
     *     (void)pgdir;
     */
    tlb_flush_all(pgdir);
    /* LAB cow 1: END */
}

/*
 * The rights for mapping, on a read fault, a page that another owner
 * holds (a file's page, the zero page): read-only, and in a writable
 * area marked COW, so that the first store gives the process its own
 * copy.
 */
uint32_t cow_readonly_perm(const struct vma_struct *vma) {
    uint32_t perm = vma_pte_perm(vma) & ~PTE_W;
    return (vma->vm_flags & VM_WRITE) ? perm | PTE_COW : perm;
}

/* ---- the write fault -------------------------------------------------------- */

/*
 * Sole owner: keep the page, with the rights a write leaves. Never fails.
 * No TLB flush: the PTE only gains a right on the same page. The RISC-V
 * privileged spec lets a hart keep the old read-only translation until an
 * sfence.vma, so the store may fault once more; that spurious fault finds
 * the PTE writable and handle_mm_fault flushes and retries. A flush here
 * would cost every reuse a whole-TLB refill under QEMU to save a rare
 * second trap on hardware.
 */
static int wp_page_reuse(struct vma_struct *vma, uintptr_t va, pte_t *ptep) {
    /* LAB cow 2: BEGIN
     * YOUR CODE: the PTE keeps its page and gets the rights a write leaves
     * (vma_perm_after_write: writable again if the area is), through
     * pte_upgrade. Count it (stat_add(&stats.reuses, 1)) and return
     * VM_FAULT_WRITE.
     * STUB:
     *     (void)vma, (void)va, (void)ptep;
     *     return -E_NO_MEM;
     */
    (void)va;
    pte_upgrade(ptep, pte_create(PPN(PTE_ADDR(*ptep)), vma_perm_after_write(vma)));
    stat_add(&stats.reuses, 1);
    return VM_FAULT_WRITE;
    /* LAB cow 2: END */
}

/*
 * Shared (or a file's page): give this mapping its own copy, then drop
 * its reference to the old page. -E_NO_MEM (nothing changed) if no page.
 */
static int wp_page_copy(struct vma_struct *vma, uintptr_t va, pte_t *ptep) {
    /* LAB cow 2: BEGIN
     * YOUR CODE: give this mapping its own page with the same bytes and the
     * rights a write leaves (vma_perm_after_write); the new page counts
     * this mapping (page_ref_map), the PTE is stored with set_pte, no stale
     * translation of va remains, and only then does the old page lose this
     * mapping's reference (page_ref_unmap; its other holder may have let go
     * meanwhile, on another hart: then free it). (A copy of the zero page
     * need not read it: PageZero.) If no page can be had, change nothing
     * and return -E_NO_MEM. Count a copy (stat_add(&stats.copies, 1)) and
     * return VM_FAULT_WRITE.
     * STUB:
     *     (void)vma, (void)va, (void)ptep;
     *     return -E_NO_MEM;
     */
    struct Page *old = pte2page(*ptep), *copy = alloc_page();
    if (copy == NULL) {
        return -E_NO_MEM;
    }
    if (PageZero(old)) {
        memset(page2kva(copy), 0, PGSIZE);
    } else {
        memcpy(page2kva(copy), page2kva(old), PGSIZE);
    }
    page_ref_map(copy);
    set_pte(ptep, pte_create(page2ppn(copy), vma_perm_after_write(vma)));
    tlb_invalidate(vma->vm_mm->pgdir, va);
    if (page_ref_unmap(old) == 0) {
        free_page(old);         /* its other holder let go meanwhile (another process's exit) */
    }
    stat_add(&stats.copies, 1);
    return VM_FAULT_WRITE;
    /* LAB cow 2: END */
}

/* Name the fault's outcome in the trace: "store-copy", "copyout-reuse", "forced-oom"... */
static void trace_wp_fault(struct trace_event *ev, uint32_t flags, int ret, bool reuse,
                           uintptr_t va, pte_t pte, int ref) {
    static const char *const names[3][3] = {
        { "store-reuse", "store-copy", "store-oom" },
        { "copyout-reuse", "copyout-copy", "copyout-oom" },
        { "forced-reuse", "forced-copy", "forced-oom" },
    };
    int who = (flags & FAULT_FORCE) ? 2 : (flags & FAULT_KERNEL) ? 1 : 0;
    int what = ret < 0 ? 2 : reuse ? 0 : 1;
    const char *writer = who == 2 ? "forced write" : who == 1 ? "copy-out" : "store fault";
    if (what == 2) {
        trace_vmove(pte, pte);          /* the page stays as it was */
        trace_end(ev, TRACE_COW, names[who][what], "%s at 0x%lx: out of memory", writer, va);
    } else if (what == 0) {
        trace_end(ev, TRACE_COW, names[who][what], "%s at 0x%lx: reuse (ref 1)", writer, va);
    } else {
        trace_end(ev, TRACE_COW, names[who][what], "%s at 0x%lx: copy (ref %d -> %d)", writer,
                  va, ref, ref - 1);
    }
}

/*
 * A write (by the program, by the kernel on its behalf, or forced by
 * memwrite) hit the present read-only PTE *ptep at va, in an area that
 * allows that write. Decide: an anonymous page that this mapping alone
 * holds is reused; anything else (shared, or a file's page) is copied.
 * Returns VM_FAULT_WRITE, or -E_NO_MEM. Entered with the mm's lock held
 * for reading and its page_table_lock held. A count of 1 cannot rise
 * meanwhile: only a mapping of the page could raise it, and this PTE is
 * its only one (a fork of this process waits for the mm's lock).
 */
int do_wp_page(struct vma_struct *vma, uintptr_t va, pte_t *ptep, uint32_t flags) {
    struct trace_event ev;
    trace_begin(&ev);
    struct Page *page = pte2page(*ptep);
    int ref = page_ref(page);
    /* LAB cow 2: BEGIN
     * YOUR CODE: decide. Reuse the page only if no one else can see it:
     * an anonymous page (never a file's, PageFile) that this mapping alone
     * holds (page_ref; the zero page always has the kernel's hold too).
     * Anything else is copied.
     * STUB:
     *     bool reuse = false;
     */
    bool reuse = !PageFile(page) && ref == 1;
    /* LAB cow 2: END */
    stat_add(&stats.faults, 1);
    int ret = reuse ? wp_page_reuse(vma, va, ptep) : wp_page_copy(vma, va, ptep);
    if (trace_classes != 0) {
        trace_wp_fault(&ev, flags, ret, reuse, va, *ptep, ref);
    }
    return ret;
}
