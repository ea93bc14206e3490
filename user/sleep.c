#include <stdio.h>
#include <ulib.h>

/*
 * A child sleeps ROUNDS times for TICKS ticks each; the parent times
 * it with gettime_msec. The time taken must be at least 90% of what
 * was asked for (a timer running too fast, or sleep not sleeping).
 */
#define ROUNDS        10
#define TICKS         10
#define MSEC_PER_TICK 10        /* 100 ticks a second */
#define ASKED_MSEC    (ROUNDS * TICKS * MSEC_PER_TICK)

static void sleeper(void) {
    for (int i = 0; i < ROUNDS; i++) {
        if (sleep(TICKS) != 0) {
            panic("sleep(%d) failed", TICKS);
        }
        cprintf("sleep %d x %d slices.\n", i + 1, TICKS);
    }
    exit(0);
}

int main(void) {
    unsigned int start = gettime_msec(), used;
    int pid, code = -1;

    pid = fork();
    if (pid == 0) {
        sleeper();
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    if (waitpid(pid, &code) != 0 || code != 0) {
        panic("sleeping child %d did not exit cleanly (code %d)", pid, code);
    }
    used = gettime_msec() - start;
    cprintf("use %04d msecs.\n", used);
    if (used < ASKED_MSEC * 9 / 10) {
        panic("slept %u msecs, asked for %d", used, ASKED_MSEC);
    }
    cprintf("sleep pass.\n");
    return 0;
}
