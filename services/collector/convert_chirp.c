/* convert_chirp.c - the Chirp CMSSW statistics of convert_to_json.py
 * (handle_chirp_info): the per-site IO entries of ChirpCMSSW_SiteIO, the
 * ChirpCMSSW_<n>_<name> values summed (or their maximum) into
 * ChirpCMSSW<name>, and what is derived from them (CMSSWWallHrs, KEvents,
 * InputGB, EventRate, ReadOpsPercent, ...).
 *
 * Ownership: entries and strings made here live in the result's arena; the
 * snapshot of the keys in the arena passed in. */
#include "convert_internal.h"

#include <stdio.h>
#include <string.h>

static sp_cval add_values(const sp_cval *x, const sp_cval *y, sp_arena *a, int take_max)
{
    if (x->type == SP_CV_INT && y->type == SP_CV_INT)
        return sp_cv_int(take_max ? (x->u.i > y->u.i ? x->u.i : y->u.i) : x->u.i + y->u.i);
    if (is_num(x) && is_num(y)) {
        double p = num_of(x), q = num_of(y);
        if (take_max)                            /* max() returns one of them, as it is */
            return q > p ? *y : *x;
        return sp_cv_real(p + q);
    }
    if (x->type == SP_CV_STRING && y->type == SP_CV_STRING) {
        if (take_max)
            return strcmp(x->u.str.s, y->u.str.s) >= 0 ? *x : *y;
        char *s = sp_arena_alloc(a, x->u.str.len + y->u.str.len + 1);
        if (!s)
            return *x;
        memcpy(s, x->u.str.s, x->u.str.len);
        memcpy(s + x->u.str.len, y->u.str.s, y->u.str.len + 1);
        sp_cval v = { .type = SP_CV_STRING };
        v.u.str.s = s;
        v.u.str.len = x->u.str.len + y->u.str.len;
        return v;
    }
    return *x;
}

/* ChirpCMSSW<chirp>IOSite_<site>_(ReadBytes|ReadTimeMS): one SiteIO entry
 * per <...>IOSite_<site> pair, both fields moved into it. */
static void chirp_site_io(sp_ad *res, const char *key, sp_cval *siteios, size_t *nsite, size_t cap)
{
    const char *io = strstr(key + 10, "IOSite_");
    const char *us = strrchr(key, '_');
    if (!io || !us || us < io + 7 || (strcmp(us, "_ReadBytes") && strcmp(us, "_ReadTimeMS")))
        return;
    size_t baselen = (size_t)(us - key);
    char name[512];
    if (baselen + 12 > sizeof(name))
        return;
    memcpy(name, key, baselen);
    strcpy(name + baselen, "_ReadBytes");
    const sp_cval *rb = sp_ad_get(res, name, strlen(name));
    strcpy(name + baselen, "_ReadTimeMS");
    const sp_cval *rt = sp_ad_get(res, name, strlen(name));
    if (rb && !rt) {                             /* popped, then the KeyError on its pair */
        strcpy(name + baselen, "_ReadBytes");
        sp_ad_remove(res, name, strlen(name));
        return;
    }
    if (!rb || !rt || *nsite == cap)
        return;                                  /* the pair's other half already handled */
    sp_ad *entry = sp_arena_alloc(res->arena, sizeof(*entry));
    if (!entry)
        return;
    memset(entry, 0, sizeof(*entry));
    entry->arena = res->arena;
    sp_cval rbv = *rb, rtv = *rt;
    sp_cval site = sp_cv_string(res->arena, io + 7, (size_t)(us - io - 7));
    /* group 1 of ChirpCMSSW(.*?)IOSite_ with "_" stripped from both ends */
    const char *c0 = key + 10, *c1 = io;
    while (c0 < c1 && *c0 == '_')
        c0++;
    while (c1 > c0 && c1[-1] == '_')
        c1--;
    sp_cval chirp = sp_cv_string(res->arena, c0, (size_t)(c1 - c0));
    sp_ad_set(entry, S("SiteName"), &site);
    sp_ad_set(entry, S("ChirpString"), &chirp);
    sp_ad_set(entry, S("ReadBytes"), &rbv);
    sp_ad_set(entry, S("ReadTimeMS"), &rtv);
    strcpy(name + baselen, "_ReadBytes");
    sp_ad_remove(res, name, strlen(name));
    strcpy(name + baselen, "_ReadTimeMS");
    sp_ad_remove(res, name, strlen(name));
    siteios[*nsite].type = SP_CV_AD;
    siteios[*nsite].u.ad = entry;
    (*nsite)++;
}

static void chirp_aggregate(sp_ad *res, const char *key, const sp_cval *val)
{
    const char *u1 = strchr(key, '_');
    const char *u2 = u1 ? strchr(u1 + 1, '_') : NULL;
    const char *tail = u2 ? u2 + 1 : u1 + 1;     /* key.split("_", 2)[-1] */
    char name[512];
    if (snprintf(name, sizeof(name), "ChirpCMSSW%s", tail) >= (int)sizeof(name))
        return;
    const sp_cval *cur = rget(res, name);
    size_t n = strlen(name);
    if (!cur) {
        sp_ad_set(res, name, n, val);
        return;
    }
    int take_max = ends(name, n, "LastUpdate") || ends(name, n, "Events") || ends(name, n, "MaxLumis") ||
                   ends(name, n, "MaxFiles");
    sp_cval sum = add_values(cur, val, res->arena, take_max);
    sp_ad_set(res, name, n, &sum);
}

