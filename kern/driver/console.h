#ifndef __KERN_DRIVER_CONSOLE_H__
#define __KERN_DRIVER_CONSOLE_H__

#include <defs.h>

void cons_init(uint64_t uart_pa);
void cons_putc(int c);

/* kern/libs/stdio.c: hold the console for a line of several calls (nests on one hart). */
void console_lock(void);
void console_unlock(void);
void console_panic(void);           /* panic: print from now on without the lock */

#endif /* !__KERN_DRIVER_CONSOLE_H__ */
