/* rules.h - the reference spider's attribute lists (the files in rules/, compiled
 * in by cmake/rules.cmake) and a set type to look names up in them.
 *
 * Names are matched exactly (case-sensitively), as the reference does with
 * Python sets of ClassAd keys. Ownership: a rulemap owns its index, never
 * the names (they are the static strings of the lists). */
#ifndef SPIDER_RULES_H
#define SPIDER_RULES_H

#include <stddef.h>

extern const char *const sp_rules_string_vals[];
extern const char *const sp_rules_int_vals[];
extern const char *const sp_rules_date_vals[];
extern const char *const sp_rules_bool_vals[];
extern const char *const sp_rules_ignore[];
extern const char *const sp_rules_no_idx[];
extern const char *const sp_rules_no_analysis[];
extern const char *const sp_rules_running_fields[];

/* Every list at once: name -> the lists it is in, one lookup per name. */
enum {
    SP_RULES_STRING = 1, SP_RULES_INT = 2, SP_RULES_DATE = 4, SP_RULES_BOOL = 8,
    SP_RULES_IGNORE = 16, SP_RULES_RUNNING = 32, SP_RULES_NO_IDX = 64, SP_RULES_NO_ANALYSIS = 128,
};

typedef struct {
    struct sp_rule_entry *slots;
    size_t nslots;
} sp_rules;

int sp_rules_init(sp_rules *m);
/* The SP_RULES_* flags of name (0 when in no list). */
unsigned sp_rules_get(const sp_rules *m, const char *name, size_t len);
/* The same with the name's sp_hash_name known (an attribute's hash). */
unsigned sp_rules_get_h(const sp_rules *m, const char *name, size_t len, unsigned hash);
void sp_rules_free(sp_rules *m);

#endif
