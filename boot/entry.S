/*
 * First instructions of the kernel. OpenSBI jumps here in S-mode with
 * the MMU off, at physical address 0x80200000, with a0 = hart id and
 * a1 = physical address of the device tree. The kernel is linked at
 * 0xFFFFFFFFC0200000, so before any C code runs we:
 *
 *   1. point satp at boot_page_table, which maps the first GiB of RAM twice:
 *      at its own address (so the instruction after `csrw satp` can still
 *      be fetched) and at 0xFFFFFFFFC0000000 (where the kernel is linked);
 *   2. jump to the linked (high) address of kern_init on the boot stack.
 *
 * pmm_init later replaces boot_page_table with a finer page table that drops
 * the identity mapping.
 *
 * Only the first hart to arrive here boots the kernel. Under load, a hart
 * that smp_init started through the SBI has been seen to arrive here
 * instead of at secondary_entry, with the boot hart's arguments: OpenSBI's
 * hart_start (as its source reads) marks the hart as starting before it
 * stores where it should start, and a hart that looks just then goes to
 * the old address. Running
 * kern_init twice would wipe the kernel under the boot hart, so a second
 * arrival becomes what it was meant to be, a secondary hart.
 */
#include <mmu.h>
#include <riscv.h>

    /* satp = Sv39 | PPN(boot_page_table); `la` is PC-relative: a physical address here */
    .macro BOOT_PAGING_ON
    la      t0, boot_page_table
    srli    t0, t0, PGSHIFT
    li      t1, SATP_SV39
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma
    .endm

    .section .text.kern_entry
    .globl kern_entry
kern_entry:
    la      t0, boot_claimed            /* physical: paging is off */
    li      t1, 1
    amoswap.w t1, t1, (t0)
    bnez    t1, secondary_entry         /* not the first: a secondary */
    BOOT_PAGING_ON

    /* Now running on the identity half: load absolute (high) addresses. */
    lui     sp, %hi(bootstacktop)
    addi    sp, sp, %lo(bootstacktop)
    lui     t0, %hi(kern_init)
    addi    t0, t0, %lo(kern_init)
    jr      t0                          /* kern_init(hartid, fdt_pa) */

    .section .data.boot_page_table
    .balign PGSIZE
    .globl boot_page_table
boot_page_table:
    /* 1 GiB leaves: V R W X A D, PPN of 0x80000000 */
    .zero 2 * 8
    .dword (0x80000 << PTE_PPN_SHIFT) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    .zero (511 - 3) * 8
    .dword (0x80000 << PTE_PPN_SHIFT) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

    .section .data
    .balign PGSIZE
    .globl bootstack
bootstack:
    .space KSTACKSIZE
    .globl bootstacktop
bootstacktop:

/*
 * Where every other hart starts (smp_init asks the SBI's HSM to start
 * it here): a0 = its hart id, the MMU off. It turns paging on through
 * boot_page_table, as kern_entry did, takes hart_stacks[a0] as its
 * stack and goes on in C. A hart id the kernel has no room for waits
 * here for good.
 */
    .section .text.kern_entry
    .globl secondary_entry
secondary_entry:
    li      t0, NCPU
    bgeu    a0, t0, 2f
    BOOT_PAGING_ON
    lui     t0, %hi(hart_stacks)
    addi    t0, t0, %lo(hart_stacks)
    addi    t1, a0, 1
    li      t2, KSTACKSIZE
    mul     t1, t1, t2
    add     sp, t0, t1                  /* the top of hart_stacks[a0] */
    lui     t0, %hi(secondary_init)
    addi    t0, t0, %lo(secondary_init)
    jr      t0                          /* secondary_init(hartid) */
2:  wfi
    j       2b

    .section .data
    .balign 4
boot_claimed:
    .word   0
