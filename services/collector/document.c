/* document.c - converted job -> protobuf Document (see document.h). */
#include "document.h"

#include <stdio.h>
#include <string.h>

#include "version.h"

void sp_document_index(const char *index_template, long long t, char *out, size_t outlen)
{
    /* civil date from days since the epoch (UTC; no timezone involved) */
    long long z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
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

Spider__Document *sp_document_build(sp_arena *a, const sp_ad *res, const sp_document_meta *meta,
                                    char *err, size_t errlen)
{
    const sp_cval *gj = sp_ad_getz(res, "GlobalJobId");
    const sp_cval *rt = sp_ad_getz(res, "RecordTime");
    const sp_cval *qd = sp_ad_getz(res, "QDate");
    const sp_cval *schedd = sp_ad_getz(res, "ScheddName");
    if (!gj || gj->type != SP_CV_STRING || !rt || rt->type != SP_CV_INT) {
        snprintf(err, errlen, "the document has no GlobalJobId or RecordTime");
        return NULL;
    }
    Spider__Document *d = sp_arena_alloc(a, sizeof(*d));
    Spider__Metadata *md = sp_arena_alloc(a, sizeof(*md));
    char *id = sp_arena_alloc(a, gj->u.str.len + 24);
    char *index = sp_arena_alloc(a, strlen(meta->index_template) + 16);
    Spider__AttributeMap *m = map_of(a, res);
    if (!d || !md || !id || !index || !m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    spider__document__init(d);
    spider__metadata__init(md);
    snprintf(id, gj->u.str.len + 24, "%s#%lld", gj->u.str.s, rt->u.i);
    sp_document_index(meta->index_template, qd && qd->type == SP_CV_INT ? qd->u.i : rt->u.i, index,
                      strlen(meta->index_template) + 16);
    d->id = id;
    d->index = index;
    d->schedd = schedd && schedd->type == SP_CV_STRING ? (char *)schedd->u.str.s : "";
    d->global_job_id = (char *)gj->u.str.s;
    d->record_time = rt->u.i;
    d->attributes = m->attributes;
    d->n_attributes = m->n_attributes;
    md->spider_git_hash = (char *)sp_git_hash();
    md->spider_hostname = (char *)(meta->hostname ? meta->hostname : "");
    md->spider_runtime = meta->runtime_ms;
    md->spider_source = meta->source;
    d->metadata = md;
    d->snapshot_id = (char *)(meta->snapshot_id ? meta->snapshot_id : "");
    return d;
}
