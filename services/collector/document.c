/* document.c - converted job -> protobuf Document (see document.h). */
#include "document.h"

#include <stdio.h>
#include <string.h>

#include "pbwire.h"
#include "version.h"

void sp_document_index(const char *index_template, long long t, char *out, size_t outlen)
{
    /* civil date from days since the epoch (UTC; no timezone involved) */
    long long days = t / 86400 - (t % 86400 < 0);   /* floor, without overflow at INT64_MIN */
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    long long y = yoe + era * 400 + (m <= 2);
    snprintf(out, outlen, "%s-%04lld-%02lld-%02lld", index_template, y, m, d);
}

static Spider__Value *value_of(sp_arena *a, const sp_cval *v);

static Spider__AttributeMap *map_of(sp_arena *a, const sp_ad *ad)
{
    Spider__AttributeMap *m = sp_arena_alloc(a, sizeof(*m));
    Spider__Attribute **attrs = sp_arena_alloc(a, (ad->n + 1) * sizeof(*attrs));
    if (!m || !attrs)
        return NULL;
    spider__attribute_map__init(m);
    for (size_t i = 0; i < ad->n; i++) {
        Spider__Attribute *at = sp_arena_alloc(a, sizeof(*at));
        if (!at)
            return NULL;
        spider__attribute__init(at);
        at->name = (char *)ad->attrs[i].name;
        if (!(at->value = value_of(a, &ad->attrs[i].v)))
            return NULL;
        attrs[i] = at;
    }
    m->attributes = attrs;
    m->n_attributes = ad->n;
    return m;
}

static Spider__Value *value_of(sp_arena *a, const sp_cval *v)
{
    Spider__Value *out = sp_arena_alloc(a, sizeof(*out));
    if (!out)
        return NULL;
    spider__value__init(out);
    switch (v->type) {
    case SP_CV_BOOL:
        out->kind_case = SPIDER__VALUE__KIND_BOOL_VALUE;
        out->bool_value = v->u.b;
        break;
    case SP_CV_INT:
        out->kind_case = SPIDER__VALUE__KIND_INT_VALUE;
        out->int_value = v->u.i;
        break;
    case SP_CV_REAL:
        out->kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
        out->double_value = v->u.r;
        break;
    case SP_CV_STRING:
    case SP_CV_EXPR:
        out->kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        out->string_value = (char *)v->u.str.s;
        break;
    case SP_CV_LIST: {
        Spider__ValueList *l = sp_arena_alloc(a, sizeof(*l));
        Spider__Value **items = sp_arena_alloc(a, (v->u.list.n + 1) * sizeof(*items));
        if (!l || !items)
            return NULL;
        spider__value_list__init(l);
        for (size_t i = 0; i < v->u.list.n; i++)
            if (!(items[i] = value_of(a, &v->u.list.items[i])))
                return NULL;
        l->values = items;
        l->n_values = v->u.list.n;
        out->kind_case = SPIDER__VALUE__KIND_LIST_VALUE;
        out->list_value = l;
        break;
    }
    case SP_CV_AD:
        out->kind_case = SPIDER__VALUE__KIND_MAP_VALUE;
        if (!(out->map_value = map_of(a, v->u.ad)))
            return NULL;
        break;
    default:
        out->kind_case = SPIDER__VALUE__KIND_NULL_VALUE;
        out->null_value = SPIDER__VALUE__NULL__NULL_VALUE;
        break;
    }
    return out;
}

/* What a document takes from the converted job besides its attributes. */
typedef struct {
    const char *gjid;
    size_t gjid_len;
    const char *schedd;              /* "" when absent */
    long long record_time;
    long long index_time;            /* QDate, else RecordTime */
} doc_head;

