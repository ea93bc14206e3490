#include <ulib.h>

int main(void);

void umain(void) __noreturn;

/* Run the program's main and exit with what it returns. */
void umain(void) {
    exit(main());
}
