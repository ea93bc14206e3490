#include <console.h>
#include <sbi.h>

/* The console is the firmware's: one SBI call per character. */
void cons_putc(int c) {
    sbi_console_putchar(c);
}

/* The next input character, or 0 when none is waiting. */
int cons_getc(void) {
    int c = sbi_console_getchar();
    return c < 0 ? 0 : c;
}
