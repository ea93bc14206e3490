#include <stdio.h>
#include <string.h>
#include <ulib.h>
#include <error.h>

/*
 * The kernel's copies to user memory say what went wrong and are all or
 * nothing:
 *  1. read() into, and write() from, a file mapping past the end of the
 *     file fail with -E_FAULT (no page there), not -E_NO_MEM;
 *  2. waitpid's status and 3. read()'s buffer, straddling two pages that
 *     a sleeping child still shares copy-on-write, with the second
 *     page's copy failing (failalloc), fail with -E_NO_MEM and write
 *     nothing; the child stays waitable and the file position stays.
 */

#define PGSIZE 4096
#define FILL 0xAA

/*
 * Two fresh pages full of FILL, shared with a child that sleeps until
 * killed (or for at most 5 seconds, should we die first).
 */
static char *shared_pages(int *keeper) {
    char *p = mmap(NULL, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(p != MAP_FAILED);
    memset(p, FILL, 2 * PGSIZE);
    if ((*keeper = fork()) == 0) {
        sleep(500);
        exit(0);
    }
    assert(*keeper > 0);
    return p;
}

static void end_keeper(int keeper) {
    int code;
    assert(kill(keeper) == 0 && waitpid(keeper, &code) == 0);
}

/* Are the n bytes at p still FILL? */
static bool untouched(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)p[i] != FILL) {
            return false;
        }
    }
    return true;
}

static void past_end_of_file(void) {
    int fd = open("/etc/passwd", O_RDONLY);
    assert(fd >= 0);
    char *map = mmap(NULL, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert(map != MAP_FAILED);
    int r = read(fd, map + PGSIZE, 8), w = write(1, map + PGSIZE, 8);
    cprintf("copyout: read() into a file mapping past the file's end returned %d, write() %d\n",
            r, w);
    assert(r == -E_FAULT && w == -E_FAULT);
    close(fd);
}

static void waitpid_status(void) {
    int keeper, code;
    char *p = shared_pages(&keeper);
    int quitter = fork();
    if (quitter == 0) {
        exit(0x12345678);
    }
    assert(quitter > 0);
    sleep(2);                               /* the quitter is a zombie by now */
    int *status = (int *)(p + PGSIZE - 2);
    assert(failalloc(2) == 0);              /* the second page's copy fails */
    int ret = waitpid(quitter, status);
    failalloc(0);
    bool clean = untouched(p + PGSIZE - 2, 4);
    cprintf("copyout: waitpid with its status across two shared pages, out of memory: %d, %s\n",
            ret, clean ? "nothing written" : "FAIL: bytes written");
    assert(ret == -E_NO_MEM && clean);
    assert(waitpid(quitter, &code) == 0 && code == 0x12345678);
    cprintf("copyout: the child stayed waitable (exit code 0x%x)\n", code);
    end_keeper(keeper);
}

static void read_buffer(void) {
    int keeper, fd = open("/etc/passwd", O_RDONLY);
    assert(fd >= 0);
    char *p = shared_pages(&keeper), head[9] = { 0 };
    assert(failalloc(2) == 0);
    int ret = read(fd, p + PGSIZE - 4, 8);
    failalloc(0);
    bool clean = untouched(p + PGSIZE - 4, 8);
    cprintf("copyout: read() into two shared pages, out of memory: %d, %s\n", ret,
            clean ? "nothing written" : "FAIL: bytes written");
    assert(ret == -E_NO_MEM && clean);
    assert(read(fd, head, 8) == 8 && strcmp(head, "root:x:0") == 0);
    cprintf("copyout: the file position stayed at 0\n");
    close(fd);
    end_keeper(keeper);
}

int main(void) {
    past_end_of_file();
    waitpid_status();
    read_buffer();
    cprintf("copyout pass.\n");
    return 0;
}
