#include <vmm.h>
#include <pgtable.h>
#include <cow.h>
#include <fs.h>
#include <gup.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>

/*
 * Page faults. do_pgfault is the entry from a user trap; handle_mm_fault
 * makes an access possible and is also reached from the kernel's own
 * user copies (uaccess.c) and from get-user-pages (gup.c). First the
 * area must allow the access (vma_allows, the one rule); then the
 * outcome depends on the PTE:
 *
 *   no PTE, anonymous area      do_anonymous_page: the shared zero page,
 *                               read-only, or for a write a new zeroed page
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
 * The rights a page gets after a write fault: software-dirty, and
 * writable only if the area is (Linux's maybe_mkwrite(pte_mkdirty())).
 * A forced write into a read-only private area leaves it read-only.
 */
uint32_t vma_perm_after_write(const struct vma_struct *vma) {
    return vma_pte_perm(vma) | PTE_SOFTDIRTY;
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
    if (flags & FAULT_FORCE) {      /* a forced read (a debugger's) reads what allows any access */
        return (vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) != 0;
    }
    return (vma->vm_flags & (VM_READ | VM_WRITE)) != 0;
}

/* The file page that address va of a file area maps, or NULL past the end. */
static struct Page *vma_file_page(const struct vma_struct *vma, uintptr_t va) {
    return inode_page(vma->vm_file, vma->vm_pgoff + (va - vma->vm_start) / PGSIZE);
}

/*
 * The shared zero page: one page of zeros that every untouched anonymous
 * page reads as, mapped read-only (copy-on-write in a writable area), so
 * that reading memory allocates none. The kernel holds it for good.
 *
 * And the zero table: one leaf table whose 512 entries map the zero page
 * as a writable anonymous area's untouched pages are mapped (read-only,
 * PTE_COW; A preset so that hardware never writes it). A user load in a
 * 2 MiB region that such an area covers whole, with no table yet, points
 * the region's level-1 entry at it (map_zero_table): the whole region
 * then reads as zeros with no table of its own. The kernel treats that
 * entry as "no table yet": the first access that needs a PTE (a store, a
 * copy by the kernel, a forced access) gives the region an empty table
 * of its own (get_pte), and an unmap just clears the entry.
 */
#define ZERO_TABLE_PERM (PTE_R | PTE_U | PTE_COW)
static struct Page *zero_page;
static pte_t *zero_table;

/* Every entry of the zero table. */
static pte_t zero_table_entry(void) {
    return pte_create(page2ppn(zero_page), ZERO_TABLE_PERM | PTE_A);
}

void zero_page_init(void) {
    if ((zero_page = alloc_page()) == NULL || (zero_table = alloc_table()) == NULL) {
        panic("no memory for the zero page");
    }
    memset(page2kva(zero_page), 0, PGSIZE);
    SetPageZero(zero_page);
    for (size_t i = 0; i < NPTEENTRY; i++) {
        zero_table[i] = zero_table_entry();
    }
    set_page_ref(zero_page, ZERO_PAGE_KERNEL_HOLDS);     /* never freed */
}

/* The zero page. */
struct Page *get_zero_page(void) {
    return zero_page;
}

/* The zero table's page (the kernel holds it once, for good). */
struct Page *get_zero_table(void) {
    return kva2page(zero_table);
}

