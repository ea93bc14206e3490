#include <stdio.h>
#include <ulib.h>

/*
 * Arms an allocation failure and exits before it comes: the very next
 * page allocation would fail, and this program makes none. Booted first
 * in a list (prog=failnext,hello), it checks that fault injection ends
 * with the program that asked for it: the next program must start.
 */
int main(void) {
    cprintf("failnext: arming the next allocation to fail, and leaving\n");
    assert(failalloc(1) == 0);
    return 0;
}
