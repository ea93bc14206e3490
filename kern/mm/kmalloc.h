#ifndef __KERN_MM_KMALLOC_H__
#define __KERN_MM_KMALLOC_H__

#include <defs.h>

void *kmalloc(size_t size);
void kfree(void *objp);
size_t kmalloc_bytes(void);
void kmalloc_init(void);

#endif /* !__KERN_MM_KMALLOC_H__ */
