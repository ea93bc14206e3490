#ifndef __KERN_DRIVER_CONSOLE_H__
#define __KERN_DRIVER_CONSOLE_H__

void cons_putc(int c);

#endif /* !__KERN_DRIVER_CONSOLE_H__ */
