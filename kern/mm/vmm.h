#ifndef __KERN_MM_VMM_H__
#define __KERN_MM_VMM_H__

#include <defs.h>
#include <list.h>
#include <memlayout.h>
#include <rwsem.h>
#include <spinlock.h>

struct mm_struct;
struct inode;
struct trace_event;
struct mmu_gather;

/* One contiguous range of a process's address space with one set of rights (mmap_lock). */
struct vma_struct {
    struct mm_struct *vm_mm;
    uintptr_t vm_start;         /* first address */
    uintptr_t vm_end;           /* one past the last; page aligned */
    uint32_t vm_flags;          /* VM_xxx */
    struct inode *vm_file;      /* mapped file, or NULL (anonymous memory) */
    size_t vm_pgoff;            /* file page that vm_start maps */
    list_entry_t list_link;     /* in mm->mmap_list, sorted by address */
};

#define VM_READ     0x00000001
#define VM_WRITE    0x00000002
#define VM_EXEC     0x00000004
#define VM_STACK    0x00000008
#define VM_SHARED   0x00000010  /* MAP_SHARED: writes go to the file, never copied */
#define VM_MAYWRITE 0x00000020  /* a forced write (FOLL_FORCE) may break COW here */

/*
 * A process's address space: its areas and its page table.
 *
 * mmap_lock (Linux's mmap_lock, once mmap_sem) is held for reading by
 * whoever fills in or drops pages of existing areas: page faults, the
 * kernel's copies to and from user memory, the whole get-user-pages
 * loop of a forced write (across its resched point, as Linux 4.8 held
 * it), madvise(MADV_DONTNEED). It is held for writing by whoever changes
 * the areas or must see the page table still: mmap, munmap, brk, and
 * fork's dup_mmap on the parent. A holder never takes it again.
 *
 * page_table_lock (Linux's too) is a spinlock taken inside mmap_lock
 * around every look at a PTE that decides something and every change
 * of one: readers of mmap_lock run side by side (two threads faulting,
 * or one faulting while another drops pages), and this orders them.
 * An address space that no other hart can reach yet (fork's child,
 * exec's new one) or any more (its last user gone) needs neither.
 * Leaf tables shared with other address spaces (cow=pt) are changed
 * only by their last holder: see cow_pt.c.
 */
struct mm_struct {
    struct rwsem mmap_lock;
    spinlock_t page_table_lock;     /* the page table's entries */
    list_entry_t mm_link;           /* in mm_list (mm_list_lock) */
    /* mmap_lock: */
    list_entry_t mmap_list;         /* vma_structs sorted by vm_start */
    struct vma_struct *mmap_cache;  /* last area found (readers store it: atomic) */
    int map_count;                  /* number of areas */
    uintptr_t brk_start;            /* heap: [brk_start, brk) */
    uintptr_t brk;
    /* set once: */
    pde_t *pgdir;                   /* page table (kernel address) */
    /* atomic: */
    int mm_count;                   /* processes using it (threads share one) */
};

#define le2vma(le, member) to_struct((le), struct vma_struct, member)
#define le2mm(le) to_struct((le), struct mm_struct, mm_link)

/* Every address space that exists, in use or being built (the audit walks them). */
extern list_entry_t mm_list;            /* under mm_list_lock */
extern spinlock_t mm_list_lock;

/* vmm.c: address spaces and their areas */
struct mm_struct *mm_create(void);          /* empty, with a page table and one user; or NULL */
void mmput(struct mm_struct *mm);           /* drop a user; the last frees pages, tables, areas */
void mmput_audited(struct mm_struct *mm);   /* ... a process's, at exit or exec: audited first */
int dup_mmap(struct mm_struct *to, struct mm_struct *from);    /* fork's copy; 0 or -E_NO_MEM */
struct vma_struct *vma_create(uintptr_t vm_start, uintptr_t vm_end, uint32_t vm_flags);
void insert_vma_struct(struct mm_struct *mm, struct vma_struct *vma);   /* must not overlap */
void remove_vma_struct(struct mm_struct *mm, struct vma_struct *vma);   /* and free it */
struct vma_struct *find_vma(struct mm_struct *mm, uintptr_t addr);     /* first with addr < end */
void unmap_trace_end(struct trace_event *ev, const char *what, const struct mmu_gather *tlb);
void vmm_init(void);

/* mmap.c: changing the areas (mm's lock held for writing) and the system calls */
int mm_map(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
           struct vma_struct **vma_store);  /* anonymous; 0, -E_INVAL, -E_NO_MEM */
