#include <vmm.h>
#include <pmm.h>
#include <cow.h>
#include <fs.h>
#include <gup.h>
#include <string.h>
#include <error.h>
#include <proc.h>

/*
 * handle_mm_fault: what to do when an access finds no usable PTE. It is
 * reached from a user page fault (do_pgfault), from the kernel's own
 * copy-in/copy-out (uaccess.c) and from get-user-pages (gup.c). First
 * the area must allow the access; then the outcome depends on the PTE:
 *
 *   no PTE, anonymous area      do_anonymous_page: a new zeroed page
 *   no PTE, file area, read     do_read_fault: the file's own page, read-only
 *   no PTE, file area, write    do_cow_fault: a private copy of the file's page
 *   read-only PTE, write        do_wp_page (cow.c): reuse or copy
 *   otherwise                   a stale TLB entry: flush and retry
 */

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

/*
 * Does the area allow this access (FAULT_xxx flags)? The one rule, for
 * user faults, the kernel's user copies and get-user-pages alike. A
 * forced write (memwrite, Linux's FOLL_FORCE) may also write a private
 * area that is readable or executable but not writable, by breaking
 * COW; never a shared one, and never one that allows no access at all
 * (PROT_NONE: its page would need a PTE without R, W or X, which the
 * hardware would take for a pointer to a page table).
 */
bool vma_allows(const struct vma_struct *vma, uint32_t flags) {
    if (flags & FAULT_WRITE) {
        if (vma->vm_flags & VM_WRITE) {
            return true;
        }
        return (flags & FAULT_FORCE) && (vma->vm_flags & VM_MAYWRITE) &&
               !(vma->vm_flags & VM_SHARED) && (vma->vm_flags & (VM_READ | VM_EXEC));
    }
    if (flags & FAULT_EXEC) {
        return (vma->vm_flags & VM_EXEC) != 0;
    }
    return (vma->vm_flags & (VM_READ | VM_WRITE)) != 0;
}

/* The file page that address la of a file area maps, or NULL past the end. */
static struct Page *vma_file_page(const struct vma_struct *vma, uintptr_t la) {
    return inode_page(vma->vm_file, vma->vm_pgoff + (la - vma->vm_start) / PGSIZE);
}

/*
 * The rights a page gets after a write fault: software-dirty, and
 * writable only if the area is (Linux's maybe_mkwrite(pte_mkdirty())).
 * A forced write into a read-only private area leaves it read-only.
 */
uint32_t vma_perm_after_write(const struct vma_struct *vma) {
    return vma_pte_perm(vma) | PTE_SOFTDIRTY;
}

/* Report the new mapping at la (ref went from ref_before) as event `event`. */
static void trace_new_mapping(struct vma_struct *vma, uintptr_t la, int ref_before,
                              struct cow_moves *moves, const char *event) {
    if (moves->on) {
        cow_vmove(0, *get_pte(vma->vm_mm->pgdir, la, false));
        cow_pmove(ref_before, ref_before + 1);
    }
    cow_moves_end(moves, event, "pid %d %s at 0x%lx", current_pid(), event, la);
}

static int do_anonymous_page(struct vma_struct *vma, uintptr_t la, uint32_t flags) {
    uint32_t perm = (flags & FAULT_WRITE) ? vma_perm_after_write(vma) : vma_pte_perm(vma);
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_FAULT);
    if (pgdir_alloc_page(vma->vm_mm->pgdir, la, perm) == NULL) {
        cow_moves_end(&moves, "zero-fill-oom", "pid %d zero-fill at 0x%lx: out of memory",
                      current_pid(), la);
        return -E_NO_MEM;
    }
    trace_new_mapping(vma, la, 0, &moves, "zero-fill");
    return 0;
}

/*
 * Map the file's own page, read-only: in a writable private area with
 * PTE_COW, so that the first store copies it. No copy is made here.
 */
static int do_read_fault(struct vma_struct *vma, uintptr_t la) {
    struct Page *page = vma_file_page(vma, la);
    if (page == NULL) {
        return -E_FAULT;
    }
    uint32_t perm = vma_pte_perm(vma) & ~PTE_W;
    if (vma->vm_flags & VM_WRITE) {
        perm |= PTE_COW;
    }
    if (gup_hugedirty()) {
        perm |= PTE_SOFTDIRTY;      /* the deliberate bug: a read marks it dirty */
    }
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_FAULT);
    int ref = page_ref(page);
    if (page_insert(vma->vm_mm->pgdir, page, la, perm) != 0) {
        cow_moves_end(&moves, "file-map-oom", "pid %d file-map at 0x%lx: out of memory",
                      current_pid(), la);
        return -E_NO_MEM;
    }
    trace_new_mapping(vma, la, ref, &moves, "file-map");
    return 0;
}

/* A write to a file page not yet mapped: map a private copy of it. */
static int do_cow_fault(struct vma_struct *vma, uintptr_t la) {
    struct Page *file_page = vma_file_page(vma, la), *copy;
    if (file_page == NULL) {
        return -E_FAULT;
    }
    if ((copy = alloc_page()) == NULL) {
        return -E_NO_MEM;
    }
    memcpy(page2kva(copy), page2kva(file_page), PGSIZE);
    struct cow_moves moves;
    cow_moves_begin(&moves, TRACE_FAULT);
    if (page_insert(vma->vm_mm->pgdir, copy, la, vma_perm_after_write(vma)) != 0) {
        free_page(copy);
        cow_moves_end(&moves, "file-copy-oom", "pid %d file-copy at 0x%lx: out of memory",
                      current_pid(), la);
        return -E_NO_MEM;
    }
    trace_new_mapping(vma, la, 0, &moves, "file-copy");
    return 0;
}

/*
 * Make the access described by flags (FAULT_xxx) at addr possible.
 * Returns 0 or VM_FAULT_WRITE (a write broke COW) when the access can
 * be retried, -E_FAULT when no area allows it (a user access then kills
 * the process), -E_NO_MEM when it is allowed but memory ran out.
 */
int handle_mm_fault(struct mm_struct *mm, uintptr_t addr, uint32_t flags) {
    assert(rwsem_is_locked(&mm->mmap_lock));
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
        if (vma->vm_file == NULL) {
            return do_anonymous_page(vma, la, flags);
        }
        return (flags & FAULT_WRITE) ? do_cow_fault(vma, la) : do_read_fault(vma, la);
    }
    if ((flags & FAULT_WRITE) && !pte_writable(*ptep)) {
        return do_wp_page(vma, la, ptep, flags);
    }
    tlb_invalidate(mm->pgdir, la);
    return 0;
}
