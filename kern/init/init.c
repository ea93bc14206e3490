#include <defs.h>
#include <string.h>
#include <stdio.h>
#include <fdt.h>
#include <console.h>
#include <bootargs.h>
#include <clock.h>
#include <intr.h>
#include <trap.h>
#include <pmm.h>
#include <vmm.h>
#include <pgtable.h>
#include <kmalloc.h>
#include <cow.h>
#include <gup.h>
#include <fs.h>
#include <proc.h>
#include <sched.h>
#include <power.h>
#include <cpu.h>
#include <spinlock.h>
#include <lockdep.h>

extern char edata[], end[];

static struct boot_info boot_info;

/* Default RAM and timer when the device tree says nothing. */
#define DEFAULT_MEM_SIZE    (128UL << 20)
#define DEFAULT_TIMEBASE    10000000UL

/* Read memory size, timer frequency and boot arguments from the device tree. */
static void read_device_tree(uintptr_t fdt_pa) {
    boot_info.mem_base = DRAM_BASE;
    boot_info.mem_size = DEFAULT_MEM_SIZE;
    boot_info.timebase = DEFAULT_TIMEBASE;
    if (fdt_parse(KADDR(fdt_pa), &boot_info) != 0) {
        cprintf("no device tree at 0x%lx: assuming defaults\n", fdt_pa);
    }
    bootargs_init(boot_info.bootargs);
}

/* C entry point, from boot/entry.S: a0 = hart id, a1 = device tree. */
void kern_init(uintptr_t hartid, uintptr_t fdt_pa) __noreturn;
void kern_init(uintptr_t hartid, uintptr_t fdt_pa) {
    memset(edata, 0, end - edata);
    boot_hartid = hartid;
    cpu_init(hartid);           /* the other harts wait in the SBI until smp_init */
    read_device_tree(fdt_pa);

    cprintf("ucore-cow: RISC-V 64 (Sv39), hart %d, %d MiB RAM at 0x%lx\n", (int)hartid,
            (int)(boot_info.mem_size >> 20), boot_info.mem_base);
    cprintf("boot arguments: \"%s\"\n", bootargs_all());

    trap_init();
    lockdep_init();
    pmm_init(boot_info.mem_base, boot_info.mem_size);
    power_init(boot_info.test_base);
    cons_init(boot_info.uart_base);
    kmalloc_init();
    cow_init();
    gup_init();
    tlb_init();
    vmm_init();
    fs_init();
    sched_init();
    proc_init();
    check_cow();
    clock_init(boot_info.timebase);
    smp_init();
    init_start();
    cpu_idle();
}
