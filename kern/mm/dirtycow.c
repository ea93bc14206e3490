#include <gup.h>
#include <vmm.h>
#include <pmm.h>
#include <bootargs.h>
#include <stdio.h>

/*
 * The three eras of Linux's answer to "may a forced write follow this
 * read-only PTE?", one instance each of struct dirtycow_era, chosen at
 * boot with dirtycow= (default fix2022). And the planted bug that broke
 * the 2016 fix, hugedirty: a read fault marks the PTE dirty.
 * docs/dirtycow.md tells the story; gup.c runs the loop they steer.
 */

static bool hugedirty;     /* boot argument hugedirty */

/* 4.8: a read-only PTE is never good enough ... */
static bool vulnerable_can_follow(pte_t pte, struct Page *page, const struct vma_struct *vma,
                                  uint32_t foll_flags) {
    (void)pte, (void)page, (void)vma, (void)foll_flags;
    return false;
}

/* ... so once COW was broken, 4.8 stopped asking for write access: the bug. */
static const char *vulnerable_cow_broken(uint32_t *foll_flags) {
    *foll_flags &= ~FOLL_WRITE;
    return "fault broke COW; dropping FOLL_WRITE";
}

/* 19be0eaffa3a: follow only if this lookup broke COW and the page is dirty. */
static bool fix2016_can_follow(pte_t pte, struct Page *page, const struct vma_struct *vma,
                               uint32_t foll_flags) {
    /* LAB dirtycow 1: BEGIN
     * YOUR CODE: Linux's 2016 rule. A forced write may use this read-only
     * PTE only if this very lookup already broke COW (the flag your
     * fix2016_cow_broken sets) and the PTE is dirty (PTE_SOFTDIRTY: a
     * write made this page, so it is our private copy).
     * STUB:
     *     (void)pte, (void)page, (void)vma, (void)foll_flags;
     *     return false;
     */
    (void)page, (void)vma;
    return (foll_flags & FOLL_FORCE) && (foll_flags & FOLL_COW) && (pte & PTE_SOFTDIRTY);
    /* LAB dirtycow 1: END */
}

static const char *fix2016_cow_broken(uint32_t *foll_flags) {
    /* LAB dirtycow 1: BEGIN
     * YOUR CODE: the fault broke COW for this lookup. Keep asking for write
     * access, but remember the break (FOLL_COW) for fix2016_can_follow.
     * STUB:
     *     *foll_flags &= ~FOLL_WRITE;     // what 4.8 did: the bug
     *     return "fault broke COW; dropping FOLL_WRITE";
     */
    *foll_flags |= FOLL_COW;
    return "fault broke COW; setting FOLL_COW";
    /* LAB dirtycow 1: END */
}

/* 5535be309971: follow only our own private anonymous page, held by us alone. */
static bool fix2022_can_follow(pte_t pte, struct Page *page, const struct vma_struct *vma,
                               uint32_t foll_flags) {
    /* LAB dirtycow 2: BEGIN
     * YOUR CODE: Linux's 2022 rule, which trusts no bit in the PTE. A forced
     * write may use this read-only PTE only in a private area the process
     * may not write but may force (VM_MAYWRITE, not VM_SHARED), and only
     * if the page is anonymous (never a file's) and exclusively ours.
     * STUB:
     *     (void)pte, (void)page, (void)vma, (void)foll_flags;
     *     return false;
     */
    (void)pte;
    return (foll_flags & FOLL_FORCE) && !(vma->vm_flags & (VM_SHARED | VM_WRITE)) &&
           (vma->vm_flags & VM_MAYWRITE) && !PageFile(page) && page_ref(page) == 1;
    /* LAB dirtycow 2: END */
}

static const char *fix2022_cow_broken(uint32_t *foll_flags) {
    /* LAB dirtycow 2: BEGIN
     * YOUR CODE: the fault broke COW for this lookup: nothing to remember,
     * the next lookup asks the page itself. Keep asking for write access.
     * STUB:
     *     *foll_flags &= ~FOLL_WRITE;     // what 4.8 did: the bug
     *     return "fault broke COW; dropping FOLL_WRITE";
     */
    (void)foll_flags;
    return "fault broke COW";
    /* LAB dirtycow 2: END */
}

static const struct dirtycow_era eras[] = {
    { "vulnerable", vulnerable_can_follow, vulnerable_cow_broken },
    { "fix2016", fix2016_can_follow, fix2016_cow_broken },
    { "fix2022", fix2022_can_follow, fix2022_cow_broken },
};

const struct dirtycow_era *dirtycow = &eras[2];

void dirtycow_init(void) {
    for (size_t i = 0; i < ARRAY_SIZE(eras); i++) {
        if (bootarg_is("dirtycow", eras[i].name, false)) {
            dirtycow = &eras[i];
        }
    }
    hugedirty = bootarg_is("hugedirty", "", false) || bootarg_is("hugedirty", "on", false);
    cprintf("dirtycow: forced writes follow the %s rules%s\n", dirtycow->name,
            hugedirty ? ", hugedirty bug on" : "");
}

/*
 * The rights a read fault gives a file's page. With the planted bug
 * (boot argument hugedirty) it also comes out dirty, as Linux's huge
 * page code once marked a page dirty on a read (CVE-2017-1000405):
 * fix2016 then trusts a dirty bit that no write set.
 */
uint32_t dirtycow_read_fault_perm(uint32_t perm) {
    return hugedirty ? perm | PTE_SOFTDIRTY : perm;
}
