#include <ulib.h>

/* Does nothing and exits 0: a program for tests that need something to exec. */
int main(void) {
    return 0;
}
