/* mapping.c - the reference's index mapping and settings (see mapping.h). */
#include "mapping.h"

#include <string.h>

#include "rules.h"

/* The name as documents carry it: MATCH_EXP_JOB_ prefix and _RAW suffix off. */
static void doc_name(const char *in, char *out, size_t len)
{
    if (strncmp(in, "MATCH_EXP_JOB_", 14) == 0)
        in += 14;
    size_t n = strlen(in);
    if (n >= 4 && strcmp(in + n - 4, "_RAW") == 0)
        n -= 4;
    if (n >= len)
        n = len - 1;
    memcpy(out, in, n);
    out[n] = '\0';
}

static json_t *type_of(const char *type)
{
    return json_pack("{s:s}", "type", type);
}

static int member(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* In the reference's order: later lists win for a name in several. */
static void add_properties(json_t *props)
{
    char name[256];
    for (const char *const *n = sp_rules_int_vals; *n; n++) {
        doc_name(*n, name, sizeof(name));
        json_object_set_new(props, name, type_of("long"));
    }
    for (const char *const *n = sp_rules_string_vals; *n; n++) {
        doc_name(*n, name, sizeof(name));
        if (member(sp_rules_no_idx, *n))
            json_object_set_new(props, name, json_pack("{s:s,s:b}", "type", "text", "index", 0));
        else if (member(sp_rules_no_analysis, *n))
            json_object_set_new(props, name, type_of("keyword"));
    }
    for (const char *const *n = sp_rules_date_vals; *n; n++) {
        doc_name(*n, name, sizeof(name));
        json_object_set_new(props, name, json_pack("{s:s,s:s}", "type", "date", "format", "epoch_second"));
    }
    for (const char *const *n = sp_rules_bool_vals; *n; n++) {
        doc_name(*n, name, sizeof(name));
        json_object_set_new(props, name, type_of("boolean"));
    }
    static const char *const not_indexed[] = { "Args", "Cmd", "StartdPrincipal", "StartdIpAddr" };
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_object_get(props, not_indexed[i]);
        if (!p)
            json_object_set_new(props, not_indexed[i], p = type_of("keyword"));
        json_object_set_new(p, "index", json_false());
    }
    json_object_set_new(props, "metadata",
                        json_pack("{s:{s:{s:s,s:s}}}", "properties", "spider_runtime", "type", "date", "format",
                                  "epoch_millis"));
}

json_t *sp_mapping_index_body(void)
{
    json_t *props = json_object();
    if (!props)
        return NULL;
    add_properties(props);
    return json_pack("{s:{s:[{s:{s:s,s:{s:s,s:b,s:i}}}],s:o},s:{s:{s:i}}}",
                     "mappings",
                     "dynamic_templates", "strings_as_keywords", "match_mapping_type", "string", "mapping", "type",
                     "keyword", "norms", 0, "ignore_above", 256,
                     "properties", props,
                     "settings", "index", "mapping.total_fields.limit", 2000);
}
