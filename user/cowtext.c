#include <defs.h>
#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * Program text is shared read-only by fork, never copy-on-write: a
 * child that stores into its own code must be killed, and nothing may
 * be copied for it. The parent must see exit code -E_KILLED and its
 * own code unchanged. (Run with trace=cow: the grader rejects any COW
 * event at a text address. After the fork no process here stores to
 * its data or heap, which also lie near 0x800000.)
 */

/* A child that overwrites a word of its code; it must not survive. */
static void __noreturn child(volatile uint32_t *text) {
    cprintf("cowtext: child writing its code at 0x%lx, the kernel must kill it\n",
            (unsigned long)(uintptr_t)text);
    *text = 0;
    panic("FAIL: the child wrote its program text");
}

int main(void) {
    /* main's first aligned word (compressed code may start mid-word) */
    volatile uint32_t *text = (volatile uint32_t *)ROUNDDOWN((uintptr_t)main, sizeof(uint32_t));
    uint32_t word = *text;
    int pid, code = 0;

    pid = fork();
    if (pid == 0) {
        child(text);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    if (waitpid(pid, &code) != 0) {
        panic("waitpid failed");
    }
    cprintf("cowtext: the child exited with %d\n", code);
    assert(code == -E_KILLED);
    assert(*text == word);
    cprintf("cowtext: my code is unchanged\n");
    cprintf("cowtext pass.\n");
    return 0;
}
