#include <stdio.h>
#include <ulib.h>

/*
 * waitpid returns a program only when every thread of it is gone. In
 * program X, thread G holds the address-space lock (a forced write that
 * yields inside get-user-pages with the lock held: boot argument
 * gup_resched=0), thread W waits to take it for writing (munmap) and
 * thread R, whose store to a fresh page faults, waits behind W. Then X's
 * main thread exits, which ends the group: G, W and R each finish the
 * system call or fault they are in and exit. If waitpid returned as soon
 * as the main thread was gone, R's fault would still allocate its page
 * afterwards: so the parent counts the pages allocated in the system
 * while it waits a while after waitpid, when nothing else runs.
 *
 * The order is exact with one hart and a long time slice (make grade
 * boots it so).
 */

#define PGSIZE 4096
#define QUIET_TICKS 5

static char target[PGSIZE] __attribute__((aligned(PGSIZE)));
static char *spare, *fresh;

static int holder(void *arg) {          /* G */
    (void)arg;
    static const char byte = 1;
    memwrite(target, &byte, 1);         /* yields once, holding the lock */
    return 0;
}

static int unmapper(void *arg) {        /* W */
    (void)arg;
    return munmap(spare, PGSIZE);
}

static int toucher(void *arg) {         /* R */
    (void)arg;
    fresh[0] = 1;
    return 0;
}

static void __noreturn program_x(void) {
    spare = mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fresh = mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(spare != MAP_FAILED && fresh != MAP_FAILED);
    target[0] = 1;
    assert(thread_create(holder, NULL) > 0 && thread_create(unmapper, NULL) > 0 &&
           thread_create(toucher, NULL) > 0);
    yield();                            /* G, W and R run and wait, in that order */
    exit(0);                            /* ends the group */
}

static size_t pages_allocated(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.pages_allocated;
}

int main(void) {
    int code;
    pages_allocated();                  /* our own memstat buffer is in place */
    int pid = fork();
    if (pid == 0) {
        program_x();
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    size_t after_wait = pages_allocated();
    sleep(QUIET_TICKS);
    size_t later = pages_allocated();
    cprintf("groupreap: %d pages allocated in the %d ticks after waitpid\n",
            (int)(later - after_wait), QUIET_TICKS);
    if (later != after_wait) {
        cprintf("groupreap: FAIL: the reaped program's threads ran on after waitpid\n");
        return 1;
    }
    cprintf("groupreap pass.\n");
    return 0;
}
