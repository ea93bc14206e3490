#include <error.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * A fork bomb, defused: fork until the kernel refuses. The refusal must
 * be an error from fork (-E_NO_FREE_PROC at the process limit, -E_NO_MEM
 * when memory runs out), never a panic or a hang. The children park in
 * sleep until we kill them, and each is reaped with the killed code.
 * Then the same number of forks must succeed again (the kernel lost
 * nothing to the first round), and free memory must be exactly what it
 * was before either round.
 *
 * Memory: right after a fork our stack is shared copy-on-write, so our
 * next store needs a fresh page. If the fork took the last one, that
 * store fails and the kernel kills us (as it should), leaving the parked
 * children to nobody. So when fewer than LOW_WATER pages are free we
 * take all but HOG_LEFT of them ourselves (heap pages, each written
 * while there is room), too few for any fork; the next fork must be
 * refused, and we give the pages back.
 */
#define MAX_CHILDREN 4096       /* the kernel's process limit */
#define PARK_TICKS   100        /* a parked child wakes once a second ... */
#define PARK_MSEC    5000       /* ... and gives up after this long */
#define PARK_EXPIRED 0x0b0b     /* its exit code then */
#define LOW_WATER    64         /* free pages below which we fill memory ourselves */
#define HOG_LEFT     4          /* free pages left then: fewer than any fork needs */
#define PGSIZE       4096

static int pids[MAX_CHILDREN];
static size_t hog_pages;        /* heap pages taken by hog_memory */

static size_t free_pages(void) {
    struct memstat ms;

    if (memstat(&ms) != 0) {
        panic("memstat failed");
    }
    return ms.free_pages;
}

/* Take free pages (written heap pages) until only HOG_LEFT are left. */
static void hog_memory(void) {
    char *page;

    sleep(2);       /* let the newest children make their first copies */
    while (free_pages() > HOG_LEFT && (page = sbrk(PGSIZE)) != (char *)-1) {
        *page = 1;
        hog_pages++;
    }
}

static void release_memory(void) {
    if (hog_pages > 0 && sbrk(-(intptr_t)(hog_pages * PGSIZE)) == (void *)-1) {
        panic("cannot give back %d heap pages", (int)hog_pages);
    }
    hog_pages = 0;
}

/*
 * A child: sleep until killed. If we died instead of killing it (say an
 * injected allocation failure), it exits by itself after PARK_MSEC, so
 * that the machine still comes to an end.
 */
static void __noreturn park(void) {
    unsigned int born = gettime_msec();

    while (gettime_msec() - born < PARK_MSEC) {
        sleep(PARK_TICKS);
    }
    exit(PARK_EXPIRED);
}

/*
 * Fork parked children until fork fails or max of them run, filling
 * memory ourselves when fewer than low_water pages are free. Returns how
 * many were forked; *err gets fork's error (0 if max was reached).
 */
static int fork_until_refused(int max, size_t low_water, int *err) {
    int n = 0, pid;

    *err = 0;
    while (n < max) {
        if (free_pages() < low_water) {
            hog_memory();
        }
        if ((pid = fork()) == 0) {
            park();
        }
        if (pid < 0) {
            *err = pid;
            break;
        }
        pids[n++] = pid;
        yield();        /* the child makes its first copies now: free_pages counts them */
    }
    release_memory();
    return n;
}

/* Kill n children and reap each; every one must exit with -E_KILLED. */
static void kill_all(int n) {
    int ret, code;

    for (int i = 0; i < n; i++) {
        if ((ret = kill(pids[i])) != 0) {
            panic("kill of child %d (pid %d) failed: %e", i, pids[i], ret);
        }
    }
    for (int i = 0; i < n; i++) {
        code = 0;
        if ((ret = waitpid(pids[i], &code)) != 0 || code != -E_KILLED) {
            panic("waitpid of child %d (pid %d): %e, code %d", i, pids[i], ret, code);
        }
    }
    if (wait() == 0) {
        panic("wait found a child after all were reaped");
    }
}

int main(void) {
    int n, again, err;
    size_t before, after;
    char *heap;

    /* touch every page of ours first, so that the counts compare the kernel's */
    memset(pids, 0, sizeof(pids));
    hog_pages = 0;
    if ((heap = sbrk(PGSIZE)) == (char *)-1) {  /* the heap area: growing it needs no new one */
        panic("sbrk failed");
    }
    *heap = 0;
    before = free_pages();
    n = fork_until_refused(MAX_CHILDREN, LOW_WATER, &err);
    if (err != -E_NO_FREE_PROC && err != -E_NO_MEM) {
        panic("fork of child %d failed with %e, want no free process or no memory", n, err);
    }
    cprintf("forkbomb: %d children, then fork refused: %e\n", n, err);
    kill_all(n);
    if ((after = free_pages()) != before) {
        panic("free pages %d before the bomb, %d after", (int)before, (int)after);
    }
    cprintf("forkbomb: killed and reaped all %d; free pages back to %d\n", n, (int)after);

    /* the same forks again; a little less room is allowed for timing */
    again = fork_until_refused(n, LOW_WATER / 2, &err);
    if (again < n) {
        panic("only %d of %d forks succeeded the second time: %e", again, n, err);
    }
    kill_all(again);
    if ((after = free_pages()) != before) {
        panic("free pages %d before the bomb, %d after the second", (int)before, (int)after);
    }
    cprintf("forkbomb: forked %d again, killed and reaped them; free pages %d\n", again,
            (int)after);
    cprintf("forkbomb pass.\n");
    return 0;
}
