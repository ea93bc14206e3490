#include <vmm.h>
#include <pgtable.h>
#include <cow.h>
#include <kmalloc.h>
#include <string.h>
#include <error.h>

/*
 * Address spaces: an mm_struct owns a sorted list of areas (vma_struct)
 * and a page table. Here they are made (mm_create), copied for fork
 * (dup_mmap) and released (mmput); mmap.c changes their areas, and
 * pages are filled in lazily by the fault path (fault.c, cow.c).
 */

list_entry_t mm_list = { &mm_list, &mm_list };
static struct lock_class mm_list_class = LOCK_CLASS("mm_list");
spinlock_t mm_list_lock = SPINLOCK_INIT(&mm_list_class);
static struct lock_class page_table_lock_class = LOCK_CLASS("page_table_lock");

/*
 * A new top-level page table: no user pages, and the root entries of
 * boot_pgdir for the upper half, which map the kernel, all of RAM and
 * the device registers (shared by every address space).
 */
static pde_t *setup_pgdir(void) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    set_page_ref(page, 1);
    pde_t *pgdir = page2kva(page);
    memset(pgdir, 0, PGSIZE);
    for (size_t i = PX(2, SV39_UPPER_HALF); i < NPTEENTRY; i++) {
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
    spin_init(&mm->page_table_lock, &page_table_lock_class);
    list_init(&mm->mmap_list);
    mm->mmap_cache = NULL;
    mm->map_count = 0;
    mm->mm_count = 1;
    mm->brk_start = mm->brk = 0;
    spin_lock(&mm_list_lock);
    list_add(&mm_list, &mm->mm_link);
    spin_unlock(&mm_list_lock);
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
    struct vma_struct *vma = __atomic_load_n(&mm->mmap_cache, __ATOMIC_RELAXED);
    if (vma != NULL && vma->vm_start <= addr && addr < vma->vm_end) {
        return vma;
    }
    list_entry_t *le = &mm->mmap_list;
    while ((le = list_next(le)) != &mm->mmap_list) {
        vma = le2vma(le, list_link);
        if (addr < vma->vm_end) {
            if (vma->vm_start <= addr) {        /* (readers race here: any area is a fine hint) */
                __atomic_store_n(&mm->mmap_cache, vma, __ATOMIC_RELAXED);
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

/* Take vma out of mm's list and free it. */
void remove_vma_struct(struct mm_struct *mm, struct vma_struct *vma) {
    list_del(&vma->list_link);
    if (mm->mmap_cache == vma) {
        mm->mmap_cache = NULL;
    }
    mm->map_count--;
    kfree(vma);
}

/* End an unmapping event: "WHAT: N pages unmapped, S still shared, F freed". */
void unmap_trace_end(struct trace_event *ev, const char *what, const struct mmu_gather *tlb) {
    trace_end(ev, TRACE_COW, "unmap", "%s: %d pages unmapped, %d still shared, %d freed", what,
              (int)tlb->unmapped, (int)(tlb->unmapped - tlb->freed), (int)tlb->freed);
}

static void exit_mmap(struct mm_struct *mm, bool audit);

/*
 * Drop one user of mm (Linux's mmput). The last one unmaps every page
 * (each loses a reference; pages other processes share survive), frees
 * the page tables, the areas and the mm itself: by then no hart can
 * reach it, so no lock of its own is taken. mmput_audited is exit's and
 * exec's: the teardown audits each PTE and table as it goes (cow_audit.c).
 */
static void mm_destroy(struct mm_struct *mm, bool audit);

void mmput(struct mm_struct *mm) {
    int left = mm_count_dec(mm);
    assert(left >= 0);
    if (left == 0) {
        mm_destroy(mm, false);
    }
}

void mmput_audited(struct mm_struct *mm) {
    int left = mm_count_dec(mm);
    assert(left >= 0);
    if (left == 0) {
        mm_destroy(mm, true);
    }
}

static void mm_destroy(struct mm_struct *mm, bool audit) {
    spin_lock(&mm_list_lock);
    list_del(&mm->mm_link);
    spin_unlock(&mm_list_lock);
    exit_mmap(mm, audit);
    free_page(kva2page(mm->pgdir));
    while (!list_empty(&mm->mmap_list)) {
        remove_vma_struct(mm, le2vma(list_next(&mm->mmap_list), list_link));
    }
    kfree(mm);
}

/*
 * Give `to` a copy of every area of `from` and its pages: shared
 * copy-on-write when COW is on, copied otherwise (copy_range). `from`'s
 * lock is held for writing, and its page_table_lock is taken around the
 * work on each area; `to` is new, and no other hart can reach it. On
 * failure `to` may hold part of the copy; the caller drops it (mmput).
 */
int dup_mmap(struct mm_struct *to, struct mm_struct *from) {
    int ret = 0;
    list_entry_t *le = &from->mmap_list;
    while (ret == 0 && (le = list_next(le)) != &from->mmap_list) {
        struct vma_struct *vma = le2vma(le, list_link);
        struct vma_struct *nvma = vma_create(vma->vm_start, vma->vm_end, vma->vm_flags);
        if (nvma == NULL) {
            ret = -E_NO_MEM;
            break;
        }
        nvma->vm_file = vma->vm_file;
        nvma->vm_pgoff = vma->vm_pgoff;
        insert_vma_struct(to, nvma);
        pt_lock(from);
        if (cow_mode() == COW_PT) {
            ret = cow_pt_share(to->pgdir, from->pgdir, vma->vm_start, vma->vm_end, vma->vm_flags);
        } else {
            ret = copy_range(to->pgdir, from->pgdir, vma->vm_start, vma->vm_end, cow_enabled());
        }
        pt_unlock(from);
    }
    if (cow_enabled()) {
        cow_fork_flush(from->pgdir);    /* also after a failure: PTEs may have lost W */
    }
    to->brk_start = from->brk_start;
    to->brk = from->brk;
    return ret;
}

/*
 * Drop every user mapping, in an area or (a bug the audit names) not,
 * and free the page tables below the root (the areas stay), all in one
 * pass, freed after one flush; with audit, each PTE and table is checked
 * as it goes. Pages still mapped by another process only lose a
 * reference, and leaf tables still shared with another (cow=pt) only
 * lose this name: unmap_range covers every 2 MiB of user space whole.
 */
static void exit_mmap(struct mm_struct *mm, bool audit) {
    struct mmu_gather tlb;
    struct trace_event ev;
    trace_begin(&ev);
    tlb_gather_mmu(&tlb, mm->pgdir);
    if (audit) {
        cow_audit_begin(&tlb, mm);
    }
    tlb.free_tables = true;
    unmap_range(&tlb, USERBASE, USERTOP);
    tlb_finish_mmu(&tlb);
    unmap_trace_end(&ev, "exit_mmap", &tlb);
}
