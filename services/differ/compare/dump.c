/* dump.c - protobuf dumps: Records, each prefixed by its length as a
 * varint (the "delimited" framing of protobuf's writeDelimitedTo), and the
 * conversion of a reference JSON document into a Document for them
 * (`spider-differ dump IN.jsonl OUT.pb`, and the tests).
 *
 * Ownership: differ_document_from_json returns a Document whose every
 * string and array is malloc'd, so spider__document__free_unpacked(d, NULL)
 * frees it; the dump functions keep nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "pbwire.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

static Spider__Value *value_from_json(json_t *j);

static Spider__AttributeMap *map_from_json(json_t *obj, const char *skip)
{
    Spider__AttributeMap *m = xcalloc(1, sizeof(*m));
    spider__attribute_map__init(m);
    m->attributes = xcalloc(json_object_size(obj), sizeof(Spider__Attribute *));
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (skip && strcmp(key, skip) == 0)
            continue;
        Spider__Attribute *a = xcalloc(1, sizeof(*a));
        spider__attribute__init(a);
        a->name = xstrdup(key);
        a->value = value_from_json(v);
        m->attributes[m->n_attributes++] = a;
    }
    return m;
}

static Spider__Value *value_from_json(json_t *j)
{
    Spider__Value *v = xcalloc(1, sizeof(*v));
    spider__value__init(v);
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        v->kind_case = SPIDER__VALUE__KIND_INT_VALUE;
        v->int_value = json_integer_value(j);
        break;
    case JSON_REAL:
        v->kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
        v->double_value = json_real_value(j);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind_case = SPIDER__VALUE__KIND_BOOL_VALUE;
        v->bool_value = json_is_true(j);
        break;
    case JSON_STRING:
        v->kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        v->string_value = xstrdup(json_string_value(j));
        break;
    case JSON_ARRAY: {
        Spider__ValueList *l = xcalloc(1, sizeof(*l));
        spider__value_list__init(l);
        l->values = xcalloc(json_array_size(j), sizeof(Spider__Value *));
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e)
            l->values[l->n_values++] = value_from_json(e);
        v->kind_case = SPIDER__VALUE__KIND_LIST_VALUE;
        v->list_value = l;
        break;
    }
    case JSON_OBJECT:
        v->kind_case = SPIDER__VALUE__KIND_MAP_VALUE;
        v->map_value = map_from_json(j, NULL);
        break;
    default:
        v->kind_case = SPIDER__VALUE__KIND_NULL_VALUE;
        break;
    }
    return v;
}

static Spider__Metadata *metadata_from_json(json_t *m)
{
    Spider__Metadata *md = xcalloc(1, sizeof(*md));
    spider__metadata__init(md);
    const char *s;
    if ((s = json_string_value(json_object_get(m, "spider_git_hash"))))
        md->spider_git_hash = xstrdup(s);
    if ((s = json_string_value(json_object_get(m, "spider_hostname"))))
        md->spider_hostname = xstrdup(s);
    if ((s = json_string_value(json_object_get(m, "publisher_git_hash"))))
        md->publisher_git_hash = xstrdup(s);
    if ((s = json_string_value(json_object_get(m, "spider_source"))))
        md->spider_source = sp_record_source_parse(s);
    md->spider_runtime = json_integer_value(json_object_get(m, "spider_runtime"));
    return md;
}

Spider__Document *differ_document_from_json(json_t *doc, const char *id, char *err, size_t errlen)
{
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "not a JSON object");
        return NULL;
    }
    Spider__Document *d = xcalloc(1, sizeof(*d));
    spider__document__init(d);
    if (id && *id)
        d->id = xstrdup(id);
    const char *s = json_string_value(json_object_get(doc, "GlobalJobId"));
    if (s)
        d->global_job_id = xstrdup(s);
    d->record_time = json_integer_value(json_object_get(doc, "RecordTime"));
    Spider__AttributeMap *m = map_from_json(doc, "metadata");
    d->attributes = m->attributes;
    d->n_attributes = m->n_attributes;
    for (size_t i = 0; i < d->n_attributes; i++)      /* _id is the id, not an attribute */
        if (strcmp(d->attributes[i]->name, "_id") == 0) {
            spider__attribute__free_unpacked(d->attributes[i], NULL);
            memmove(&d->attributes[i], &d->attributes[i + 1], (--d->n_attributes - i) * sizeof(void *));
            break;
        }
    free(m);
    json_t *meta = json_object_get(doc, "metadata");
    if (json_is_object(meta))
        d->metadata = metadata_from_json(meta);
    return d;
}

int differ_dump_write(FILE *f, const Spider__Document *d, sp_buf *scratch)
{
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = (Spider__Document *)d;
    if (sp_record_pack(&rec, scratch) != 0)
        return -1;
    return sp_pb_file_put_varint(f, scratch->len) == 0 &&
           fwrite(scratch->data, 1, scratch->len, f) == scratch->len ? 0 : -1;
}

long long differ_dump_jsonl(const char *in, const char *out, const differ_opts *o, char *err, size_t errlen)
{
    differ_opts parse = *o;
    parse.no_scan = 1;                 /* documents are needed, not just keys */
    differ_input *src = differ_input_open(in, &parse, err, errlen);
    if (!src)
        return -1;
    FILE *f = fopen(out, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", out, strerror(errno));
        differ_input_close(src);
        return -1;
    }
    sp_buf scratch = { 0 };
    differ_rec rec;
    long long n = 0;
    int rc;
    while ((rc = differ_input_next(src, &rec, err, errlen)) == 1) {
        Spider__Document *d = differ_document_from_json(rec.doc, rec.id, err, errlen);
        if (!d || differ_dump_write(f, d, &scratch) != 0) {
            if (d)
                snprintf(err, errlen, "%s: %s", out, strerror(errno));
            spider__document__free_unpacked(d, NULL);
            rc = -1;
            break;
        }
        spider__document__free_unpacked(d, NULL);
        n++;
    }
    sp_buf_free(&scratch);
    differ_input_close(src);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", out, strerror(errno));
        rc = -1;
    }
    return rc < 0 ? -1 : n;
}
