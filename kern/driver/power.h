#ifndef __KERN_DRIVER_POWER_H__
#define __KERN_DRIVER_POWER_H__

#include <defs.h>

/* Exit statuses of the machine (QEMU's own exit status). */
#define EXIT_OK             0   /* every program ran; the kernel's checks passed */
#define EXIT_PANIC          1   /* a kernel panic */
#define EXIT_NO_PROGRAM     2   /* prog= named no program of this kernel */

void power_init(uint64_t test_pa);          /* the exit register, if the machine has one */
void power_off(int status) __noreturn;      /* end the machine with this exit status */

#endif /* !__KERN_DRIVER_POWER_H__ */
