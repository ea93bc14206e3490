#ifndef __LIBS_ERROR_H__
#define __LIBS_ERROR_H__

/* Kernel error codes; system calls return their negation. */
#define E_UNSPECIFIED   1   /* unspecified or unknown problem */
#define E_BAD_PROC      2   /* process doesn't exist or otherwise */
#define E_INVAL         3   /* invalid parameter */
#define E_NO_MEM        4   /* request failed due to memory shortage */
#define E_NO_FREE_PROC  5   /* attempt to create a new process beyond */
#define E_FAULT         6   /* memory fault */
#define E_SWAP_FAULT    7   /* SWAP READ/WRITE fault */
#define E_INVAL_ELF     8   /* invalid elf file */
#define E_KILLED        9   /* process is killed */
#define E_PANIC         10  /* panic failure */
#define E_TIMEOUT       11  /* timeout */
#define E_TOO_BIG       12  /* argument is too big */
#define E_NO_DEV        13  /* no such device */
#define E_NA_DEV        14  /* device not available */
#define E_BUSY          15  /* device/file is busy */
#define E_NOENT         16  /* no such file or directory */
#define E_ISDIR         17  /* is a directory */
#define E_NOTDIR        18  /* not a directory */
#define E_XDEV          19  /* cross device link */
#define E_UNIMP         20  /* unimplemented feature */
#define E_SEEK          21  /* illegal seek */
#define E_MAX_OPEN      22  /* too many files are open */
#define E_EXISTS        23  /* file or directory already exists */
#define E_NOTEMPTY      24  /* directory is not empty */
#define E_ACCES         25  /* permission denied */
#define E_BADF          26  /* bad file descriptor */

/* the maximum allowed */
#define MAXERROR        26

#endif /* !__LIBS_ERROR_H__ */
