#ifndef __KERN_LIBS_BOOTARGS_H__
#define __KERN_LIBS_BOOTARGS_H__

#include <defs.h>

/*
 * Boot arguments: the words QEMU's -append puts in /chosen/bootargs,
 * e.g. "prog=forktest cow=off trace=cow timeslice=5".
 */
void bootargs_init(const char *cmdline);
const char *bootarg(const char *key);
long bootarg_long(const char *key, long dflt);
bool bootarg_is(const char *key, const char *value, bool dflt);
bool bootarg_has(const char *key, const char *word);
const char *bootargs_all(void);

#endif /* !__KERN_LIBS_BOOTARGS_H__ */
