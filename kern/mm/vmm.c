#include <vmm.h>
#include <pmm.h>
#include <cow.h>
#include <proc.h>
#include <kmalloc.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>

/*
 * Address spaces: an mm_struct owns a sorted list of areas (vma_struct)
 * and a page table. Pages are filled in lazily by do_pgfault, which also
 * resolves copy-on-write (kern/mm/cow.c).
 */

list_entry_t mm_list = { &mm_list, &mm_list };

/*
 * A new top-level page table: no user pages, and the root entries of
 * boot_pgdir that map the kernel (shared by every address space).
 */
static pde_t *setup_pgdir(void) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    set_page_ref(page, 1);
    pde_t *pgdir = page2kva(page);
    memset(pgdir, 0, PGSIZE);
    for (size_t i = PX(2, DRAM_BASE + PHYSICAL_OFFSET); i < NPTEENTRY; i++) {
        pgdir[i] = boot_pgdir[i];
    }
    return pgdir;
}

/* An empty address space with its page table and one user (the caller), or NULL. */
struct mm_struct *mm_create(void) {
    struct mm_struct *mm = kmalloc(sizeof(struct mm_struct));
    if (mm == NULL) {
        return NULL;
    }
    if ((mm->pgdir = setup_pgdir()) == NULL) {
        kfree(mm);
        return NULL;
    }
    rwsem_init(&mm->mmap_lock);
    list_init(&mm->mmap_list);
    mm->mmap_cache = NULL;
    mm->map_count = 0;
    mm->mm_count = 1;
    mm->brk_start = mm->brk = 0;
    list_add(&mm_list, &mm->mm_link);
    return mm;
}

struct vma_struct *vma_create(uintptr_t vm_start, uintptr_t vm_end, uint32_t vm_flags) {
    struct vma_struct *vma = kmalloc(sizeof(struct vma_struct));
    if (vma != NULL) {
        vma->vm_mm = NULL;
        vma->vm_start = vm_start;
        vma->vm_end = vm_end;
        vma->vm_flags = vm_flags;
        vma->vm_file = NULL;
        vma->vm_pgoff = 0;
    }
    return vma;
}

/* The first area with addr < vm_end (it may start above addr), or NULL. */
struct vma_struct *find_vma(struct mm_struct *mm, uintptr_t addr) {
    if (mm == NULL) {
        return NULL;
    }
    struct vma_struct *vma = mm->mmap_cache;
    if (vma != NULL && vma->vm_start <= addr && addr < vma->vm_end) {
        return vma;
    }
    list_entry_t *le = &mm->mmap_list;
    while ((le = list_next(le)) != &mm->mmap_list) {
        vma = le2vma(le, list_link);
        if (addr < vma->vm_end) {
            if (vma->vm_start <= addr) {
                mm->mmap_cache = vma;
            }
            return vma;
        }
    }
    return NULL;
}

/* Insert vma in address order; it must not overlap another area. */
void insert_vma_struct(struct mm_struct *mm, struct vma_struct *vma) {
    assert(vma->vm_start < vma->vm_end);
    list_entry_t *le = &mm->mmap_list;
    while (list_next(le) != &mm->mmap_list &&
           le2vma(list_next(le), list_link)->vm_start < vma->vm_start) {
        le = list_next(le);
    }
    if (le != &mm->mmap_list) {
        assert(le2vma(le, list_link)->vm_end <= vma->vm_start);
    }
    if (list_next(le) != &mm->mmap_list) {
        assert(vma->vm_end <= le2vma(list_next(le), list_link)->vm_start);
    }
    vma->vm_mm = mm;
    list_add_after(le, &vma->list_link);
    mm->map_count++;
}

static void remove_vma_struct(struct mm_struct *mm, struct vma_struct *vma) {
    list_del(&vma->list_link);
    if (mm->mmap_cache == vma) {
        mm->mmap_cache = NULL;
    }
    mm->map_count--;
    kfree(vma);
}

static void exit_mmap(struct mm_struct *mm);

/*
 * Drop one user of mm (Linux's mmput). The last one unmaps every page
 * (each loses a reference; pages other processes share survive), frees
 * the page tables, the areas and the mm itself.
 */
void mmput(struct mm_struct *mm) {
    assert(mm->mm_count > 0);
    if (mm_count_dec(mm) > 0) {
        return;
    }
    list_del(&mm->mm_link);
    exit_mmap(mm);
    free_page(kva2page(mm->pgdir));
    while (!list_empty(&mm->mmap_list)) {
        remove_vma_struct(mm, le2vma(list_next(&mm->mmap_list), list_link));
    }
    kfree(mm);
}