static void set_ratio(sp_ad *res, const char *name, const char *src, double div)
{
    double v;
    if (rnum(res, src, &v))
        set(res, name, sp_cv_real(v / div));
}

static void chirp_derived(sp_ad *res, const sp_ad *ad, sp_arena *a, conv_ctx *st)
{
    double v, w;
    const sp_cval *files = rget(res, "ChirpCMSSWFiles");
    if (files)
        set(res, "CompletedFiles", *files);
    if (rnum(res, "ChirpCMSSWMaxFiles", &v) && v > 0)
        set(res, "MaxFiles", *rget(res, "ChirpCMSSWMaxFiles"));
    const sp_cval *done = rget(res, "ChirpCMSSWDone");
    long long di;
    if (done) {                                  /* bool(x), int(x) */
        sp_cval d = *done;
        set(res, "CMSSWDone", sp_cv_bool(truthy(&d)));
        if (sp_conv_big_real(&d) && st->ndrop < st->capdrop)
            st->drop[st->ndrop++] = "ChirpCMSSWDone";
        else if (d.type == SP_CV_REAL)
            set(res, "ChirpCMSSWDone", sp_conv_py_trunc(d));
        else if (sp_conv_py_int(&d, &di))
            set(res, "ChirpCMSSWDone", sp_cv_int(di));
    }
    set_ratio(res, "CMSSWWallHrs", "ChirpCMSSWElapsed", 3600.0);
    set_ratio(res, "KEvents", "ChirpCMSSWEvents", 1000.0);
    set_ratio(res, "MegaEvents", "ChirpCMSSWEvents", 1e6);
    if (rnum(res, "ChirpCMSSWLastUpdate", &v) && rnum(res, "RecordTime", &w)) {
        double since = (w - v > 0 ? w - v : 0) / 3600.0;
        set(res, "SinceLastCMSSWUpdateHrs", sp_cv_real(since));
        if (!strcmp(rstr(res, "Status") ? rstr(res, "Status") : "", "Completed"))
            set(res, "StageOutHrs", sp_cv_real(since));
    }
    set_ratio(res, "CMSSWKLumis", "ChirpCMSSWLumis", 1000.0);
    set_ratio(res, "InputGB", "ChirpCMSSWReadBytes", 1e9);
    set_ratio(res, "ReadTimeHrs", "ChirpCMSSWReadTimeMsecs", 3600000.0);
    set_ratio(res, "ReadTimeMins", "ChirpCMSSWReadTimeMsecs", 60000.0);
    set_ratio(res, "OutputGB", "ChirpCMSSWWriteBytes", 1e9);
    set_ratio(res, "WriteTimeHrs", "ChirpCMSSWWriteTimeMsecs", 3600000.0);
    set_ratio(res, "WriteTimeMins", "ChirpCMSSWWriteTimeMsecs", 60000.0);
    done = rget(res, "CMSSWDone");
    double elapsed = 0, events = 0, cpus = num(ad, "RequestCpus", 1.0, a, st);
    rnum(res, "ChirpCMSSWElapsed", &elapsed);
    rnum(res, "ChirpCMSSWEvents", &events);
    if (done && truthy(done) && elapsed > 0) {
        double rate = events / (elapsed * cpus);
        set(res, "CMSSWEventRate", sp_cv_real(rate));
        if (rate > 0)
            set(res, "CMSSWTimePerEvent", sp_cv_real(1.0 / rate));
    }
    if (rnum(res, "CoreHr", &v) && v > 0) {
        double rate = events / (v * 3600.0);
        set(res, "EventRate", sp_cv_real(rate));
        if (rate > 0)
            set(res, "TimePerEvent", sp_cv_real(1.0 / rate));
    }
    double ops, segs, vops;
    if (rnum(res, "ChirpCMSSWReadOps", &ops) && rnum(res, "ChirpCMSSWReadSegments", &segs) && segs + ops != 0)
        set(res, "ReadOpSegmentPercent", sp_cv_real(ops / (segs + ops) * 100));
    if (rnum(res, "ChirpCMSSWReadOps", &ops) && rnum(res, "ChirpCMSSWReadVOps", &vops) && ops + vops != 0)
        set(res, "ReadOpsPercent", sp_cv_real(ops / (ops + vops) * 100));
}

void sp_conv_handle_chirp_info(sp_ad *res, const sp_ad *ad, sp_arena *a, conv_ctx *st)
{
    size_t n = res->n, nsite = 0;
    /* iterate over a snapshot of the keys, as list(result.items()) does */
    const char **keys = sp_arena_alloc(a, (n + 1) * sizeof(*keys));
    sp_cval *vals = sp_arena_alloc(a, (n + 1) * sizeof(*vals));
    sp_cval *siteios = sp_arena_alloc(res->arena, (n + 1) * sizeof(*siteios));
    if (!keys || !vals || !siteios)
        return;
    for (size_t i = 0; i < n; i++) {
        keys[i] = res->attrs[i].name;
        vals[i] = res->attrs[i].v;
    }
    for (size_t i = 0; i < n; i++) {
        if (starts(keys[i], "ChirpCMSSW") && strstr(keys[i], "IOSite"))
            chirp_site_io(res, keys[i], siteios, &nsite, n);
        else if (starts(keys[i], "ChirpCMSSW_"))
            chirp_aggregate(res, keys[i], &vals[i]);
    }
    if (nsite) {
        sp_cval list = { .type = SP_CV_LIST };
        list.u.list.items = siteios;
        list.u.list.n = nsite;
        set(res, "ChirpCMSSW_SiteIO", list);
    }
    chirp_derived(res, ad, a, st);
}
