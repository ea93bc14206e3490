#ifndef __KERN_DRIVER_SBI_H__
#define __KERN_DRIVER_SBI_H__

#include <defs.h>

/* Calls into the SBI firmware (OpenSBI), which runs in M-mode below us. */
void sbi_console_putchar(int ch);
void sbi_set_timer(uint64_t stime_value);
void sbi_shutdown(void) __noreturn;

#endif /* !__KERN_DRIVER_SBI_H__ */
