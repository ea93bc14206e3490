#include <stdio.h>
#include <ulib.h>

/*
 * Killing a process that sleeps in waitpid, and killing an orphan.
 * The parent forks child 1 (spins) and child 2, then waits for
 * child 1. Child 2 kills the parent -- which must die inside waitpid,
 * never return from it -- and then kills child 1, now an orphan.
 * Child 2 waits by sleeping, not yielding: on more than one hart it
 * runs beside the parent, and must give it time to reach waitpid.
 */
static int parent_pid, child1_pid;

static void wait_a_while(void) {
    sleep(5);
}

static void child1(void) {
    cprintf("child 1.\n");
    for (;;) {
    }
}

static void child2(void) {
    cprintf("child 2.\n");
    wait_a_while();
    if (kill(parent_pid) != 0) {
        panic("could not kill the parent %d", parent_pid);
    }
    cprintf("kill parent ok.\n");
    wait_a_while();
    if (kill(child1_pid) != 0) {
        panic("could not kill child 1 (%d)", child1_pid);
    }
    cprintf("kill child1 ok.\n");
    exit(0);
}

int main(void) {
    int pid2;

    parent_pid = getpid();
    child1_pid = fork();
    if (child1_pid == 0) {
        child1();
    }
    if (child1_pid < 0) {
        panic("fork of child 1 failed: %e", child1_pid);
    }
    pid2 = fork();
    if (pid2 == 0) {
        child2();
    }
    if (pid2 < 0) {
        kill(child1_pid);
        panic("fork of child 2 failed: %e", pid2);
    }

    cprintf("wait child 1.\n");
    waitpid(child1_pid, NULL);
    panic("FAIL: waitpid(%d) returned; I should have been killed", child1_pid);
}