static int head_of(const sp_ad *res, const sp_document_meta *meta, doc_head *h, char *err, size_t errlen)
{
    const sp_cval *gj = sp_ad_getz(res, "GlobalJobId");
    const sp_cval *rt = sp_ad_getz(res, "RecordTime");
    const sp_cval *qd = sp_ad_getz(res, "QDate");
    for (size_t i = 0; !qd && !meta->now && i < res->n; i++)   /* history: job_ad["QDate"], any case */
        if (res->attrs[i].name_len == 5 && !strcasecmp(res->attrs[i].name, "QDate"))
            qd = &res->attrs[i].v;
    const sp_cval *schedd = sp_ad_getz(res, "ScheddName");
    /* RecordTime is the ad's CompletionDate as it is: an int, or (rarely) a
     * real or a bool; "%d" in the reference's unique_doc_id truncates it */
    int real_ok = rt && rt->type == SP_CV_REAL && rt->u.r > -9.2e18 && rt->u.r < 9.2e18;
    if (!gj || gj->type != SP_CV_STRING || !rt || (rt->type != SP_CV_INT && rt->type != SP_CV_BOOL && !real_ok)) {
        snprintf(err, errlen, "the document has no GlobalJobId or RecordTime");
        return -1;
    }
    h->gjid = gj->u.str.s;
    h->gjid_len = gj->u.str.len;
    h->schedd = schedd && schedd->type == SP_CV_STRING ? schedd->u.str.s : "";
    h->record_time = rt->type == SP_CV_INT ? rt->u.i : rt->type == SP_CV_BOOL ? rt->u.b : (long long)rt->u.r;
    /* a history job whose QDate is 0 or undefined (null in the document)
     * goes where the reference's utcfromtimestamp puts it: 1970-01-01 */
    if (qd && qd->type == SP_CV_INT)
        h->index_time = qd->u.i;
    else if (meta->now)
        h->index_time = meta->now;
    else
        h->index_time = qd && qd->type == SP_CV_UNDEFINED ? 0 : h->record_time;
    return 0;
}

