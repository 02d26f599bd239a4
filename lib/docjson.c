/* docjson.c - protobuf Document -> reference JSON document (see docjson.h). */
#include "docjson.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pyfmt.h"

static int putz(sp_buf *b, const char *s)
{
    return sp_buf_append(b, s, strlen(s));
}

static int put_int(sp_buf *b, long long v)
{
    char num[32];
    return sp_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

static int put_double(sp_buf *b, double v)
{
    char num[40];
    if (!isfinite(v))
        return putz(b, "null");
    return sp_buf_append(b, num, (size_t)sp_py_float_repr(v, num, sizeof(num)));
}

static int put_map(sp_buf *b, Spider__Attribute **attrs, size_t n, const sp_rules *ms)
{
    int rc = putz(b, "{");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const Spider__Attribute *a = attrs[i];
        rc = (i ? putz(b, ",") : 0) || sp_buf_append_json_string(b, a->name) || putz(b, ":");
        if (rc)
            break;
        if (ms && a->value && a->value->kind_case == SPIDER__VALUE__KIND_INT_VALUE &&
            (sp_rules_get(ms, a->name, strlen(a->name)) & SP_RULES_DATE))
            rc = put_int(b, a->value->int_value * 1000);
        else
            rc = sp_docjson_value(b, a->value);
    }
    return rc ? rc : putz(b, "}");
}

int sp_docjson_value(sp_buf *b, const Spider__Value *v)
{
    if (!v)
        return putz(b, "null");
    switch (v->kind_case) {
    case SPIDER__VALUE__KIND_INT_VALUE: return put_int(b, v->int_value);
    case SPIDER__VALUE__KIND_DOUBLE_VALUE: return put_double(b, v->double_value);
    case SPIDER__VALUE__KIND_BOOL_VALUE: return putz(b, v->bool_value ? "true" : "false");
    case SPIDER__VALUE__KIND_STRING_VALUE: return sp_buf_append_json_string(b, v->string_value);
    case SPIDER__VALUE__KIND_LIST_VALUE: {
        int rc = putz(b, "[");
        for (size_t i = 0; v->list_value && i < v->list_value->n_values && rc == 0; i++)
            rc = (i ? putz(b, ",") : 0) || sp_docjson_value(b, v->list_value->values[i]);
        return rc ? rc : putz(b, "]");
    }
    case SPIDER__VALUE__KIND_MAP_VALUE:
        if (!v->map_value)
            return putz(b, "{}");
        return put_map(b, v->map_value->attributes, v->map_value->n_attributes, NULL);
    default: return putz(b, "null");
    }
}

int sp_docjson_write(sp_buf *out, const Spider__Document *d, const sp_docjson_opts *opts)
{
    const sp_rules *ms = opts ? opts->ms_dates : NULL;
    const Spider__Metadata *m = d->metadata;
    int rc = put_map(out, d->attributes, d->n_attributes, ms);
    if (rc || !m)
        return rc;
    out->len--;                                    /* reopen the object for metadata */
    rc = putz(out, d->n_attributes ? ",\"metadata\":{" : "\"metadata\":{") ||
         putz(out, "\"spider_git_hash\":") || sp_buf_append_json_string(out, m->spider_git_hash) ||
         putz(out, ",\"spider_hostname\":") || sp_buf_append_json_string(out, m->spider_hostname) ||
         putz(out, ",\"spider_runtime\":") || put_int(out, m->spider_runtime);
    const char *source = sp_record_source_name(m->spider_source);
    if (!rc && source)
        rc = putz(out, ",\"spider_source\":") || sp_buf_append_json_string(out, source);
    const char *pub = opts && opts->publisher_git_hash ? opts->publisher_git_hash :
                      (m->publisher_git_hash && *m->publisher_git_hash ? m->publisher_git_hash : NULL);
    if (!rc && pub)
        rc = putz(out, ",\"publisher_git_hash\":") || sp_buf_append_json_string(out, pub);
    return rc ? rc : putz(out, "}}");
}
