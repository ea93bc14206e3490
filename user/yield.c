#include <stdio.h>
#include <ulib.h>

/* yield() must come back to us, with our pid unchanged. */
#define ROUNDS 5

int main(void) {
    int pid = getpid();

    cprintf("Hello, I am process %d.\n", pid);
    for (int i = 0; i < ROUNDS; i++) {
        yield();
        cprintf("Back in process %d, iteration %d.\n", getpid(), i);
        if (getpid() != pid) {
            panic("came back as process %d, not %d", getpid(), pid);
        }
    }
    cprintf("All done in process %d.\n", pid);
    cprintf("yield pass.\n");
    return 0;
}