Spider__Document *sp_document_build(sp_arena *a, const sp_ad *res, const sp_document_meta *meta,
                                    char *err, size_t errlen)
{
    doc_head h;
    if (head_of(res, meta, &h, err, errlen) != 0)
        return NULL;
    Spider__Document *d = sp_arena_alloc(a, sizeof(*d));
    Spider__Metadata *md = sp_arena_alloc(a, sizeof(*md));
    char *id = sp_arena_alloc(a, h.gjid_len + 24);
    char *index = sp_arena_alloc(a, strlen(meta->index_template) + 16);
    Spider__AttributeMap *m = map_of(a, res);
    if (!d || !md || !id || !index || !m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    spider__document__init(d);
    spider__metadata__init(md);
    snprintf(id, h.gjid_len + 24, "%s#%lld", h.gjid, h.record_time);
    sp_document_index(meta->index_template, h.index_time, index, strlen(meta->index_template) + 16);
    d->id = id;
    d->index = index;
    d->schedd = (char *)h.schedd;
    d->global_job_id = (char *)h.gjid;
    d->record_time = h.record_time;
    d->attributes = m->attributes;
    d->n_attributes = m->n_attributes;
    md->spider_git_hash = (char *)sp_version_git_hash();
    md->spider_hostname = (char *)(meta->hostname ? meta->hostname : "");
    md->spider_runtime = meta->runtime_ms;
    md->spider_source = meta->source;
    d->metadata = md;
    d->snapshot_id = (char *)(meta->snapshot_id ? meta->snapshot_id : "");
    return d;
}

/* ---- direct protobuf encoding (proto/spider.proto), no message tree ----
 * through lib/pbwire.h. Proto3 scalar fields equal to their default are left
 * out, as protobuf-c does; oneof members and message fields are written when
 * set. Every key is one byte (field numbers below 16). */

static size_t attrs_size(const sp_ad *ad);

static size_t value_size(const sp_cval *v)
{
    switch (v->type) {
    case SP_CV_BOOL: return 2;
    case SP_CV_INT: return 1 + sp_pb_varint_len((uint64_t)v->u.i);
    case SP_CV_REAL: return 9;
    case SP_CV_STRING:
    case SP_CV_EXPR: return sp_pb_len_field_size(v->u.str.len);
    case SP_CV_LIST: {
        size_t body = 0;
        for (size_t i = 0; i < v->u.list.n; i++)
            body += sp_pb_len_field_size(value_size(&v->u.list.items[i]));
        return sp_pb_len_field_size(body);
    }
    case SP_CV_AD: return sp_pb_len_field_size(attrs_size(v->u.ad));
    default: return 2;                          /* null_value = 0 */
    }
}

/* An Attribute's body, its value's size known. */
static size_t attr_size(const sp_ad_attr *a, size_t value)
{
    return (a->name_len ? sp_pb_len_field_size(a->name_len) : 0) + sp_pb_len_field_size(value);
}

static size_t attrs_size(const sp_ad *ad)
{
    size_t n = 0;
    for (size_t i = 0; i < ad->n; i++)
        n += sp_pb_len_field_size(attr_size(&ad->attrs[i], value_size(&ad->attrs[i].v)));
    return n;
}

static uint8_t *put_bytes(uint8_t *p, unsigned field, const void *s, size_t len)
{
    *p++ = (uint8_t)SP_PB_KEY_LEN(field);
    p = sp_pb_put_varint(p, len);
    memcpy(p, s, len);
    return p + len;
}

static uint8_t *put_attrs(uint8_t *p, unsigned field, const sp_ad *ad);

static uint8_t *put_value(uint8_t *p, const sp_cval *v)
{
    switch (v->type) {
    case SP_CV_BOOL:
        *p++ = SP_PB_KEY_VARINT(SP_PB_VALUE_BOOL_VALUE);
        *p++ = (uint8_t)(v->u.b != 0);
        return p;
    case SP_CV_INT:
        *p++ = SP_PB_KEY_VARINT(SP_PB_VALUE_INT_VALUE);
        return sp_pb_put_varint(p, (uint64_t)v->u.i);
    case SP_CV_REAL: {
        uint64_t bits;
        memcpy(&bits, &v->u.r, 8);
        *p++ = SP_PB_KEY_I64(SP_PB_VALUE_DOUBLE_VALUE);
        for (int i = 0; i < 8; i++)
            *p++ = (uint8_t)(bits >> (8 * i));
        return p;
    }
    case SP_CV_STRING:
    case SP_CV_EXPR: return put_bytes(p, SP_PB_VALUE_STRING_VALUE, v->u.str.s, v->u.str.len);
    case SP_CV_LIST: {
        size_t body = 0;
        for (size_t i = 0; i < v->u.list.n; i++)
            body += sp_pb_len_field_size(value_size(&v->u.list.items[i]));
        *p++ = SP_PB_KEY_LEN(SP_PB_VALUE_LIST_VALUE);
        p = sp_pb_put_varint(p, body);
        for (size_t i = 0; i < v->u.list.n; i++) {
            *p++ = SP_PB_KEY_LEN(SP_PB_VALUELIST_VALUES);
            p = sp_pb_put_varint(p, value_size(&v->u.list.items[i]));
            p = put_value(p, &v->u.list.items[i]);
        }
        return p;
    }
    case SP_CV_AD:
        *p++ = SP_PB_KEY_LEN(SP_PB_VALUE_MAP_VALUE);
        p = sp_pb_put_varint(p, attrs_size(v->u.ad));
        return put_attrs(p, SP_PB_ATTRIBUTEMAP_ATTRIBUTES, v->u.ad);
    default:
        *p++ = SP_PB_KEY_VARINT(SP_PB_VALUE_NULL_VALUE);
        *p++ = 0;
        return p;
    }
}

/* Each attribute as a length-delimited Attribute in `field`. */
static uint8_t *put_attrs(uint8_t *p, unsigned field, const sp_ad *ad)
{
    for (size_t i = 0; i < ad->n; i++) {
        const sp_ad_attr *a = &ad->attrs[i];
        size_t value = value_size(&a->v);
        *p++ = (uint8_t)SP_PB_KEY_LEN(field);
        p = sp_pb_put_varint(p, attr_size(a, value));
        if (a->name_len)
            p = put_bytes(p, SP_PB_ATTRIBUTE_NAME, a->name, a->name_len);
        *p++ = SP_PB_KEY_LEN(SP_PB_ATTRIBUTE_VALUE);
        p = sp_pb_put_varint(p, value);
        p = put_value(p, &a->v);
    }
    return p;
}

static size_t str_field(const char *s)
{
    return s && *s ? sp_pb_len_field_size(strlen(s)) : 0;
}

static uint8_t *put_str(uint8_t *p, unsigned field, const char *s)
{
    return s && *s ? put_bytes(p, field, s, strlen(s)) : p;
}

static uint8_t *put_int_field(uint8_t *p, unsigned field, long long v)
{
    if (!v)
        return p;
    *p++ = (uint8_t)SP_PB_KEY_VARINT(field);
    return sp_pb_put_varint(p, (uint64_t)v);
}

static size_t int_field(long long v)
{
    return v ? 1 + sp_pb_varint_len((uint64_t)v) : 0;
}

int sp_document_pack(const sp_ad *res, const sp_document_meta *meta, sp_buf *out,
                     char *id, size_t idlen, char *err, size_t errlen)
{
    doc_head h;
    if (head_of(res, meta, &h, err, errlen) != 0)
        return -1;
    if ((size_t)snprintf(id, idlen, "%s#%lld", h.gjid, h.record_time) >= idlen) {
        snprintf(err, errlen, "GlobalJobId too long");
        return -1;
    }
    char index[256];
    sp_document_index(meta->index_template, h.index_time, index, sizeof(index));
    const char *hash = sp_version_git_hash(), *host = meta->hostname ? meta->hostname : "";
    size_t md = str_field(hash) + str_field(host) + int_field(meta->runtime_ms) + int_field(meta->source);
    size_t doc = str_field(id) + str_field(index) + str_field(h.schedd) + str_field(h.gjid) +
                 int_field(h.record_time) + attrs_size(res) + sp_pb_len_field_size(md) + str_field(meta->snapshot_id);
    out->len = 0;
    if (sp_buf_reserve(out, sp_pb_len_field_size(doc)) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint8_t *p = out->data;
    *p++ = SP_PB_KEY_LEN(SP_PB_RECORD_DOCUMENT);
    p = sp_pb_put_varint(p, doc);
    p = put_str(p, SP_PB_DOCUMENT_ID, id);
    p = put_str(p, SP_PB_DOCUMENT_INDEX, index);
    p = put_str(p, SP_PB_DOCUMENT_SCHEDD, h.schedd);
    p = put_str(p, SP_PB_DOCUMENT_GLOBAL_JOB_ID, h.gjid);
    p = put_int_field(p, SP_PB_DOCUMENT_RECORD_TIME, h.record_time);
    p = put_attrs(p, SP_PB_DOCUMENT_ATTRIBUTES, res);
    *p++ = SP_PB_KEY_LEN(SP_PB_DOCUMENT_METADATA);
    p = sp_pb_put_varint(p, md);
    p = put_str(p, SP_PB_METADATA_SPIDER_GIT_HASH, hash);
    p = put_str(p, SP_PB_METADATA_SPIDER_HOSTNAME, host);
    p = put_int_field(p, SP_PB_METADATA_SPIDER_RUNTIME, meta->runtime_ms);
    p = put_int_field(p, SP_PB_METADATA_SPIDER_SOURCE, meta->source);
    p = put_str(p, SP_PB_DOCUMENT_SNAPSHOT_ID, meta->snapshot_id);
    out->len = (size_t)(p - out->data);
    return 0;
}
