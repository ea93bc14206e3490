#include <kbench.h>
#include <pgtable.h>
#include <vmm.h>
#include <proc.h>
#include <string.h>
#include <error.h>
#include <riscv.h>

/*
 * Kernel micro-benchmarks (system call kbench, driven by user/bench.c).
 * An op builds what it needs, reads rdtime around n repetitions of one
 * kernel action, frees everything and returns the ticks in between.
 *
 * Ops on page tables work in scratch address spaces built with the real
 * helpers (mm_create, mm_map): a "parent" whose n pages all
 * map one shared page, and for the fork ops an empty "child". The
 * shared page's reference count stays exact, so the normal teardown
 * (mmput) balances it. Like every system call here they run with
 * interrupts off, so nothing else is timed with them.
 */

#define SCRATCH_BASE 0x10000000UL      /* where scratch areas start */
#define SCRATCH_PERM (PTE_U | PTE_R | PTE_W)   /* an ordinary writable user page */

struct scratch {
    struct mm_struct *parent, *child;
    struct Page *page;      /* the page every parent PTE maps (we hold one reference) */
    size_t n;               /* pages in each area */
};

static uintptr_t scratch_end(const struct scratch *s) {
    return SCRATCH_BASE + s->n * PGSIZE;
}

/* An address space with one empty read-write area of n pages, or NULL. */
static struct mm_struct *scratch_mm(size_t n) {
    struct mm_struct *mm = mm_create();
    if (mm == NULL) {
        return NULL;
    }
    if (mm_map(mm, SCRATCH_BASE, n * PGSIZE, VM_READ | VM_WRITE, NULL) != 0) {
        mmput(mm);
        return NULL;
    }
    return mm;
}

/* Unmap every page of mm (each loses a reference), free its tables and mm. */
static void scratch_mm_free(struct mm_struct *mm) {
    if (mm != NULL) {
        mmput(mm);
    }
}

/*
 * Map each of the parent's n pages to s->page: writable, or read-only
 * copy-on-write (as after a fork) if cow. False if a table is missing.
 */
static bool scratch_fill(struct scratch *s, bool cow) {
    for (uintptr_t va = SCRATCH_BASE; va < scratch_end(s); va += PGSIZE) {
        pte_t *ptep = get_pte(s->parent->pgdir, va, true);
        if (ptep == NULL) {
            return false;
        }
        pte_t pte = pte_create(page2ppn(s->page), SCRATCH_PERM);
        *ptep = cow ? pte_mkcow(pte) : pte;
        page_ref_inc(s->page);
    }
    return true;
}

static void scratch_free(struct scratch *s) {
    scratch_mm_free(s->child);
    scratch_mm_free(s->parent);
    if (s->page != NULL) {
        assert(page_ref(s->page) == 1);
        set_page_ref(s->page, 0);
        free_page(s->page);
    }
}

/*
 * Build the scratch setting for an op: the parent's n pages mapped (COW
 * if cow), and an empty child if with_child. 0 or -E_NO_MEM (then
 * everything built so far is freed again).
 */
static int scratch_setup(struct scratch *s, size_t n, bool cow, bool with_child) {
    memset(s, 0, sizeof(*s));
    s->n = n;
    if ((s->page = alloc_page()) == NULL) {
        return -E_NO_MEM;
    }
    set_page_ref(s->page, 1);
    memset(page2kva(s->page), 0, PGSIZE);
    if ((s->parent = scratch_mm(n)) == NULL || !scratch_fill(s, cow) ||
        (with_child && (s->child = scratch_mm(n)) == NULL)) {
        scratch_free(s);
        return -E_NO_MEM;
    }
    return 0;
}

/*
 * The COW fork floor: per page, write-protect the parent's PTE and write
 * the child's, walking whole leaf tables. The child's leaf tables are
 * made beforehand, and the child's references are added afterwards:
 * neither is part of the floor.
 */
static intptr_t time_pte_writes(struct scratch *s) {
    uintptr_t va, end = scratch_end(s);
    for (va = SCRATCH_BASE; va < end; va += PGSIZE) {
        if (get_pte(s->child->pgdir, va, true) == NULL) {
            return -E_NO_MEM;
        }
    }
    uint64_t t0 = rdtime();
    for (va = SCRATCH_BASE; va < end;) {
        pte_t *from = get_pte(s->parent->pgdir, va, false);
        pte_t *to = get_pte(s->child->pgdir, va, false);
        size_t k = MIN((size_t)(NPTEENTRY - PX(0, va)), (end - va) / PGSIZE);
        for (size_t i = 0; i < k; i++) {
            from[i] = pte_mkcow(from[i]);
            to[i] = from[i];
        }
        va += k * PGSIZE;
    }
    uint64_t t = rdtime() - t0;
    set_page_ref(s->page, page_ref(s->page) + s->n);
    return t;
}

/* copy_range from the parent into the child: fork's page loop, shared or eager. */
static intptr_t time_copy_range(struct scratch *s, bool share) {
    uint64_t t0 = rdtime();
    int ret = copy_range(s->child->pgdir, s->parent->pgdir, SCRATCH_BASE, scratch_end(s), share);
    uint64_t t = rdtime() - t0;
    return ret != 0 ? ret : (intptr_t)t;
}

