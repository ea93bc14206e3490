#ifndef __LIBS_MMAN_H__
#define __LIBS_MMAN_H__

/* mmap, madvise and clone constants, with Linux's values. */

#define PROT_NONE       0x0
#define PROT_READ       0x1
#define PROT_WRITE      0x2
#define PROT_EXEC       0x4

#define MAP_SHARED      0x01
#define MAP_PRIVATE     0x02
#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20

#define MAP_FAILED      ((void *)-1)

#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4

/* open() flags */
#define O_RDONLY        0
#define O_WRONLY        1
#define O_RDWR          2

/* clone() flags */
#define CLONE_VM        0x00000100
#define CLONE_THREAD    0x00010000

#endif /* !__LIBS_MMAN_H__ */
