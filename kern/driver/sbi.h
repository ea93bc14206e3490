#ifndef __KERN_DRIVER_SBI_H__
#define __KERN_DRIVER_SBI_H__

#include <defs.h>

/* Calls into the SBI firmware (OpenSBI), which runs in M-mode below us. */
void sbi_console_putchar(int ch);
void sbi_set_timer(uint64_t stime_value);
void sbi_shutdown(void) __noreturn;

/* More than one hart: start them (HSM), interrupt them (IPI), flush their TLBs (RFENCE). */
#define SBI_HART_STARTED    0
#define SBI_HART_STOPPED    1
#define SBI_FLUSH_ALL       ((size_t)-1)
long sbi_hart_start(unsigned long hartid, uintptr_t start_pa, unsigned long opaque);
long sbi_hart_status(unsigned long hartid);
void sbi_send_ipi(unsigned long mask);
void sbi_remote_sfence_vma(unsigned long mask, uintptr_t start, size_t size);

#endif /* !__KERN_DRIVER_SBI_H__ */