/* Page-aligned [*start, *end) for [addr, addr + len), or false if not user space. */
static bool user_range(uintptr_t addr, size_t len, uintptr_t *start, uintptr_t *end) {
    *start = ROUNDDOWN(addr, PGSIZE);
    *end = ROUNDUP(addr + len, PGSIZE);
    return len != 0 && addr + len > addr && USER_ACCESS(*start, *end);
}

/* Is [start, end) free of areas? */
static bool range_free(struct mm_struct *mm, uintptr_t start, uintptr_t end) {
    struct vma_struct *vma = find_vma(mm, start);
    return vma == NULL || end <= vma->vm_start;
}

/*
 * Add the anonymous area [addr, addr + len) with vm_flags, extending the
 * anonymous area just below when it ends at addr with the same flags.
 * Returns 0, -E_INVAL if the range is not user space or overlaps an
 * area, -E_NO_MEM.
 */
int mm_map(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
           struct vma_struct **vma_store) {
    uintptr_t start, end;
    if (!user_range(addr, len, &start, &end) || !range_free(mm, start, end)) {
        return -E_INVAL;
    }
    struct vma_struct *vma = start > USERBASE ? find_vma(mm, start - 1) : NULL;
    if (vma != NULL && vma->vm_end == start && vma->vm_flags == vm_flags &&
        vma->vm_file == NULL) {
        vma->vm_end = end;              /* grow the neighbour (e.g. the heap) */
    } else {
        if ((vma = vma_create(start, end, vm_flags)) == NULL) {
            return -E_NO_MEM;
        }
        insert_vma_struct(mm, vma);
    }
    if (vma_store != NULL) {
        *vma_store = vma;
    }
    return 0;
}

/* Add an area mapping `file` from its page pgoff on. Returns as mm_map. */
int mm_map_file(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
                struct inode *file, size_t pgoff) {
    uintptr_t start, end;
    if (!user_range(addr, len, &start, &end) || !range_free(mm, start, end)) {
        return -E_INVAL;
    }
    struct vma_struct *vma = vma_create(start, end, vm_flags);
    if (vma == NULL) {
        return -E_NO_MEM;
    }
    vma->vm_file = file;
    vma->vm_pgoff = pgoff;
    insert_vma_struct(mm, vma);
    return 0;
}

/* The highest free gap of len bytes below the mmap top, or 0 if none. */
uintptr_t mm_find_free(struct mm_struct *mm, size_t len) {
    len = ROUNDUP(len, PGSIZE);
    uintptr_t top = UMMAPTOP;
    list_entry_t *le = &mm->mmap_list;
    while ((le = list_prev(le)) != &mm->mmap_list && len <= top) {
        struct vma_struct *vma = le2vma(le, list_link);
        if (vma->vm_start >= top) {
            continue;
        }
        if (vma->vm_end <= top - len) {
            break;                      /* the gap [vm_end, top) fits */
        }
        top = vma->vm_start;
    }
    return (len <= top && top - len >= USERBASE) ? top - len : 0;
}

/* End an unmapping event: "pid P WHAT: N pages unmapped, S still shared, F freed". */
static void end_unmap_event(struct cow_moves *moves, const char *what,
                            const struct unmap_count *count) {
    cow_moves_end(moves, "unmap", "pid %d %s: %d pages unmapped, %d still shared, %d freed",
                  current_pid(), what, (int)count->unmapped,
                  (int)(count->unmapped - count->freed), (int)count->freed);
}

/*
 * Remove [addr, addr + len) from the address space: pages lose their
 * references, areas are cut or dropped. Returns 0, -E_INVAL for a range
 * outside user space, -E_NO_MEM if an area had to be split and could not.
 */
int mm_unmap(struct mm_struct *mm, uintptr_t addr, size_t len) {
    uintptr_t start, end;
    if (!user_range(addr, len, &start, &end)) {
        return -E_INVAL;
    }
    struct vma_struct *vma;
    struct unmap_count count = { 0, 0 };
    struct cow_moves moves;
    int ret = 0;
    cow_moves_begin(&moves, TRACE_COW);
    while ((vma = find_vma(mm, start)) != NULL && vma->vm_start < end) {
        uintptr_t lo = MAX(start, vma->vm_start), hi = MIN(end, vma->vm_end);
        if (vma->vm_start < lo && hi < vma->vm_end) {
            struct vma_struct *tail = vma_create(hi, vma->vm_end, vma->vm_flags);
            if (tail == NULL) {
                ret = -E_NO_MEM;
                break;
            }
            tail->vm_file = vma->vm_file;
            tail->vm_pgoff = vma->vm_pgoff + (hi - vma->vm_start) / PGSIZE;
            vma->vm_end = lo;
            insert_vma_struct(mm, tail);
        } else if (vma->vm_start < lo) {
            vma->vm_end = lo;
        } else if (hi < vma->vm_end) {
            vma->vm_pgoff += (hi - vma->vm_start) / PGSIZE;
            vma->vm_start = hi;
        } else {
            remove_vma_struct(mm, vma);
        }
        unmap_range(mm->pgdir, lo, hi, &count);
        start = hi;
    }
    end_unmap_event(&moves, "munmap", &count);
    return ret;
}