static intptr_t time_get_pte(struct scratch *s) {
    uint64_t t0 = rdtime();
    for (uintptr_t va = SCRATCH_BASE; va < scratch_end(s); va += PGSIZE) {
        if (get_pte(s->parent->pgdir, va, false) == NULL) {
            return -E_INVAL;
        }
    }
    return rdtime() - t0;
}

/* Write faults on the parent's COW pages; each copies (the page is shared). */
static intptr_t time_wp_copy(struct scratch *s) {
    intptr_t ret = 0;
    mmap_read_lock(s->parent);
    uint64_t t0 = rdtime();
    for (uintptr_t va = SCRATCH_BASE; va < scratch_end(s) && ret == 0; va += PGSIZE) {
        int fault = handle_mm_fault(s->parent, va, FAULT_WRITE);
        if (fault != VM_FAULT_WRITE) {
            ret = fault < 0 ? fault : -E_INVAL;
        }
    }
    uint64_t t1 = rdtime();
    mmap_read_unlock(s->parent);
    return ret != 0 ? ret : (intptr_t)(t1 - t0);
}

/* Unmap the parent's COW pages: each loses a reference, none is freed. */
static intptr_t time_unmap(struct scratch *s) {
    struct mmu_gather tlb;
    uint64_t t0 = rdtime();
    tlb_gather_mmu(&tlb, s->parent->pgdir);
    unmap_range(&tlb, SCRATCH_BASE, scratch_end(s));
    tlb_finish_mmu(&tlb);
    return rdtime() - t0;
}

/* n copies of one 4 KiB page into another with the kernel's memcpy. */
static intptr_t time_page_copy(size_t n) {
    struct Page *from = alloc_page(), *to = alloc_page();
    intptr_t ret = -E_NO_MEM;
    if (from != NULL && to != NULL) {
        memset(page2kva(from), 0x5a, PGSIZE);
        uint64_t t0 = rdtime();
        for (size_t i = 0; i < n; i++) {
            memcpy(page2kva(to), page2kva(from), PGSIZE);
        }
        ret = rdtime() - t0;
    }
    if (from != NULL) {
        free_page(from);
    }
    if (to != NULL) {
        free_page(to);
    }
    return ret;
}

/* The page after p in a chain of allocated pages linked through their first word. */
static struct Page **chain_next(struct Page *p) {
    return (struct Page **)page2kva(p);
}

/*
 * n alloc_page calls, then n free_page calls in the same order (as an
 * exiting process frees what it allocated). Returns the ticks of the
 * allocations, or of the frees if time_free; -E_NO_MEM if memory ran out.
 */
static intptr_t time_alloc_free(size_t n, bool time_free) {
    struct Page *head = NULL, *tail = NULL, *p;
    size_t got = 0;
    uint64_t t0 = rdtime();
    for (; got < n && (p = alloc_page()) != NULL; got++) {
        *chain_next(p) = NULL;
        if (tail != NULL) {
            *chain_next(tail) = p;
        } else {
            head = p;
        }
        tail = p;
    }
    uint64_t t_alloc = rdtime() - t0;
    t0 = rdtime();
    while (head != NULL) {
        p = *chain_next(head);
        free_page(head);
        head = p;
    }
    uint64_t t_free = rdtime() - t0;
    if (got < n) {
        return -E_NO_MEM;
    }
    return time_free ? t_free : t_alloc;
}

/* n whole-TLB flushes (what QEMU makes of every sfence.vma). */
static intptr_t time_sfence(size_t n) {
    uint64_t t0 = rdtime();
    for (size_t i = 0; i < n; i++) {
        sfence_vma();
    }
    return rdtime() - t0;
}

/*
 * Run micro-benchmark op (KBENCH_xxx) over n pages or repetitions.
 * Returns elapsed rdtime ticks, -E_INVAL for an unknown op or n outside
 * 1..KBENCH_MAX_PAGES, -E_NO_MEM if its setting could not be built.
 * Everything it allocates is freed before it returns.
 */
intptr_t do_kbench(uint64_t op, uint64_t n) {
    if (n == 0 || n > KBENCH_MAX_PAGES) {
        return -E_INVAL;
    }
    switch (op) {
    case KBENCH_COPY:
        return time_page_copy(n);
    case KBENCH_SFENCE:
        return time_sfence(n);
    case KBENCH_ALLOC:
    case KBENCH_FREE:
        return time_alloc_free(n, op == KBENCH_FREE);
    case KBENCH_PTES:
    case KBENCH_SHARE:
    case KBENCH_EAGER:
    case KBENCH_GET_PTE:
    case KBENCH_WP_COPY:
    case KBENCH_UNMAP:
        break;
    default:
        return -E_INVAL;
    }

    struct scratch s;
    bool cow = op == KBENCH_WP_COPY || op == KBENCH_UNMAP;
    bool with_child = op == KBENCH_PTES || op == KBENCH_SHARE || op == KBENCH_EAGER;
    intptr_t ret = scratch_setup(&s, n, cow, with_child);
    if (ret != 0) {
        return ret;
    }
    switch (op) {
    case KBENCH_PTES:
        ret = time_pte_writes(&s);
        break;
    case KBENCH_SHARE:
    case KBENCH_EAGER:
        ret = time_copy_range(&s, op == KBENCH_SHARE);
        break;
    case KBENCH_GET_PTE:
        ret = time_get_pte(&s);
        break;
    case KBENCH_WP_COPY:
        ret = time_wp_copy(&s);
        break;
    default:
        ret = time_unmap(&s);
        break;
    }
    scratch_free(&s);
    return ret;
}
