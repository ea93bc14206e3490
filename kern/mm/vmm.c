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

/* An empty address space (no page table yet), or NULL. */
struct mm_struct *mm_create(void) {
    struct mm_struct *mm = kmalloc(sizeof(struct mm_struct));
    if (mm != NULL) {
        list_init(&mm->mmap_list);
        mm->mmap_cache = NULL;
        mm->pgdir = NULL;
        mm->map_count = 0;
        mm->mm_count = 0;
        mm->brk_start = mm->brk = 0;
    }
    return mm;
}

struct vma_struct *vma_create(uintptr_t vm_start, uintptr_t vm_end, uint32_t vm_flags) {
    struct vma_struct *vma = kmalloc(sizeof(struct vma_struct));
    if (vma != NULL) {
        vma->vm_mm = NULL;
        vma->vm_start = vm_start;
        vma->vm_end = vm_end;
        vma->vm_flags = vm_flags;
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

/* Free the areas (not the pages: exit_mmap does that) and the mm itself. */
void mm_destroy(struct mm_struct *mm) {
    assert(mm->mm_count == 0);
    while (!list_empty(&mm->mmap_list)) {
        remove_vma_struct(mm, le2vma(list_next(&mm->mmap_list), list_link));
    }
    kfree(mm);
}

/*
 * Add the area [addr, addr + len) with vm_flags, extending the area just
 * below when it ends at addr with the same flags. Returns 0, -E_INVAL if
 * the range is not user space or overlaps an area, -E_NO_MEM.
 */
int mm_map(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
           struct vma_struct **vma_store) {
    uintptr_t start = ROUNDDOWN(addr, PGSIZE), end = ROUNDUP(addr + len, PGSIZE);
    if (len == 0 || end < start || !USER_ACCESS(start, end)) {
        return -E_INVAL;
    }
    struct vma_struct *vma = find_vma(mm, start);
    if (vma != NULL && end > vma->vm_start) {
        return -E_INVAL;
    }
    struct vma_struct *prev = start > USERBASE ? find_vma(mm, start - 1) : NULL;
    if (prev != NULL && prev->vm_end == start && prev->vm_flags == vm_flags) {
        prev->vm_end = end;             /* grow the neighbour (e.g. the heap) */
        if (vma_store != NULL) {
            *vma_store = prev;
        }
        return 0;
    }
    if ((vma = vma_create(start, end, vm_flags)) == NULL) {
        return -E_NO_MEM;
    }
    insert_vma_struct(mm, vma);
    if (vma_store != NULL) {
        *vma_store = vma;
    }
    return 0;
}

/*
 * Remove [addr, addr + len) from the address space: pages lose their
 * references, areas are cut or dropped. Returns 0, -E_INVAL for a range
 * outside user space, -E_NO_MEM if an area had to be split and could not.
 */
int mm_unmap(struct mm_struct *mm, uintptr_t addr, size_t len) {
    uintptr_t start = ROUNDDOWN(addr, PGSIZE), end = ROUNDUP(addr + len, PGSIZE);
    if (len == 0 || end < start || !USER_ACCESS(start, end)) {
        return -E_INVAL;
    }
    struct vma_struct *vma;
    while ((vma = find_vma(mm, start)) != NULL && vma->vm_start < end) {
        uintptr_t lo = MAX(start, vma->vm_start), hi = MIN(end, vma->vm_end);
        if (vma->vm_start < lo && hi < vma->vm_end) {
            struct vma_struct *tail = vma_create(hi, vma->vm_end, vma->vm_flags);
            if (tail == NULL) {
                return -E_NO_MEM;
            }
            vma->vm_end = lo;
            insert_vma_struct(mm, tail);
        } else if (vma->vm_start < lo) {
            vma->vm_end = lo;
        } else if (hi < vma->vm_end) {
            vma->vm_start = hi;
        } else {
            remove_vma_struct(mm, vma);
        }
        unmap_range(mm->pgdir, lo, hi, NULL);
        start = hi;
    }
    return 0;
}

/*
 * Give `to` a copy of every area of `from` and its pages: shared
 * copy-on-write when COW is on, copied otherwise (copy_range). On
 * failure `to` may hold part of the copy; the caller frees it with
 * exit_mmap + mm_destroy.
 */
int dup_mmap(struct mm_struct *to, struct mm_struct *from) {
    list_entry_t *le = &from->mmap_list;
    while ((le = list_next(le)) != &from->mmap_list) {
        struct vma_struct *vma = le2vma(le, list_link);
        struct vma_struct *nvma = vma_create(vma->vm_start, vma->vm_end, vma->vm_flags);
        if (nvma == NULL) {
            return -E_NO_MEM;
        }
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
 * Drop every user mapping and free the page tables (the areas stay).
 * Pages still mapped by another process only lose a reference.
 */
void exit_mmap(struct mm_struct *mm) {
    assert(mm != NULL && mm->mm_count == 0);
    struct unmap_count count = { 0, 0 };
    list_entry_t *le = &mm->mmap_list;
    while ((le = list_next(le)) != &mm->mmap_list) {
        struct vma_struct *vma = le2vma(le, list_link);
        unmap_range(mm->pgdir, vma->vm_start, vma->vm_end, &count);
    }
    exit_range(mm->pgdir, USERBASE, USERTOP);
    cow_trace("pid %d exit_mmap: %d pages unmapped, %d still shared, %d freed",
              current != NULL ? current->pid : -1, (int)count.unmapped,
              (int)(count.unmapped - count.freed), (int)count.freed);
}

/* The leaf PTE rights for pages of vma (W is withheld later for COW). */
uint32_t vma_pte_perm(const struct vma_struct *vma) {
    uint32_t perm = PTE_U;
    if (vma->vm_flags & (VM_READ | VM_WRITE)) {
        perm |= PTE_R;
    }
    if (vma->vm_flags & VM_WRITE) {
        perm |= PTE_W;
    }
    if (vma->vm_flags & VM_EXEC) {
        perm |= PTE_X;
    }
    return perm;
}

/* Does the area allow this kind of access? */
static bool vma_allows(const struct vma_struct *vma, uint32_t flags) {
    if (flags & FAULT_WRITE) {
        return (vma->vm_flags & VM_WRITE) != 0;
    }
    if (flags & FAULT_EXEC) {
        return (vma->vm_flags & VM_EXEC) != 0;
    }
    return (vma->vm_flags & (VM_READ | VM_WRITE)) != 0;
}

/*
 * Make the access described by flags at addr possible. Returns 0 when
 * the access can be retried, -E_FAULT when no area allows it (a user
 * access then kills the process), -E_NO_MEM when it is allowed but
 * memory ran out. Outcomes:
 *  - no page yet:               map a new zeroed page with the area's rights;
 *  - store to a read-only page: copy-on-write (do_wp_page);
 *  - anything else:             a stale TLB entry; flush and retry.
 */
int handle_mm_fault(struct mm_struct *mm, uintptr_t addr, uint32_t flags) {
    struct vma_struct *vma = find_vma(mm, addr);
    if (vma == NULL || addr < vma->vm_start || !vma_allows(vma, flags)) {
        return -E_FAULT;
    }
    uintptr_t la = ROUNDDOWN(addr, PGSIZE);
    pte_t *ptep = get_pte(mm->pgdir, la, true);
    if (ptep == NULL) {
        return -E_NO_MEM;
    }
    if (!pte_present(*ptep)) {
        return pgdir_alloc_page(mm->pgdir, la, vma_pte_perm(vma)) ? 0 : -E_NO_MEM;
    }
    if ((flags & FAULT_WRITE) && !pte_writable(*ptep)) {
        return do_wp_page(mm, la, ptep, flags);
    }
    tlb_invalidate(mm->pgdir, la);
    return 0;
}

/*
 * The page-fault entry from trap(): cause is scause (a load, store or
 * instruction page fault), addr is stval. Same returns as handle_mm_fault.
 */
int do_pgfault(struct mm_struct *mm, uintptr_t cause, uintptr_t addr) {
    switch (cause) {
    case CAUSE_LOAD_PAGE_FAULT:
        return handle_mm_fault(mm, addr, 0);
    case CAUSE_STORE_PAGE_FAULT:
        return handle_mm_fault(mm, addr, FAULT_WRITE);
    case CAUSE_FETCH_PAGE_FAULT:
        return handle_mm_fault(mm, addr, FAULT_EXEC);
    default:
        return -E_FAULT;
    }
}
