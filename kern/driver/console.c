#include <console.h>
#include <sbi.h>
#include <pmm.h>

/*
 * The console is the 16550 UART of QEMU's virt machine, found in the
 * device tree. Until cons_init maps it (and on a machine without one),
 * each character goes through the firmware instead: an SBI call, which
 * traps to M-mode for OpenSBI to drive the same UART. Writing it from
 * here costs two device accesses a character, about half as much.
 */
#define UART_THR        0       /* transmit holding register (write) */
#define UART_LSR        5       /* line status register */
#define UART_LSR_THRE   0x20    /* THR empty: the next character may go */

static volatile uint8_t *uart;

/* Use the UART at physical address uart_pa from now on (0: none). */
void cons_init(uint64_t uart_pa) {
    if (uart_pa != 0) {
        uart = boot_map_mmio(uart_pa, PGSIZE);
    }
}

void cons_putc(int c) {
    if (uart == NULL) {
        sbi_console_putchar(c);
        return;
    }
    while ((uart[UART_LSR] & UART_LSR_THRE) == 0) {
    }
    uart[UART_THR] = (uint8_t)c;
}
