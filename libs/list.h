#ifndef __LIBS_LIST_H__
#define __LIBS_LIST_H__

#include <defs.h>

/*
 * Circular doubly linked list with a sentinel head. Embed a
 * list_entry_t in a structure and get the structure back with
 * to_struct() (usually through a le2xxx() macro).
 */
typedef struct list_entry {
    struct list_entry *prev, *next;
} list_entry_t;

/* An empty list: the head points at itself. */
static inline void list_init(list_entry_t *elm) {
    elm->prev = elm->next = elm;
}

/* Link elm between two adjacent entries prev and next. */
static inline void __list_add(list_entry_t *elm, list_entry_t *prev, list_entry_t *next) {
    prev->next = next->prev = elm;
    elm->next = next;
    elm->prev = prev;
}

/* Insert elm right after listelm. */
static inline void list_add_after(list_entry_t *listelm, list_entry_t *elm) {
    __list_add(elm, listelm, listelm->next);
}

/* Insert elm right before listelm. */
static inline void list_add_before(list_entry_t *listelm, list_entry_t *elm) {
    __list_add(elm, listelm->prev, listelm);
}

static inline void list_add(list_entry_t *listelm, list_entry_t *elm) {
    list_add_after(listelm, elm);
}

/* Unlink listelm; it is left dangling, not re-initialised. */
static inline void list_del(list_entry_t *listelm) {
    listelm->prev->next = listelm->next;
    listelm->next->prev = listelm->prev;
}

static inline void list_del_init(list_entry_t *listelm) {
    list_del(listelm);
    list_init(listelm);
}

static inline bool list_empty(list_entry_t *list) {
    return list->next == list;
}

static inline list_entry_t *list_next(list_entry_t *listelm) {
    return listelm->next;
}

static inline list_entry_t *list_prev(list_entry_t *listelm) {
    return listelm->prev;
}

#endif /* !__LIBS_LIST_H__ */
