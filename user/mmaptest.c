#include <stdio.h>
#include <string.h>
#include <ulib.h>
#include <error.h>

/*
 * Files and mappings: the read-only file system refuses writers; a
 * private mapping shows the file's bytes and takes writes into its own
 * copy (the file never changes); a shared writable mapping of a
 * read-only file is refused; madvise(MADV_DONTNEED) drops pages so they
 * come back as the file's (or zero); an unmapped page kills whoever
 * touches it.
 */
#define PGSIZE 4096
#define PATH "/etc/passwd"

static char file[PGSIZE];
static int file_size;

static void check_files(void) {
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0);
    file_size = read(fd, file, sizeof(file));
    assert(file_size > 0 && memcmp(file, "root:x:0:0:", 11) == 0);
    assert(read(fd, file, sizeof(file)) == 0);              /* end of file */
    assert(close(fd) == 0 && close(fd) == -E_BADF);
    assert(open(PATH, O_RDWR) == -E_ACCES && open(PATH, O_WRONLY) == -E_ACCES);
    assert(open("/no/such/file", O_RDONLY) == -E_NOENT);
    fd = open(PATH, O_RDONLY);
    assert(read(fd, (void *)0x10, 8) == -E_FAULT);          /* bad buffer: nothing read */
    assert(write(fd, "x", 1) == -E_ACCES);
    assert(close(fd) == 0);
    cprintf("files: read %d bytes; writers and bad buffers refused\n", file_size);
}

/* A private writable mapping copies on the first store; the file stays. */
static void check_private_mapping(void) {
    int fd = open(PATH, O_RDONLY);
    char *map = mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert(map != MAP_FAILED && memcmp(map, file, file_size) == 0);
    map[0] = 'R';
    assert(map[0] == 'R' && map[1] == 'o');
    char again[PGSIZE];
    int fd2 = open(PATH, O_RDONLY);
    if (read(fd2, again, sizeof(again)) != file_size || again[0] != 'r') {
        panic("a store into a private file mapping reached the file (it begins '%c'): the file's "
              "page was reused, not copied", again[0]);
    }
    assert(madvise(map, PGSIZE, MADV_DONTNEED) == 0 && map[0] == 'r');  /* the file's again */
    assert(mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    assert(munmap(map, PGSIZE) == 0);
    close(fd);
    close(fd2);
    cprintf("private file mapping: the store went to a copy, the file is unchanged\n");
}

/* Anonymous memory: zero-filled, dropped by DONTNEED, gone after munmap. */
static void check_anonymous(void) {
    char *a = mmap(NULL, 3 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(a != MAP_FAILED && a[0] == 0 && a[2 * PGSIZE] == 0);
    a[PGSIZE] = 42;
    assert(madvise(a, 0, MADV_DONTNEED) == 0 && a[PGSIZE] == 42);   /* nothing, as Linux */
    assert(madvise(a + 1, 0, MADV_DONTNEED) == -E_INVAL);
    assert(madvise(a, 3 * PGSIZE, MADV_DONTNEED) == 0 && a[PGSIZE] == 0);
    assert(munmap(a + PGSIZE, PGSIZE) == 0);            /* a hole in the middle */
    a[0] = a[2 * PGSIZE] = 1;
    int pid = fork(), code;
    if (pid == 0) {
        a[PGSIZE] = 1;                                  /* the hole: killed */
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == -E_KILLED);
    assert(mmap(NULL, PGSIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    const char *r = mmap(NULL, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(r != MAP_FAILED && r[0] == 0 && r[PGSIZE - 1] == 0);   /* a read-only zero page */
    cprintf("anonymous mapping: zero-filled, dropped (a length of 0 drops nothing), and "
            "unmapped in the middle\n");
}

int main(void) {
    check_files();
    check_private_mapping();
    check_anonymous();
    cprintf("mmaptest pass.\n");
    return 0;
}