int mm_map_file(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
                struct inode *file, size_t pgoff);
int mm_unmap(struct mm_struct *mm, uintptr_t addr, size_t len);   /* cut areas, drop pages */
int mm_zap(struct mm_struct *mm, uintptr_t addr, size_t len);     /* drop pages, keep areas */
uintptr_t mm_find_free(struct mm_struct *mm, size_t len);        /* highest free gap, or 0 */
intptr_t do_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off);
int do_munmap(uintptr_t addr, size_t len);
int do_madvise(uintptr_t addr, size_t len, int advice);
int do_brk(uintptr_t addr, uintptr_t *brk_store);

/* What a fault asks for (handle_mm_fault's flags). */
#define FAULT_WRITE     0x1     /* a store or AMO */
#define FAULT_EXEC      0x2     /* an instruction fetch */
#define FAULT_KERNEL    0x4     /* the kernel, touching user memory for the process */
#define FAULT_FORCE     0x8     /* a forced write (memwrite) into a private read-only area */

/* handle_mm_fault's positive result: a write broke COW (Linux's VM_FAULT_WRITE). */
#define VM_FAULT_WRITE  1

/* fault.c: page faults */
void zero_page_init(void);                                          /* at boot, before any fault */
struct Page *get_zero_page(void);
struct Page *get_zero_table(void);                                  /* its page, for the audit */
bool zero_table_intact(void);                                       /* all 512 entries as built */
bool zero_page_intact(void);                                        /* all 4096 bytes still 0 */
bool vma_fits_zero_table(const struct vma_struct *vma, uintptr_t base);  /* 2 MiB at base */
/* The zero page's holds besides user PTEs: the kernel's and the zero table's 512 entries. */
#define ZERO_PAGE_KERNEL_HOLDS (1 + NPTEENTRY)
int do_pgfault(struct mm_struct *mm, uintptr_t cause, uintptr_t addr);   /* from a user trap */
int handle_mm_fault(struct mm_struct *mm, uintptr_t addr, uint32_t flags); /* mmap_lock held */
int handle_mm_fault_locked(struct mm_struct *mm, uintptr_t addr, uint32_t flags); /* + pt lock */
bool vma_allows(const struct vma_struct *vma, uint32_t flags);  /* the one rights rule */
uint32_t vma_pte_perm(const struct vma_struct *vma);            /* leaf rights for its pages */
uint32_t vma_perm_after_write(const struct vma_struct *vma);    /* ... once written */

/* uaccess.c: the one path to user memory; errors are the fault's own */
bool user_mem_check(struct mm_struct *mm, uintptr_t addr, size_t len, bool write);
int copy_from_user(struct mm_struct *mm, void *dst, const void *src, size_t len);
int copy_to_user(struct mm_struct *mm, void *dst, const void *src, size_t len); /* all or nothing */
int copy_string_from_user(struct mm_struct *mm, char *dst, const char *src, size_t maxn);
int fault_in_user_locked(struct mm_struct *mm, uintptr_t addr, size_t len, bool write);
int copy_to_user_locked(struct mm_struct *mm, void *dst, const void *src, size_t len);

/* vmm_check.c */
void check_vmm(void);

static inline void mmap_read_lock(struct mm_struct *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { up_read(&mm->mmap_lock); }
static inline void mmap_write_lock(struct mm_struct *mm) { down_write(&mm->mmap_lock); }
static inline int mmap_write_lock_killable(struct mm_struct *mm) {
    return down_write_killable(&mm->mmap_lock);
}
static inline void mmap_write_unlock(struct mm_struct *mm) { up_write(&mm->mmap_lock); }

/* An mm's page_table_lock (macros, so that the lock checker names the caller's line). */
#define pt_lock(mm)     spin_lock(&(mm)->page_table_lock)
#define pt_unlock(mm)   spin_unlock(&(mm)->page_table_lock)
#define pt_locked(mm)   spin_holding(&(mm)->page_table_lock)

static inline int mm_count_inc(struct mm_struct *mm) {
    return __atomic_add_fetch(&mm->mm_count, 1, __ATOMIC_ACQ_REL);
}
static inline int mm_count_dec(struct mm_struct *mm) {
    return __atomic_sub_fetch(&mm->mm_count, 1, __ATOMIC_ACQ_REL);
}

#endif /* !__KERN_MM_VMM_H__ */
