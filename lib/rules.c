/* rules.c - exact-name sets over the compiled-in attribute lists (rules.h). */
#include "rules.h"

#include "classad.h"

#include <stdlib.h>
#include <string.h>

/* Hashed as ads hash names (sp_hash_name, case-folded), so an attribute's
 * stored hash serves here; names are then compared exactly. */
struct sp_rule_entry {
    const char *name;
    size_t len;
    unsigned hash;
    unsigned flags;
};

static struct sp_rule_entry *rule_slot(const sp_rules *m, const char *name, size_t len, unsigned h)
{
    size_t i = h & (m->nslots - 1);
    while (m->slots[i].name && !(m->slots[i].hash == h && m->slots[i].len == len && !memcmp(m->slots[i].name, name, len)))
        i = (i + 1) & (m->nslots - 1);
    return &m->slots[i];
}

int sp_rules_init(sp_rules *m)
{
    static const struct { const char *const *list; unsigned flag; } lists[] = {
        { sp_rules_string_vals, SP_RULES_STRING }, { sp_rules_int_vals, SP_RULES_INT },
        { sp_rules_date_vals, SP_RULES_DATE }, { sp_rules_bool_vals, SP_RULES_BOOL },
        { sp_rules_ignore, SP_RULES_IGNORE }, { sp_rules_running_fields, SP_RULES_RUNNING },
        { sp_rules_no_idx, SP_RULES_NO_IDX }, { sp_rules_no_analysis, SP_RULES_NO_ANALYSIS },
    };
    m->nslots = 2048;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    if (!m->slots)
        return -1;
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
        for (const char *const *n = lists[l].list; *n; n++) {
            size_t len = strlen(*n);
            unsigned h = sp_hash_name(*n, len);
            struct sp_rule_entry *e = rule_slot(m, *n, len, h);
            *e = (struct sp_rule_entry){ *n, len, h, e->flags | lists[l].flag };
        }
    return 0;
}

unsigned sp_rules_get(const sp_rules *m, const char *name, size_t len)
{
    return sp_rules_get_h(m, name, len, sp_hash_name(name, len));
}

unsigned sp_rules_get_h(const sp_rules *m, const char *name, size_t len, unsigned hash)
{
    return rule_slot(m, name, len, hash)->flags;
}

void sp_rules_free(sp_rules *m)
{
    free(m->slots);
    m->slots = NULL;
}