/*
 * madvise(MADV_DONTNEED): drop the pages of [addr, addr + len) but keep
 * the areas; the next touch faults in a fresh page (zeroed, or the
 * file's). Returns 0, -E_INVAL, or -E_NO_MEM if part of the range is
 * not mapped (the mapped parts are still dropped), as Linux does.
 */
int mm_zap(struct mm_struct *mm, uintptr_t addr, size_t len) {
    uintptr_t start, end;
    if (addr % PGSIZE != 0 || !user_range(addr, len, &start, &end)) {
        return -E_INVAL;
    }
    int ret = 0;
    uintptr_t la = start;
    struct vma_struct *vma;
    struct unmap_count count = { 0, 0 };
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_COW);
    while (la < end && (vma = find_vma(mm, la)) != NULL && vma->vm_start < end) {
        if (la < vma->vm_start) {
            ret = -E_NO_MEM;
        }
        uintptr_t lo = MAX(la, vma->vm_start), hi = MIN(end, vma->vm_end);
        unmap_range(mm->pgdir, lo, hi, &count);
        la = hi;
    }
    char what[40] = "";
    if (moves.on) {
        snprintf(what, sizeof(what), "madvise(DONTNEED) at 0x%lx", start);
    }
    end_unmap_event(&moves, what, &count);
    return la < end ? -E_NO_MEM : ret;
}

/*
 * Give `to` a copy of every area of `from` and its pages: shared
 * copy-on-write when COW is on, copied otherwise (copy_range). On
 * failure `to` may hold part of the copy; the caller drops it (mmput).
 */
int dup_mmap(struct mm_struct *to, struct mm_struct *from) {
    list_entry_t *le = &from->mmap_list;
    while ((le = list_next(le)) != &from->mmap_list) {
        struct vma_struct *vma = le2vma(le, list_link);
        struct vma_struct *nvma = vma_create(vma->vm_start, vma->vm_end, vma->vm_flags);
        if (nvma == NULL) {
            return -E_NO_MEM;
        }
        nvma->vm_file = vma->vm_file;
        nvma->vm_pgoff = vma->vm_pgoff;
        insert_vma_struct(to, nvma);
        int ret = copy_range(to->pgdir, from->pgdir, vma->vm_start, vma->vm_end,
                             cow_enabled());
        if (ret != 0) {
            return ret;
        }
    }
    to->brk_start = from->brk_start;
    to->brk = from->brk;
    return 0;
}

/*
 * Drop every user mapping and free the page tables below the root (the
 * areas stay). Pages still mapped by another process only lose a reference.
 */
static void exit_mmap(struct mm_struct *mm) {
    struct unmap_count count = { 0, 0 };
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_COW);
    list_entry_t *le = &mm->mmap_list;
    while ((le = list_next(le)) != &mm->mmap_list) {
        struct vma_struct *vma = le2vma(le, list_link);
        unmap_range(mm->pgdir, vma->vm_start, vma->vm_end, &count);
    }
    free_pgtables(mm->pgdir, USERBASE, USERTOP);
    end_unmap_event(&moves, "exit_mmap", &count);
}

/*
 * The page-fault entry from trap(): cause is scause (a load, store or
 * instruction page fault), addr is stval. Same returns as handle_mm_fault.
 */
int do_pgfault(struct mm_struct *mm, uintptr_t cause, uintptr_t addr) {
    int ret;
    mmap_read_lock(mm);
    switch (cause) {
    case CAUSE_LOAD_PAGE_FAULT:
        ret = handle_mm_fault(mm, addr, 0);
        break;
    case CAUSE_STORE_PAGE_FAULT:
        ret = handle_mm_fault(mm, addr, FAULT_WRITE);
        break;
    case CAUSE_FETCH_PAGE_FAULT:
        ret = handle_mm_fault(mm, addr, FAULT_EXEC);
        break;
    default:
        ret = -E_FAULT;
        break;
    }
    mmap_read_unlock(mm);
    return ret < 0 ? ret : 0;
}
