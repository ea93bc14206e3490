#include <bootargs.h>
#include <fdt.h>
#include <string.h>

static char cmdline[BOOTARGS_MAX];
static char words[BOOTARGS_MAX];    /* cmdline with each blank made a '\0' */

void bootargs_init(const char *s) {
    strncpy(cmdline, s, sizeof(cmdline) - 1);
    memcpy(words, cmdline, sizeof(words));
    for (size_t i = 0; i < sizeof(words); i++) {
        if (words[i] == ' ' || words[i] == '\t' || words[i] == '\n') {
            words[i] = '\0';
        }
    }
}

const char *bootargs_all(void) {
    return cmdline;
}

/*
 * The value of "key=value" (the last one wins), "" for a bare "key",
 * or NULL when key is absent.
 */
const char *bootarg(const char *key) {
    size_t n = strlen(key);
    const char *found = NULL;
    for (size_t i = 0; i < sizeof(words); i++) {
        const char *w = words + i;
        if (*w == '\0') {
            continue;
        }
        if (strncmp(w, key, n) == 0 && (w[n] == '=' || w[n] == '\0')) {
            found = w[n] == '=' ? w + n + 1 : w + n;
        }
        i += strlen(w);
    }
    return found;
}

/* A numeric argument, or dflt when absent or not a number. */
long bootarg_long(const char *key, long dflt) {
    const char *v = bootarg(key);
    char *end;
    if (v == NULL || *v == '\0') {
        return dflt;
    }
    long x = strtol(v, &end, 0);
    return *end == '\0' ? x : dflt;
}

/* Is key=value given? dflt when the key is absent. */
bool bootarg_is(const char *key, const char *value, bool dflt) {
    const char *v = bootarg(key);
    return v == NULL ? dflt : strcmp(v, value) == 0;
}

/* Is word one of the comma-separated values of key (e.g. trace=cow,gup)? */
bool bootarg_has(const char *key, const char *word) {
    const char *v = bootarg(key);
    size_t n = strlen(word);
    while (v != NULL && *v != '\0') {
        if (strncmp(v, word, n) == 0 && (v[n] == ',' || v[n] == '\0')) {
            return true;
        }
        v = strchr(v, ',');
        v = v != NULL ? v + 1 : NULL;
    }
    return false;
}
