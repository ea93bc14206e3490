#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * Two shapes of process tree, both alive all at once.
 *
 * deep: a chain of DEPTH processes, each the child of the one before.
 * Each level writes its mark into a shared data page (so every level
 * gets its own copy) and checks the marks of all levels above it; it
 * exits with what its child exited with, plus one. The top must get
 * DEPTH back.
 *
 * wide: WIDTH children of one parent. The even ones exit at once with
 * their own code, the odd ones sleep until killed; all are reaped with
 * waitpid(0) and each code must turn up exactly once.
 *
 * After each, the free pages must be exactly what they were before.
 */
#define DEPTH        60
#define WIDTH        200
#define PARK_TICKS   100        /* a parked child wakes once a second ... */
#define PARK_MSEC    5000       /* ... and gives up after this long */
#define PARK_EXPIRED 0x0b0b     /* its exit code then */

static int marks[DEPTH + 1];
static int pids[WIDTH];
static bool seen[WIDTH];

static int mark_of(int level) {
    return 0x4d00 + level;
}

static size_t free_pages(void) {
    struct memstat ms;

    if (memstat(&ms) != 0) {
        panic("memstat failed");
    }
    return ms.free_pages;
}

/*
 * The process at `level` of the chain: fork the next level and return
 * what it exited with, plus one. The last level returns 0.
 */
static int chain(int level) {
    int pid, code = -1, ret;

    marks[level] = mark_of(level);
    for (int i = 0; i < level; i++) {
        if (marks[i] != mark_of(i)) {
            panic("level %d sees mark 0x%x for level %d", level, marks[i], i);
        }
    }
    if (level == DEPTH) {
        return 0;
    }
    if ((pid = fork()) == 0) {
        exit(chain(level + 1));
    }
    if (pid < 0) {
        panic("fork at level %d failed: %e", level, pid);
    }
    if ((ret = waitpid(pid, &code)) != 0) {
        panic("waitpid at level %d: %e", level, ret);
    }
    return code + 1;
}

static void check_deep(void) {
    size_t before = free_pages();
    int depth = chain(0);

    if (depth != DEPTH) {
        panic("the chain reported depth %d, want %d", depth, DEPTH);
    }
    if (free_pages() != before) {
        panic("free pages %d before the chain, %d after", (int)before, (int)free_pages());
    }
    cprintf("forkdeep: a chain of %d processes, each the child of the last, came back whole\n",
            DEPTH);
}

/* The exit code of wide child i that exits by itself (the even ones). */
static int code_of(int i) {
    return 0x200 + i;
}

/* An odd child: sleep until killed, or give up after PARK_MSEC (see forkbomb.c). */
static void __noreturn park(void) {
    unsigned int born = gettime_msec();

    while (gettime_msec() - born < PARK_MSEC) {
        sleep(PARK_TICKS);
    }
    exit(PARK_EXPIRED);
}

/* Reap every wide child with waitpid(0); each code must come exactly once. */
static void reap_wide(void) {
    int code, ret, killed = 0;

    for (int n = 0; n < WIDTH; n++) {
        if ((ret = waitpid(0, &code)) != 0) {
            panic("waitpid for the %dth of %d children: %e", n, WIDTH, ret);
        }
        if (code == -E_KILLED) {
            killed++;
        } else if (code >= code_of(0) && code < code_of(WIDTH) && code % 2 == 0 &&
                   !seen[code - code_of(0)]) {
            seen[code - code_of(0)] = true;
        } else {
            panic("a child exited with unexpected code 0x%x", code);
        }
    }
    if (killed != WIDTH / 2) {
        panic("%d children were killed, want %d", killed, WIDTH / 2);
    }
    if (wait() == 0) {
        panic("wait found a child after all were reaped");
    }
}

static void check_wide(void) {
    size_t before = free_pages();
    int pid, ret;

    for (int i = 0; i < WIDTH; i++) {
        if ((pid = fork()) == 0) {
            marks[0] = i;       /* a page of its own */
            if (i % 2 == 0) {
                exit(code_of(i));
            }
            park();
        }
        if (pid < 0) {
            panic("fork of child %d failed: %e", i, pid);
        }
        pids[i] = pid;
    }
    for (int i = 1; i < WIDTH; i += 2) {
        if ((ret = kill(pids[i])) != 0) {
            panic("kill of child %d (pid %d): %e", i, pids[i], ret);
        }
    }
    reap_wide();
    if (free_pages() != before) {
        panic("free pages %d before the wide tree, %d after", (int)before, (int)free_pages());
    }
    cprintf("forkdeep: %d children at once, %d exited and %d killed, each reaped once\n",
            WIDTH, WIDTH / 2, WIDTH / 2);
}

int main(void) {
    /* touch our pages first, so that free pages measure the kernel alone */
    for (int i = 0; i <= DEPTH; i++) {
        marks[i] = 0;
    }
    for (int i = 0; i < WIDTH; i++) {
        pids[i] = 0;
        seen[i] = false;
    }
    check_deep();
    check_wide();
    cprintf("forkdeep pass.\n");
    return 0;
}
