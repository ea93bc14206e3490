#include <console.h>
#include <sbi.h>

/* The console is the firmware's: one SBI call per character. */
void cons_putc(int c) {
    sbi_console_putchar(c);
}
