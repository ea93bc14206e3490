#include <vmm.h>
#include <pgtable.h>
#include <cow.h>
#include <proc.h>
#include <fs.h>
#include <mman.h>
#include <stdio.h>
#include <error.h>

/*
 * Changing the areas of an address space: mm_map and mm_map_file add
 * one, mm_unmap removes a range, mm_zap drops a range's pages but keeps
 * the areas. Below them, the system calls that use them: mmap, munmap,
 * madvise and brk. Each takes the mm's lock: for writing when the areas
 * change, for reading when only pages go (madvise).
 */

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

/*
 * Remove [addr, addr + len) from the address space: pages lose their
 * references, areas are cut or dropped, page tables left empty are given
 * back. Returns 0, -E_INVAL for a range outside user space, -E_NO_MEM if
 * an area had to be split and could not.
 */
int mm_unmap(struct mm_struct *mm, uintptr_t addr, size_t len) {
    uintptr_t start, end;
    if (!user_range(addr, len, &start, &end)) {
        return -E_INVAL;
    }
    pt_lock(mm);
    int ret = unshare_partial(mm->pgdir, start, end);
    pt_unlock(mm);
    if (ret != 0) {
        return ret;
    }
    struct vma_struct *vma;
    struct mmu_gather tlb;
    struct trace_event ev;
    uintptr_t from = start;
    trace_begin(&ev);
    tlb_gather_mmu(&tlb, mm->pgdir);
    cow_audit_begin(&tlb, NULL);            /* (the areas are cut first: no area rules) */
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
        start = hi;
    }
    if (ret == 0) {
        pt_lock(mm);
        unmap_range(&tlb, from, end);       /* the pages, in one pass */
        free_empty_tables(&tlb, from, end); /* and the tables they leave empty */
        pt_unlock(mm);
        tlb_finish_mmu(&tlb);               /* freed once no hart can reach them */
    }
    unmap_trace_end(&ev, "munmap", &tlb);
    return ret;
}

/*
 * madvise(MADV_DONTNEED): drop the pages of [addr, addr + len) but keep
 * the areas; the next touch faults in a fresh page (zeroed, or the
 * file's). Returns 0, -E_INVAL, or -E_NO_MEM if part of the range is
 * not mapped (the mapped parts are still dropped), as Linux does. The
 * mm's lock is held only for reading: other threads fault beside it, so
 * its page_table_lock covers the work on the page table.
 */
int mm_zap(struct mm_struct *mm, uintptr_t addr, size_t len) {
    uintptr_t start, end;
    if (addr % PGSIZE != 0 || !user_range(addr, len, &start, &end)) {
        return -E_INVAL;
    }
    pt_lock(mm);
    if (unshare_partial(mm->pgdir, start, end) != 0) {
        pt_unlock(mm);
        return -E_NO_MEM;
    }
    int ret = 0;
    uintptr_t va = start;
    struct vma_struct *vma;
    struct mmu_gather tlb;
    struct trace_event ev;
    trace_begin(&ev);
    tlb_gather_mmu(&tlb, mm->pgdir);
    cow_audit_begin(&tlb, mm);
    while (va < end && (vma = find_vma(mm, va)) != NULL && vma->vm_start < end) {
        if (va < vma->vm_start) {
            ret = -E_NO_MEM;
        }
        va = MIN(end, vma->vm_end);
    }
    unmap_range(&tlb, start, end);          /* gaps hold no pages */
    pt_unlock(mm);
    tlb_finish_mmu(&tlb);
    char what[40];
    snprintf(what, sizeof(what), "madvise(DONTNEED) at 0x%lx", start);
    unmap_trace_end(&ev, what, &tlb);
    return va < end ? -E_NO_MEM : ret;
}

/* ---- the system calls -------------------------------------------------- */

/* Area flags for mmap's prot and flags; private mappings may be force-written. */
static uint32_t mmap_vm_flags(int prot, int flags) {
    uint32_t vm_flags = 0;
    if (prot & PROT_READ) {
        vm_flags |= VM_READ;
    }
    if (prot & PROT_WRITE) {
        vm_flags |= VM_READ | VM_WRITE | VM_MAYWRITE;
    }
    if (prot & PROT_EXEC) {
        vm_flags |= VM_EXEC;
    }
    if (flags & MAP_SHARED) {
        vm_flags |= VM_SHARED;
    } else {
        vm_flags |= VM_MAYWRITE;
    }
    return vm_flags;
}

/* Can the hint [start, end) be used as it is: user space, and free? */
static bool hint_usable(struct mm_struct *mm, uintptr_t start, uintptr_t end) {
    if (end <= start || !USER_ACCESS(start, end)) {
        return false;
    }
    struct vma_struct *vma = find_vma(mm, start);
    return vma == NULL || end <= vma->vm_start;
}

