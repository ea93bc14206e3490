#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * The less common ways a page changes hands under copy-on-write:
 *  - memwrite (a forced write, like /proc/self/mem) into writable memory
 *    shared after fork: it breaks COW like a store, copying while the
 *    child holds the page and reusing it once the child is gone;
 *  - a first store into a writable private file mapping: a private copy
 *    of the file's page, with no read-only stage in between;
 *  - the same file page mapped twice, then force-written: three holders;
 *  - waitpid storing into a page that three processes share.
 * Each step checks what every side sees.
 */
#define PGSIZE 4096
#define PATH "/etc/passwd"

static char *heap;

static void check_forced_cow(void) {
    heap = sbrk(2 * PGSIZE);
    assert(heap != (void *)-1);
    strcpy(heap, "parent");
    strcpy(heap + PGSIZE, "second");
    int pid = fork(), code;
    if (pid == 0) {
        for (int i = 0; i < 5; i++) {
            yield();
        }
        exit(strcmp(heap, "parent") == 0 ? 0 : 1);  /* never sees the forced write */
    }
    assert(pid > 0);
    assert(memwrite(heap, "forced", 7) == 7 && strcmp(heap, "forced") == 0);   /* copy */
    assert(waitpid(pid, &code) == 0 && code == 0);
    assert(memwrite(heap + PGSIZE, "reused", 7) == 7);                          /* reuse */
    assert(strcmp(heap + PGSIZE, "reused") == 0);
    cprintf("memwrite after fork: copied while shared, reused when alone\n");
}

static void check_file_pages(void) {
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0);
    char *w = mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert(w != MAP_FAILED);
    w[0] = 'R';                                     /* a store first: file-copy */
    assert(memcmp(w, "Root:x:0:0:", 11) == 0);
    char *a = mmap(NULL, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    char *b = mmap(NULL, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    assert(a != MAP_FAILED && b != MAP_FAILED && a[0] == 'r' && b[0] == 'r');
    assert(memwrite(a, "R", 1) == 1 && a[0] == 'R' && b[0] == 'r');
    char now[16];
    int fd2 = open(PATH, O_RDONLY);
    assert(read(fd2, now, sizeof(now)) == sizeof(now) && now[0] == 'r');
    close(fd2);
    close(fd);
    cprintf("file pages: stored and force-written copies; the file is unchanged\n");
}

/* waitpid's status lands in a page the parent shares with two live children. */
static void check_copyout_three_holders(void) {
    int *slot = (int *)heap;
    *slot = 7;
    int first = fork(), second, code;
    if (first == 0) {
        exit(0x51);
    }
    second = fork();
    if (second == 0) {
        for (int i = 0; i < 10; i++) {
            yield();
        }
        exit(*slot == 7 ? 0 : 1);
    }
    int third = fork();
    if (third == 0) {
        for (int i = 0; i < 10; i++) {
            yield();
        }
        exit(*slot == 7 ? 0 : 1);
    }
    assert(first > 0 && second > 0 && third > 0);
    assert(waitpid(first, slot) == 0 && *slot == 0x51);
    assert(waitpid(second, &code) == 0 && code == 0);
    assert(waitpid(third, &code) == 0 && code == 0);
    cprintf("copy-out into a page with three holders: only the parent sees it\n");
}

int main(void) {
    check_forced_cow();
    check_file_pages();
    check_copyout_three_holders();
    cprintf("cowforced pass.\n");
    return 0;
}
