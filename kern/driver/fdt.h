#ifndef __KERN_DRIVER_FDT_H__
#define __KERN_DRIVER_FDT_H__

#include <defs.h>

#define BOOTARGS_MAX 256

/* What the kernel needs from the device tree the firmware hands over. */
struct boot_info {
    uint64_t mem_base;              /* /memory reg: first RAM range */
    uint64_t mem_size;
    uint64_t timebase;              /* /cpus timebase-frequency (Hz) */
    char bootargs[BOOTARGS_MAX];    /* /chosen bootargs ("" if none) */
    uint64_t test_base;             /* /soc/test: QEMU's exit register (0 if none) */
    uint64_t uart_base;             /* /soc/serial: a 16550 UART (0 if none) */
};

int fdt_parse(const void *fdt, struct boot_info *info);

#endif /* !__KERN_DRIVER_FDT_H__ */
