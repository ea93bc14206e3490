#include <stdio.h>
#include <ulib.h>
#include <error.h>

/*
 * Many harts count the same page at once. One process per hart reads
 * 2048 pages of a read-only anonymous mapping, each of which maps the
 * shared zero page (no page of its own), then forks and reaps children
 * in a loop: each fork adds 2048 to the zero page's count in one tight
 * loop (the child maps it as often), each exit takes 2048 away, and the
 * processes on the other harts do the same to the same count at the
 * same moments. A count that loses an update on the way (a plain
 * load-add-store, say) ends wrong: the audit names the page, at the
 * exit that finds it too low ("page's count leaves out this mapping or
 * another hold") or after the program ("has ref N but M mappings"), or
 * the kernel frees the page it holds for good. A correct count ends
 * where it began.
 */

#define PGSIZE    4096
#define MAPPINGS  2048
#define WORKERS   4
#define RACE_MSEC 1000

static void __noreturn hammer(void) {
    volatile char *map = mmap(NULL, MAPPINGS * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    assert(map != MAP_FAILED);
    for (int i = 0; i < MAPPINGS; i++) {
        assert(map[i * PGSIZE] == 0);
    }
    unsigned int start = gettime_msec(), forks = 0;
    while (gettime_msec() - start < RACE_MSEC) {
        int code, pid = fork();
        if (pid == 0) {
            exit(0);
        }
        assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
        forks++;
    }
    exit(forks > 0 ? 0 : 1);
}

int main(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    int pids[WORKERS], code, failed = 0;
    for (int i = 0; i < WORKERS; i++) {
        if ((pids[i] = fork()) == 0) {
            hammer();
        }
        assert(pids[i] > 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        assert(waitpid(pids[i], &code) == 0);
        failed += code != 0;
    }
    cprintf("refrace: %d processes on %d harts counted the zero page %d times over at once\n",
            WORKERS, (int)st.harts, MAPPINGS);
    if (failed == 0) {
        cprintf("refrace pass.\n");
    }
    return failed;
}
