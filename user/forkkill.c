#include <stdio.h>
#include <ulib.h>
#include <unistd.h>
#include <error.h>

/*
 * A kill ends a fork that is asleep. Program X's main thread M forks
 * while its address-space lock is held by thread G (a forced write that
 * yields inside get-user-pages with the lock held: boot argument
 * gup_resched=0), so the fork sleeps until G lets go. Meanwhile K kills
 * X. K shares X's memory but is a process of its own (clone with
 * CLONE_VM, no CLONE_THREAD), so it lives on after kill() returns and
 * then sets `killed`. When M's fork wakes it must give up: a child whose
 * copy of memory shows `killed` set was born after kill() had returned.
 *
 * With one hart and a long time slice (make grade boots it so) the order
 * above is exact; with more, the fork may also end before the kill: the
 * child then rightly sees `killed` clear, and M waits to be killed.
 */

#define PGSIZE 4096
#define STACK_SIZE (4 * PGSIZE)
#define GIVE_UP_MSEC 5000

int __clone(uint32_t flags, void *stack, int (*fn)(void *), void *arg);

static volatile int killed, victim;
static char target[4 * PGSIZE] __attribute__((aligned(PGSIZE)));

static int holder(void *arg) {          /* G, a thread of X */
    (void)arg;
    static const char bytes[4 * PGSIZE];
    memwrite(target, bytes, sizeof(bytes));     /* yields at every page */
    return 0;
}

static int killer(void *arg) {          /* K, a process sharing X's memory */
    (void)arg;
    yield();                            /* M is asleep in fork now */
    assert(kill(victim) == 0);
    killed = 1;
    return 0;
}

/* Program X: fork while G holds the lock; K kills us meanwhile. */
static void __noreturn program_x(void) {
    for (int i = 0; i < 4; i++) {
        target[i * PGSIZE] = 1;
    }
    killed = 0;                         /* K's store must not fault (and wait) later */
    victim = getpid();
    char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    assert(stack != MAP_FAILED && thread_create(holder, NULL) > 0 &&
           __clone(CLONE_VM, stack + STACK_SIZE, killer, NULL) > 0);
    yield();                            /* G takes the lock and yields it to K, K to us */
    int pid = fork();
    if (pid == 0) {
        if (killed) {
            cprintf("forkkill: FAIL: a child was born after kill() of its parent returned\n");
        }
        exit(0);
    }
    unsigned int start = gettime_msec();
    while (gettime_msec() - start < GIVE_UP_MSEC) {     /* the fork came first: wait for the kill */
        yield();
    }
    exit(2);                            /* no kill came (K died: an injected allocation failure) */
}

int main(void) {
    int code, pid = fork();
    if (pid == 0) {
        program_x();
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    cprintf("forkkill: the program ended with %d\n", code);
    if (code == -E_KILLED) {
        cprintf("forkkill pass.\n");
    }
    return 0;
}