/* Does the zero page still hold only zeros? (A write that reached it would show in every read.) */
bool zero_page_intact(void) {
    const uint64_t *word = page2kva(zero_page);
    for (size_t i = 0; i < PGSIZE / sizeof(uint64_t); i++) {
        if (word[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Are the zero table's entries all still as zero_page_init built them? */
bool zero_table_intact(void) {
    for (size_t i = 0; i < NPTEENTRY; i++) {
        if (zero_table[i] != zero_table_entry()) {
            return false;
        }
    }
    return true;
}

/* May the 2 MiB region at base read through the zero table? vma anonymous, mapped as it, whole. */
bool vma_fits_zero_table(const struct vma_struct *vma, uintptr_t base) {
    return vma->vm_file == NULL && cow_readonly_perm(vma) == ZERO_TABLE_PERM &&
           base >= vma->vm_start && base + PT_SPAN(1) <= vma->vm_end;
}

/*
 * A user load at va in anonymous area vma: if copy-on-write is on, the
 * area covers va's 2 MiB region whole, maps it as the zero table would,
 * and the region has no leaf table yet, point its level-1 entry at the
 * zero table (see above). True if the region reads through the zero
 * table now (the load can be retried); false to take the ordinary path.
 */
static bool map_zero_table(struct vma_struct *vma, uintptr_t va) {
    uintptr_t base = ROUNDDOWN(va, PT_SPAN(1));
    pde_t *pdep;
    if (!cow_enabled() || !vma_fits_zero_table(vma, base) ||
        (pdep = get_pde(vma->vm_mm->pgdir, va, true)) == NULL) {
        return false;
    }
    if (pde_is_zero(*pdep)) {                   /* a spurious fault: the TLB was stale */
        tlb_invalidate_local(va);
        return true;
    }
    if (*pdep != 0) {
        return false;
    }
    struct trace_event ev;
    trace_begin(&ev);
    set_pde(pdep, pte_mktable(page2ppn(get_zero_table())) | PDE_SHARED);
    trace_end(&ev, TRACE_FAULT, "zero-table", "zero-table at 0x%lx", base);
    return true;
}

/*
 * A first touch of anonymous memory: a write (or a forced one) maps a
 * new zeroed page; so does a read with copy-on-write off (cow=off, or the
 * cow lab before its exercise 1). With it on, a read maps the shared zero
 * page instead: read-only, and marked copy-on-write where the area is
 * writable (cow_readonly_perm), so that the first store gives the process
 * a page of its own through do_wp_page, as any shared page does.
 * 0 or -E_NO_MEM.
 */
static int do_anonymous_page(struct vma_struct *vma, uintptr_t va, uint32_t flags) {
    if (!(flags & FAULT_WRITE) && cow_enabled()) {
        return page_insert(vma->vm_mm->pgdir, zero_page, va, cow_readonly_perm(vma));
    }
    return pgdir_alloc_page(vma->vm_mm->pgdir, va, vma_perm_after_write(vma)) != NULL ? 0
                                                                                    : -E_NO_MEM;
}

/*
 * Map the file's own page, read-only (in a writable private area with
 * PTE_COW, so that the first store copies it). No copy is made here.
 * 0, -E_FAULT past the end of the file, -E_NO_MEM.
 */
static int do_read_fault(struct vma_struct *vma, uintptr_t va) {
    struct Page *page = vma_file_page(vma, va);
    if (page == NULL) {
        return -E_FAULT;
    }
    uint32_t perm = dirtycow_read_fault_perm(cow_readonly_perm(vma));
    return page_insert(vma->vm_mm->pgdir, page, va, perm);
}

/* A write to a file page not yet mapped: map a private copy of it. */
static int do_cow_fault(struct vma_struct *vma, uintptr_t va) {
    struct Page *file_page = vma_file_page(vma, va), *copy;
    if (file_page == NULL) {
        return -E_FAULT;
    }
    if ((copy = alloc_page()) == NULL) {
        return -E_NO_MEM;
    }
    memcpy(page2kva(copy), page2kva(file_page), PGSIZE);
    int ret = page_insert(vma->vm_mm->pgdir, copy, va, vma_perm_after_write(vma));
    if (ret != 0) {
        free_page(copy);
    }
    return ret;
}

/*
 * The first touch of a page: fill it in as the area says, and name the
 * event ev that handle_mm_fault began (its moves include the leaf table
 * get_pte may have made for the page).
 */
static int do_fault(struct vma_struct *vma, uintptr_t va, uint32_t flags,
                    struct trace_event *ev) {
    const char *what;
    int ret;
    if (vma->vm_file == NULL) {
        what = (flags & FAULT_WRITE) ? "zero-fill" : "zero-map";
        ret = do_anonymous_page(vma, va, flags);
    } else if (flags & FAULT_WRITE) {
        what = "file-copy";
        ret = do_cow_fault(vma, va);
    } else {
        what = "file-map";
        ret = do_read_fault(vma, va);
    }
    if (ret == -E_NO_MEM) {
        char name[16];
        snprintf(name, sizeof(name), "%s-oom", what);
        trace_end(ev, TRACE_FAULT, name, "%s at 0x%lx: out of memory", what, va);
    } else {
        trace_end(ev, TRACE_FAULT, ret == 0 ? what : NULL, "%s at 0x%lx", what, va);
    }
    return ret;
}

/*
 * Make the access described by flags (FAULT_xxx) at addr possible; mm's
 * lock is held (for reading at least) and its page_table_lock too.
 * Returns 0 or VM_FAULT_WRITE (a write broke COW) when the access can be
 * retried, -E_FAULT when no area allows it (a user access then kills the
 * program), -E_NO_MEM when it is allowed but memory ran out.
 */
int handle_mm_fault_locked(struct mm_struct *mm, uintptr_t addr, uint32_t flags) {
    assert(rwsem_is_locked(&mm->mmap_lock) && pt_locked(mm));
    struct vma_struct *vma = find_vma(mm, addr);
    if (vma == NULL || addr < vma->vm_start || !vma_allows(vma, flags)) {
        return -E_FAULT;
    }
    uintptr_t va = ROUNDDOWN(addr, PGSIZE);
    if (flags == 0 && map_zero_table(vma, va)) {       /* a user load */
        return 0;
    }
    struct trace_event ev;
    trace_begin(&ev);
    pte_t *ptep = get_pte(mm->pgdir, va, true);
    if (ptep != NULL && !pte_present(*ptep)) {
        return do_fault(vma, va, flags, &ev);
    }
    trace_end(&ev, TRACE_FAULT, NULL, "no first touch");
    if (ptep == NULL) {
        return -E_NO_MEM;
    }
    if ((flags & FAULT_WRITE) && !pte_writable(*ptep)) {
        return do_wp_page(vma, va, ptep, flags);
    }
    tlb_invalidate_local(va);           /* a spurious fault: this hart's TLB was stale */
    return 0;
}

/* handle_mm_fault_locked, taking the page_table_lock itself (mm's lock is held). */
int handle_mm_fault(struct mm_struct *mm, uintptr_t addr, uint32_t flags) {
    pt_lock(mm);
    int ret = handle_mm_fault_locked(mm, addr, flags);
    pt_unlock(mm);
    return ret;
}

/*
 * The page-fault entry from trap(): cause is scause (a load, store or
 * instruction page fault), addr is stval. 0 when the access can be
 * retried, else handle_mm_fault's error.
 */
int do_pgfault(struct mm_struct *mm, uintptr_t cause, uintptr_t addr) {
    uint32_t flags;
    switch (cause) {
    case CAUSE_LOAD_PAGE_FAULT:
        flags = 0;
        break;
    case CAUSE_STORE_PAGE_FAULT:
        flags = FAULT_WRITE;
        break;
    case CAUSE_FETCH_PAGE_FAULT:
        flags = FAULT_EXEC;
        break;
    default:
        return -E_FAULT;
    }
    mmap_read_lock(mm);
    int ret = handle_mm_fault(mm, addr, flags);
    mmap_read_unlock(mm);
    return ret < 0 ? ret : 0;
}
