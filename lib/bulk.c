/* bulk.c - `_bulk` request bodies and per-item results; see bulk.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "bulk.h"

void sp_bulk_init(sp_bulk *b)
{
    memset(b, 0, sizeof(*b));
}

void sp_bulk_reset(sp_bulk *b)
{
    b->buf.len = 0;
    b->items = 0;
}

void sp_bulk_free(sp_bulk *b)
{
    sp_buf_free(&b->buf);
    b->items = 0;
}

static int append_action(sp_bulk *b, const char *action, const char *index, const char *id)
{
    char head[32];
    int n = snprintf(head, sizeof(head), "{\"%s\":{\"_index\":", action);
    if (sp_buf_append(&b->buf, head, (size_t)n) || sp_buf_append_json_string(&b->buf, index) ||
        sp_buf_append(&b->buf, ",\"_id\":", 7) || sp_buf_append_json_string(&b->buf, id) ||
        sp_buf_append(&b->buf, "}}\n", 3))
        return -1;
    return 0;
}

int sp_bulk_index(sp_bulk *b, const char *index, const char *id, const char *doc, size_t len)
{
    if (append_action(b, "index", index, id) || sp_buf_append(&b->buf, doc, len) || sp_buf_append(&b->buf, "\n", 1))
        return -1;
    b->items++;
    return 0;
}

int sp_bulk_delete(sp_bulk *b, const char *index, const char *id)
{
    if (append_action(b, "delete", index, id))
        return -1;
    b->items++;
    return 0;
}

int sp_bulk_index_name_check(const char *name, char *why, size_t whylen)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0)
        return snprintf(why, whylen, "index name is empty"), -1;
    if (n > 255)
        return snprintf(why, whylen, "index name is %zu bytes, more than 255", n), -1;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return snprintf(why, whylen, "index name must not be \"%s\"", name), -1;
    if (strchr("-_+", name[0]))
        return snprintf(why, whylen, "index name \"%.300s\" must not start with '%c'", name, name[0]), -1;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            return snprintf(why, whylen, "index name \"%.300s\" must be lowercase", name), -1;
        if (*p < 0x20)
            return snprintf(why, whylen, "index name \"%.300s\" must not contain control characters", name), -1;
        if (strchr("\\/*?\"<>|,#: ", *p))
            return snprintf(why, whylen, "index name \"%.300s\" must not contain '%c'", name, *p), -1;
    }
    return 0;
}

sp_bulk_outcome sp_bulk_classify(int status, const char *error_type)
{
    if (status >= 200 && status < 300)
        return SP_BULK_OK;
    if (status == 429 || status >= 500 || status == 408)
        return SP_BULK_RETRY;
    if (error_type && (strcmp(error_type, "es_rejected_execution_exception") == 0 ||
                       strcmp(error_type, "opensearch_rejected_execution_exception") == 0 ||
                       strcmp(error_type, "cluster_block_exception") == 0))
        return SP_BULK_RETRY;
    return SP_BULK_REJECT;
}

/* "errors":false within the first bytes: every item succeeded. */
static int errors_false(const char *body, size_t len)
{
    size_t scan = len < 256 ? len : 256;
    for (size_t i = 0; i + 14 <= scan; i++)
        if (memcmp(body + i, "\"errors\":false", 14) == 0)
            return 1;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* One element of "items": {"index": {"_id":..,"status":..,"error":{..}}}. */
static void parse_item(json_t *elem, sp_bulk_item *it)
{
    const char *action;
    json_t *body;
    it->status = 0;
    it->outcome = SP_BULK_REJECT;
    json_object_foreach(elem, action, body) {
        it->status = (int)json_integer_value(json_object_get(body, "status"));
        it->id = dup_or_null(json_string_value(json_object_get(body, "_id")));
        json_t *e = json_object_get(body, "error");
        const char *type = json_string_value(json_object_get(e, "type"));
        it->error_type = dup_or_null(type);
        it->reason = dup_or_null(json_string_value(json_object_get(e, "reason")));
        it->outcome = sp_bulk_classify(it->status, type);
        /* A delete of an id that is not there is what we wanted. */
        if (strcmp(action, "delete") == 0 && it->status == 404 && !e)
            it->outcome = SP_BULK_OK;
        break;
    }
}

static void count(sp_bulk_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        res->ok += res->items[i].outcome == SP_BULK_OK;
        res->retry += res->items[i].outcome == SP_BULK_RETRY;
        res->reject += res->items[i].outcome == SP_BULK_REJECT;
    }
}

int sp_bulk_parse_response(const char *body, size_t len, size_t expected,
                           sp_bulk_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    res->items = calloc(expected ? expected : 1, sizeof(sp_bulk_item));
    if (!res->items) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    res->n = expected;
    if (errors_false(body, len)) {
        for (size_t i = 0; i < expected; i++)
            res->items[i].status = 200;
        res->ok = expected;
        return 0;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    json_t *items = json_object_get(root, "items");
    int rc = -1;
    if (!root)
        snprintf(err, errlen, "bulk response is not JSON: %s", jerr.text);
    else if (!json_is_array(items))
        snprintf(err, errlen, "bulk response has no items array");
    else if (json_array_size(items) != expected)
        snprintf(err, errlen, "bulk response has %zu items for %zu actions", json_array_size(items), expected);
    else
        rc = 0;
    for (size_t i = 0; rc == 0 && i < expected; i++)
        parse_item(json_array_get(items, i), &res->items[i]);
    json_decref(root);
    if (rc != 0) {
        sp_bulk_result_free(res);
        return -1;
    }
    count(res);
    return 0;
}

void sp_bulk_result_free(sp_bulk_result *res)
{
    for (size_t i = 0; res->items && i < res->n; i++) {
        free(res->items[i].id);
        free(res->items[i].error_type);
        free(res->items[i].reason);
    }
    free(res->items);
    memset(res, 0, sizeof(*res));
}

int sp_bulk_index_template_check(const char *index_template, char *why, size_t whylen)
{
    char name[300];
    if (snprintf(name, sizeof(name), "%s-2026-01-01", index_template) >= (int)sizeof(name))
        return snprintf(why, whylen, "longer than 255 bytes with its date"), -1;
    return sp_bulk_index_name_check(name, why, whylen);
}
