#ifndef __KERN_DRIVER_CONSOLE_H__
#define __KERN_DRIVER_CONSOLE_H__

#include <defs.h>

void cons_init(uint64_t uart_pa);
void cons_putc(int c);

#endif /* !__KERN_DRIVER_CONSOLE_H__ */
