#include <fdt.h>
#include <string.h>
#include <error.h>

/*
 * A flattened device tree is a header, a structure block of tokens
 * (begin node "name", property, end node) and a strings block holding
 * property names. Every number in it is big-endian.
 */
#define FDT_MAGIC       0xd00dfeed
#define FDT_BEGIN_NODE  1
#define FDT_END_NODE    2
#define FDT_PROP        3
#define FDT_NOP         4
#define FDT_END         9

struct fdt_header {
    uint32_t magic, totalsize, off_dt_struct, off_dt_strings;
    uint32_t off_mem_rsvmap, version, last_comp_version;
    uint32_t boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

static uint32_t be32(const void *p) {
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static uint64_t be64(const void *p) {
    return ((uint64_t)be32(p) << 32) | be32((const uint8_t *)p + 4);
}

/* Does node name `name` (e.g. "memory@80000000") have base name `base`? */
static bool node_is(const char *name, const char *base) {
    size_t n = strlen(base);
    return strncmp(name, base, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

/* Does a "compatible" value (NUL-separated strings) list `what`? */
static bool compatible_with(const uint8_t *val, uint32_t len, const char *what) {
    for (uint32_t i = 0; i < len; i += strlen((const char *)val + i) + 1) {
        if (strcmp((const char *)val + i, what) == 0) {
            return true;
        }
    }
    return false;
}

/* The "reg" and "compatible" of one node below /soc: is it a device we use? */
static struct {
    uint64_t reg;
    bool is_test;       /* QEMU's exit register */
    bool is_uart;       /* a 16550 UART */
} soc_node;

/* Record one property of a node two levels down (/soc/...) we care about. */
static void take_soc_prop(const char *prop, const uint8_t *val, uint32_t len) {
    if (strcmp(prop, "reg") == 0 && len >= 8) {
        soc_node.reg = be64(val);
    } else if (strcmp(prop, "compatible") == 0) {
        soc_node.is_test = compatible_with(val, len, "sifive,test0");
        soc_node.is_uart = compatible_with(val, len, "ns16550a");
    }
}

/* Record one property of a node we care about. */
static void take_prop(struct boot_info *info, const char *node, const char *prop,
                      const uint8_t *val, uint32_t len) {
    if (node_is(node, "memory") && strcmp(prop, "reg") == 0 && len >= 16) {
        info->mem_base = be64(val);
        info->mem_size = be64(val + 8);
    } else if (node_is(node, "chosen") && strcmp(prop, "bootargs") == 0) {
        size_t n = MIN((size_t)len, (size_t)BOOTARGS_MAX - 1);
        memcpy(info->bootargs, val, n);
        info->bootargs[n] = '\0';
    } else if (node_is(node, "cpus") && strcmp(prop, "timebase-frequency") == 0 && len == 4) {
        info->timebase = be32(val);
    }
}

/*
 * Fill *info from the device tree at fdt (a kernel virtual address).
 * Nodes directly below the root are looked at, and below /soc the test
 * device (QEMU's exit register) and the first UART. Returns 0, or
 * -E_INVAL if fdt is not a device tree.
 */
int fdt_parse(const void *fdt, struct boot_info *info) {
    const struct fdt_header *h = fdt;
    if (be32(&h->magic) != FDT_MAGIC) {
        return -E_INVAL;
    }
    const uint8_t *p = (const uint8_t *)fdt + be32(&h->off_dt_struct);
    const uint8_t *end = p + be32(&h->size_dt_struct);
    const char *strings = (const char *)fdt + be32(&h->off_dt_strings);
    const char *node = "";      /* current node at depth 1 */
    int depth = 0;

    while (p < end) {
        uint32_t token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            if (++depth == 2) {
                node = name;
            }
            soc_node.reg = 0, soc_node.is_test = soc_node.is_uart = false;
            p += ROUNDUP(strlen(name) + 1, 4);
        } else if (token == FDT_END_NODE) {
            if (depth-- == 3 && node_is(node, "soc")) {
                if (soc_node.is_test) {
                    info->test_base = soc_node.reg;
                } else if (soc_node.is_uart && info->uart_base == 0) {
                    info->uart_base = soc_node.reg;
                }
            }
        } else if (token == FDT_PROP) {
            uint32_t len = be32(p), nameoff = be32(p + 4);
            if (depth == 2) {
                take_prop(info, node, strings + nameoff, p + 8, len);
            } else if (depth == 3 && node_is(node, "soc")) {
                take_soc_prop(strings + nameoff, p + 8, len);
            }
            p += 8 + ROUNDUP(len, 4);
        } else if (token == FDT_END) {
            break;
        } else if (token != FDT_NOP) {
            return -E_INVAL;
        }
    }
    return 0;
}