/* Place and add the area for do_mmap (mm's lock held for writing). */
static intptr_t mmap_region(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
                            int flags, struct inode *file, size_t pgoff) {
    uintptr_t start = ROUNDDOWN(addr, PGSIZE), end = ROUNDUP(addr + len, PGSIZE);
    if (flags & MAP_FIXED) {
        int ret = mm_unmap(mm, start, len);
        if (ret != 0) {
            return ret;
        }
    } else if (addr == 0 || !hint_usable(mm, start, end)) {
        if ((start = mm_find_free(mm, len)) == 0) {
            return -E_NO_MEM;
        }
    }
    int ret = file != NULL ? mm_map_file(mm, start, len, vm_flags, file, pgoff)
                           : mm_map(mm, start, len, vm_flags, NULL);
    return ret != 0 ? ret : (intptr_t)start;
}

/*
 * Map len bytes: anonymous zero-filled memory, or file fd from byte off
 * (page aligned). Without MAP_FIXED addr is only a hint. Returns the
 * address, or -E_INVAL, -E_BADF, -E_ACCES (a shared writable mapping of
 * the read-only file system), -E_NO_MEM. Shared anonymous memory is not
 * supported: with no page cache behind it, fork could only copy it.
 */
intptr_t do_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off) {
    struct mm_struct *mm = current->mm;
    bool shared = (flags & MAP_SHARED) != 0;
    if (len == 0 || shared == ((flags & MAP_PRIVATE) != 0) || off < 0 || off % PGSIZE != 0 ||
        (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0 ||
        (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) != 0 ||
        ((flags & MAP_FIXED) && addr % PGSIZE != 0)) {
        return -E_INVAL;
    }
    struct inode *file = NULL;
    if (flags & MAP_ANONYMOUS) {
        if (shared) {
            return -E_INVAL;
        }
    } else {
        struct file *f = fd2file(fd);
        if (f == NULL) {
            return -E_BADF;
        }
        if (shared && (prot & PROT_WRITE)) {
            return -E_ACCES;
        }
        file = f->inode;
    }
    mmap_write_lock(mm);
    intptr_t ret = mmap_region(mm, addr, len, mmap_vm_flags(prot, flags), flags, file,
                               off / PGSIZE);
    mmap_write_unlock(mm);
    return ret;
}

/* munmap: addr must be page aligned; pages lose a reference. */
int do_munmap(uintptr_t addr, size_t len) {
    if (addr % PGSIZE != 0) {
        return -E_INVAL;
    }
    mmap_write_lock(current->mm);
    int ret = mm_unmap(current->mm, addr, len);
    mmap_write_unlock(current->mm);
    return ret;
}

static bool advice_known(int advice) {
    return advice == MADV_DONTNEED || advice == MADV_NORMAL || advice == MADV_RANDOM ||
           advice == MADV_SEQUENTIAL || advice == MADV_WILLNEED;
}

/*
 * madvise: MADV_DONTNEED drops the pages; the other hints are accepted
 * and ignored, and so is a length of 0 (as Linux does). 0 or -E_INVAL,
 * or mm_zap's error.
 */
int do_madvise(uintptr_t addr, size_t len, int advice) {
    if (addr % PGSIZE != 0 || !advice_known(advice)) {
        return -E_INVAL;
    }
    if (advice != MADV_DONTNEED || len == 0) {
        return 0;
    }
    mmap_read_lock(current->mm);            /* a reader, as in Linux: see docs/dirtycow.md */
    int ret = mm_zap(current->mm, addr, len);
    mmap_read_unlock(current->mm);
    return ret;
}

/*
 * Move the heap's end to addr (0: just ask). Growing maps a new area
 * whose pages arrive on first touch; shrinking unmaps whole pages.
 * *brk_store gets the break after the call. 0, -E_INVAL, -E_NO_MEM.
 */
int do_brk(uintptr_t addr, uintptr_t *brk_store) {
    struct mm_struct *mm = current->mm;
    int ret = 0;
    mmap_write_lock(mm);
    if (addr != 0) {
        uintptr_t old_end = ROUNDUP(mm->brk, PGSIZE), new_end = ROUNDUP(addr, PGSIZE);
        if (addr < mm->brk_start || new_end < addr) {
            ret = -E_INVAL;
        } else if (new_end > old_end) {
            ret = mm_map(mm, old_end, new_end - old_end, VM_READ | VM_WRITE, NULL);
        } else if (new_end < old_end) {
            ret = mm_unmap(mm, new_end, old_end - new_end);
        }
        if (ret == 0) {
            mm->brk = addr;
        }
    }
    *brk_store = mm->brk;
    mmap_write_unlock(mm);
    return ret;
}
