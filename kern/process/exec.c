#include <proc.h>
#include <trap.h>
#include <pgtable.h>
#include <vmm.h>
#include <cow.h>
#include <elf.h>
#include <error.h>
#include <string.h>
#include <stdio.h>
#include <riscv.h>

/*
 * Programs and address spaces: every user program (user/NAME.c) is linked into the kernel
 * image (obj/userprogs.S lists them); exec builds a fresh address space
 * from one of those ELF images and only then drops the old one, so a
 * failed exec leaves the caller as it was.
 */

extern const struct user_program user_programs[];

/* The embedded program called name, or NULL. */
const struct user_program *find_program(const char *name) {
    for (const struct user_program *p = user_programs; p->name != NULL; p++) {
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

void print_programs(void) {
    cprintf("available programs:");
    for (const struct user_program *p = user_programs; p->name != NULL; p++) {
        cprintf(" %s", p->name);
    }
    cprintf("\n");
}

/* Area rights for an ELF segment's p_flags. */
static uint32_t segment_vm_flags(uint32_t p_flags) {
    uint32_t vm_flags = 0;
    if (p_flags & ELF_PF_R) {
        vm_flags |= VM_READ;
    }
    if (p_flags & ELF_PF_W) {
        vm_flags |= VM_READ | VM_WRITE;
    }
    if (p_flags & ELF_PF_X) {
        vm_flags |= VM_EXEC;
    }
    return vm_flags;
}

/*
 * Is the program header sane: inside the file, inside user space, and
 * with some right (its pages need a PTE with R, W or X)?
 */
static bool segment_ok(const struct proghdr *ph, size_t size) {
    return ph->p_filesz <= ph->p_memsz && ph->p_offset + ph->p_filesz >= ph->p_offset &&
           ph->p_offset + ph->p_filesz <= size && ph->p_va + ph->p_memsz > ph->p_va &&
           USER_ACCESS(ph->p_va, ph->p_va + ph->p_memsz) && segment_vm_flags(ph->p_flags) != 0;
}

/*
 * Map one loadable segment into mm and copy its file bytes into pages.
 * The rest (bss) is left to demand-zero faults. The heap begins at the
 * next 2 MiB after the last segment, so that its leaf tables hold heap
 * only: cow=pt shares them whole at fork, and the program's code and
 * data (which parent and child touch at once) entry by entry.
 */
static int load_segment(struct mm_struct *mm, const uint8_t *binary, const struct proghdr *ph) {
    struct vma_struct *vma;
    int ret = mm_map(mm, ph->p_va, ph->p_memsz, segment_vm_flags(ph->p_flags), &vma);
    if (ret != 0) {
        return ret;
    }
    uintptr_t va = ph->p_va, end = ph->p_va + ph->p_filesz;
    const uint8_t *from = binary + ph->p_offset;
    while (va < end) {
        uintptr_t page_va = ROUNDDOWN(va, PGSIZE);
        size_t n = MIN(end - va, page_va + PGSIZE - va);
        struct Page *page = get_page(mm->pgdir, page_va, NULL);
        if (page == NULL && (page = pgdir_alloc_page(mm->pgdir, page_va, vma_pte_perm(vma))) == NULL) {
            return -E_NO_MEM;
        }
        memcpy((uint8_t *)page2kva(page) + (va - page_va), from, n);
        va += n;
        from += n;
    }
    mm->brk_start = mm->brk = MAX(mm->brk, ROUNDUP(ph->p_va + ph->p_memsz, PT_SPAN(1)));
    return 0;
}

/*
 * Build a new address space from the ELF image binary[0, size): its
 * segments, an empty heap and a user stack, and set *tf to enter it at
 * the program's entry. 0, -E_INVAL_ELF, or -E_NO_MEM; on failure
 * nothing is left allocated.
 */
int load_icode(const uint8_t *binary, size_t size, struct mm_struct **mm_store,
               struct trapframe *tf) {
    const struct elfhdr *elf = (const struct elfhdr *)binary;
    if (size < sizeof(*elf) || elf->e_magic != ELF_MAGIC ||
        elf->e_phoff + (uint64_t)elf->e_phnum * sizeof(struct proghdr) > size) {
        return -E_INVAL_ELF;
    }
    struct mm_struct *mm = mm_create();
    if (mm == NULL) {
        return -E_NO_MEM;
    }
    int ret = 0;
    const struct proghdr *ph = (const struct proghdr *)(binary + elf->e_phoff);
    struct trace_event ev;
    trace_begin(&ev);
    for (int i = 0; i < elf->e_phnum && ret == 0; i++, ph++) {
        if (ph->p_type == ELF_PT_LOAD && ph->p_memsz > 0) {
            ret = segment_ok(ph, size) ? load_segment(mm, binary, ph) : -E_INVAL_ELF;
        }
    }
    trace_end(&ev, TRACE_FAULT, "exec-load", "exec-load%s", ret != 0 ? " failed" : "");
    if (ret == 0) {
        ret = mm_map(mm, USTACKTOP - USTACKSIZE, USTACKSIZE, VM_READ | VM_WRITE | VM_STACK, NULL);
    }
    if (ret != 0) {
        mmput(mm);
        return ret;
    }
    memset(tf, 0, sizeof(struct trapframe));
    /* LAB lab5 1: BEGIN
     * YOUR CODE: set up the trap frame so that returning from the trap
     * (sret) enters the new program in user mode: its stack pointer at the
     * top of the user stack (USTACKTOP), its pc at the ELF entry point,
     * and sstatus saying "previous mode user" (SPP clear) with interrupts
     * enabled once in user mode (SPIE set), none in the kernel (SIE clear).
     * STUB:
     *     (void)elf;
     */
    tf->gpr.sp = USTACKTOP;
    tf->epc = elf->e_entry;
    tf->status = (read_csr(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE;
    /* LAB lab5 1: END */
    *mm_store = mm;
    return 0;
}

/*
 * Replace the current program with the embedded program `name`. Returns
 * only on failure (-E_NOENT, -E_INVAL_ELF, -E_NO_MEM: the caller is
 * untouched; -E_KILLED: it was killed meanwhile). On success every other
 * thread of the old program has ended, the caller is an ordinary process
 * and its next return to user mode enters the new program.
 */
int do_execve(const char *name) {
    const struct user_program *prog = find_program(name);
    if (prog == NULL) {
        return -E_NOENT;
    }
    struct mm_struct *mm;
    struct trapframe tf;
    int ret = load_icode(prog->start, prog->end - prog->start, &mm, &tf);
    if (ret != 0) {
        return ret;
    }
    if ((ret = de_thread()) != 0) {     /* the other threads of the old program end */
        mmput(mm);
        return ret;
    }
    struct mm_struct *old = current->mm;
    current->mm = mm;
    current->pgdir_pa = PADDR(mm->pgdir);
    load_pgdir(current->pgdir_pa);
    if (old != NULL) {
        mmput_audited(old);
    }
    *current->tf = tf;
    set_proc_name(current, name);
    return 0;
}
