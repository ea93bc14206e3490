#ifndef __LIBS_ERROR_H__
#define __LIBS_ERROR_H__

/*
 * Kernel error codes; system calls return their negation. The numbers
 * are ucore's; those this kernel never returns are left out.
 */
#define E_BAD_PROC      2   /* process doesn't exist or otherwise */
#define E_INVAL         3   /* invalid parameter */
#define E_NO_MEM        4   /* request failed due to memory shortage */
#define E_NO_FREE_PROC  5   /* attempt to create a new process beyond */
#define E_FAULT         6   /* memory fault */
#define E_INVAL_ELF     8   /* invalid elf file */
#define E_KILLED        9   /* process is killed */
#define E_PANIC         10  /* panic failure */
#define E_TOO_BIG       12  /* argument is too big */
#define E_NOENT         16  /* no such file or directory */
#define E_MAX_OPEN      22  /* too many files are open */
#define E_ACCES         25  /* permission denied */
#define E_BADF          26  /* bad file descriptor */

/* the maximum allowed */
#define MAXERROR        26

#endif /* !__LIBS_ERROR_H__ */
