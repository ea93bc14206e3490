#include <defs.h>
#include <string.h>
#include <ulib.h>

/*
 * The kernel's boot arguments, as /proc/cmdline shows them: words
 * separated by blanks, each a bare `name` or `name=value`. Tests read
 * their settings (tries=, forks=, fuzzseed=, ...) from here.
 */

#define CMDLINE_MAX 512

/* Start of word `name` (bare or name=...) in the command line, or NULL. */
static const char *find_word(const char *name) {
    static char cmdline[CMDLINE_MAX];
    static bool loaded;
    if (!loaded) {
        int fd = open("/proc/cmdline", O_RDONLY), n = fd >= 0 ? read(fd, cmdline, CMDLINE_MAX - 1) : 0;
        if (fd >= 0) {
            close(fd);
        }
        cmdline[n > 0 ? n : 0] = '\0';
        loaded = true;
    }
    size_t len = strlen(name);
    for (const char *p = cmdline; (p = strstr(p, name)) != NULL; p++) {
        char after = p[len];
        if ((p == cmdline || p[-1] == ' ') &&
            (after == '\0' || after == ' ' || after == '\n' || after == '=')) {
            return p;
        }
    }
    return NULL;
}

bool bootarg_has(const char *name) {
    return find_word(name) != NULL;
}

long bootarg_long(const char *name, long def) {
    const char *p = find_word(name);
    if (p == NULL || p[strlen(name)] != '=') {
        return def;
    }
    char *end;
    long value = strtol(p + strlen(name) + 1, &end, 0);
    return end == p + strlen(name) + 1 ? def : value;
}
