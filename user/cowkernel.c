#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/*
 * The kernel's own store into a shared page must copy it too. The
 * parent's heap word slot sits in a page it shares with child A;
 * child B exits with B_CODE and the parent reaps it with
 * waitpid(B, slot), so the kernel writes B_CODE into that page. The
 * parent must then read B_CODE, while A, which looks only after the
 * parent is done, must still read OLD_VALUE; A's exit code tells.
 */
#define PGSIZE      4096
#define OLD_VALUE   0x01d01d
#define B_CODE      0x5b
#define A_SAW_OLD   0x0a
#define A_SAW_OTHER 0x0b
#define A_DELAY     50      /* ticks A sleeps: the parent's waitpid is long done */

/* Child A: wait for the parent's copy-out, then report what slot holds. */
static void __noreturn child_a(volatile int *slot) {
    assert(*slot == OLD_VALUE);
    sleep(A_DELAY);
    if (*slot != OLD_VALUE) {
        cprintf("cowkernel: child A sees slot = 0x%x\n", *slot);
        exit(A_SAW_OTHER);
    }
    cprintf("cowkernel: child A still sees the old value\n");
    exit(A_SAW_OLD);
}

/* Fork child A; returns its pid. */
static int fork_a(volatile int *slot) {
    int pid = fork();
    if (pid == 0) {
        child_a(slot);
    }
    if (pid < 0) {
        panic("fork of child A failed: %e", pid);
    }
    return pid;
}

/* Fork child B, which only exits with B_CODE; returns its pid. */
static int fork_b(void) {
    int pid = fork();
    if (pid == 0) {
        exit(B_CODE);
    }
    if (pid < 0) {
        panic("fork of child B failed: %e", pid);
    }
    return pid;
}

int main(void) {
    struct memstat before, after;
    volatile int *slot;
    int pid_a, pid_b, code = -1;

    slot = sbrk(PGSIZE);
    assert(slot != (void *)-1);
    *slot = OLD_VALUE;
    pid_a = fork_a(slot);
    pid_b = fork_b();

    /* no store of ours touches slot's page before the kernel's */
    assert(memstat(&before) == 0);
    if (waitpid(pid_b, (int *)slot) != 0) {
        panic("waitpid for child B failed");
    }
    assert(memstat(&after) == 0);
    cprintf("cowkernel: waitpid stored 0x%x; copy-on-write %s, %d pages copied\n", *slot,
            after.cow_enabled ? "on" : "off", (int)(after.cow_copies - before.cow_copies));
    assert(*slot == B_CODE);
    if (after.cow_enabled) {
        assert(after.cow_copies > before.cow_copies);
    }

    if (waitpid(pid_a, &code) != 0 || code != A_SAW_OLD) {
        panic("child A saw the kernel's store into the parent's page (code %d)", code);
    }
    assert(*slot == B_CODE);
    cprintf("cowkernel pass.\n");
    return 0;
}
