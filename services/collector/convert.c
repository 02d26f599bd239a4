/* convert.c - the reference spider's conversion of a job ClassAd into a
 * document (see convert.h): the driver, which runs the rules in
 * convert_to_json's order, and the attribute-by-attribute rules
 * (bulk_convert_ad_data: the ignore list, types from rules/, MATCH_EXP_JOB_
 * and _RAW renames, WMCore exception messages decoded), the reduced document
 * of live jobs, and the converter's set-up. The computed fields are in
 * convert_fields.c, the CMS profile in convert_cms.c, Chirp statistics in
 * convert_chirp.c, affiliations in convert_affiliation.c (the list of files
 * is in convert_internal.h).
 *
 * Functions follow convert_to_json.py closely so each rule can be checked
 * against it by name; Python's behaviour is kept where it shows in the
 * output (str() of values, "in" on strings meaning substring, str.strip()
 * taking a set of characters).
 *
 * Ownership: sp_converter_new() allocates the converter and its rule map,
 * sp_converter_free() frees them; what a conversion makes lives in the
 * result's arena. */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <openssl/evp.h>

#include "convert_internal.h"
#include "patterns.h"
#include "pyfmt.h"
#include "rules.h"

/* ---------- attribute by attribute (bulk_convert_ad_data) ---------- */

/* base64 + zlib, rendered as Python 3's str(bytes) ("b'...'"); the value
 * unchanged when it does not decode. */
static sp_cval decode_and_decompress(sp_arena *a, const sp_cval *v)
{
    sp_cval s = sp_conv_py_str(a, v);
    if (s.type != SP_CV_STRING || s.u.str.len == 0 || s.u.str.len > (64u << 20))
        return s;
    size_t cap = s.u.str.len / 4 * 3 + 3;
    unsigned char *raw = malloc(cap);
    int n = raw ? EVP_DecodeBlock(raw, (const unsigned char *)s.u.str.s, (int)s.u.str.len) : -1;
    if (n < 0) {
        free(raw);
        return s;
    }
    size_t pad = s.u.str.len >= 2 && s.u.str.s[s.u.str.len - 1] == '=' ? (s.u.str.s[s.u.str.len - 2] == '=' ? 2 : 1) : 0;
    uLongf outlen = 1u << 20;
    unsigned char *out = NULL;
    int zrc = Z_BUF_ERROR;
    while (zrc == Z_BUF_ERROR && outlen <= (64u << 20)) {
        free(out);
        out = malloc(outlen);
        if (!out)
            break;
        uLongf got = outlen;
        zrc = uncompress(out, &got, raw, (uLong)(n - (int)pad));
        if (zrc == Z_OK)
            outlen = got;
        else if (zrc == Z_BUF_ERROR)
            outlen *= 4;
    }
    free(raw);
    if (zrc != Z_OK) {
        free(out);
        return s;
    }
    sp_buf b = { 0 };
    sp_py_bytes_repr(&b, out, outlen);
    free(out);
    sp_cval r = sp_cv_string(a, (const char *)b.data, b.len);
    sp_buf_free(&b);
    return r;
}

/* The typed value of one attribute; 0 to leave the attribute out. */
static int typed_value(unsigned rule, sp_cval *value, sp_arena *a, conv_ctx *st)
{
    long long i;
    if ((rule & (SP_RULES_INT | SP_RULES_DATE)) && !(rule & SP_RULES_BOOL) && sp_conv_big_real(value)) {
        st->stats->type_errors++;
        return 2;                 /* kept as a real for what is derived from it, then dropped */
    }
    if (value->type == SP_CV_ERROR)
        return 0;
    if (value->type == SP_CV_UNDEFINED)
        return 1;                                 /* None */
    if (rule & SP_RULES_BOOL) {
        *value = sp_cv_bool(truthy(value));
    } else if (rule & SP_RULES_INT) {
        if (sp_conv_py_int(value, &i)) {
            *value = sp_cv_int(i);
        } else if (value->type == SP_CV_STRING && strcmp(value->u.str.s, "Unknown") == 0) {
            *value = sp_cv_undefined();
        } else {
            st->stats->type_errors++;
            return 0;
        }
    } else if (rule & SP_RULES_STRING) {
        *value = sp_conv_py_str(a, value);
    } else if (rule & SP_RULES_DATE) {
        if ((is_num(value) && num_of(value) == 0) ||
            (value->type == SP_CV_STRING && !strcmp(sp_conv_py_case(a, value->u.str.s, value->u.str.len, 0), "unknown")))
            *value = sp_cv_undefined();
        else if (sp_conv_py_int(value, &i))
            *value = sp_cv_int(i);
        else {
            st->stats->type_errors++;
            *value = sp_cv_undefined();
        }
    }
    return 1;
}

static void bulk_convert_ad_data(const sp_converter *c, sp_ad *ad, sp_ad *res, conv_ctx *st)
{
    for (size_t k = 0; k < ad->n; k++) {
        const char *key = ad->attrs[k].name;
        size_t klen = ad->attrs[k].name_len;
        unsigned rule = sp_rules_get_h(&c->rules, key, klen, ad->attrs[k].hash);
        if (rule & SP_RULES_IGNORE)
            continue;
        if (starts(key, "HasBeen") && !(rule & SP_RULES_BOOL))
            continue;
        if (klen == 13 && !strcmp(key, "DESIRED_SITES")) {
            key = "DESIRED_Sites";                  /* the same hash: case-folded */
            rule = sp_rules_get_h(&c->rules, key, klen, ad->attrs[k].hash);
        }
        sp_cval value = ad->attrs[k].v.type == SP_CV_EXPR ? eval(ad, key, res->arena, st) : ad->attrs[k].v;
        int typed = typed_value(rule, &value, res->arena, st);
        if (!typed)
            continue;
        const char *name = key;
        size_t nlen = klen;
        if (starts(name, "MATCH_EXP_JOB_")) {
            name += 14;
            nlen -= 14;
        }
        const char *renamed = name;
        if (ends(name, nlen, "_RAW")) {
            nlen -= 4;
            if (!(renamed = sp_arena_strndup(res->arena, name, nlen)))
                continue;
        }
        if (sp_pat_wmcore_exception(renamed))
            value = decode_and_decompress(res->arena, &value);
        sp_ad_set_borrowed(res, renamed, nlen, &value);  /* names of the ad live as long */
        if (typed == 2 && st->ndrop < st->capdrop)
            st->drop[st->ndrop++] = renamed;
    }
    if (has(ad, "RequestMemory")) {                 /* evaluate_fields */
        sp_cval v = eval(ad, "RequestMemory", res->arena, st);
        set(res, "RequestMemory_Eval", v.type == SP_CV_ERROR ? sp_cv_undefined() : v);   /* D5 */
    }
}

/* ---------- the conversion ---------- */

/* drop_fields_for_running_jobs: live jobs keep only running_fields. */
static int is_running_field(void *ctx, const sp_ad_attr *a)
{
    const sp_converter *c = ctx;
    return (sp_rules_get_h(&c->rules, a->name, a->name_len, a->hash) & SP_RULES_RUNNING) != 0;
}

static void reduce(const sp_converter *c, sp_ad *res)
{
    const char *status = rstr(res, "Status");
    if (status && strcmp(status, "Running") && strcmp(status, "Idle") && strcmp(status, "Held"))
        return;
    sp_ad_filter(res, is_running_field, (void *)c);
}

/* A ClassAd error the reference copied from the ad reaches json.dumps as
 * the IntEnum Value.Error (written 1), undefined as Value.Undefined (2):
 * spider writes null for both (compatibility.md D5). */
static void values_as_null(sp_ad *res)
{
    for (size_t i = 0; i < res->n; i++)
        if (is_error_literal(&res->attrs[i].v) || res->attrs[i].v.type == SP_CV_ERROR)
            res->attrs[i].v = sp_cv_undefined();
}

int sp_convert(const sp_converter *c, const sp_convert_job *job, sp_ad *ad, sp_ad *res,
               sp_convert_stats *stats, char *err, size_t errlen)
{
    sp_convert_stats dummy = { 0 };
    conv_ctx cx = { .stats = stats ? stats : &dummy, .cache = job->cache };
    conv_ctx *st = &cx;
    sp_arena *a = res->arena;
    sp_ad_reset(res);
    res->exact_names = 1;                    /* the document is a Python dict */
    cx.capdrop = ad->n + 1;
    cx.drop = sp_arena_alloc(a, cx.capdrop * sizeof(*cx.drop));
    if (!cx.drop)
        cx.capdrop = 0;
    const char *gjid = str(ad, "GlobalJobId", NULL);
    if (!gjid || !*gjid) {
        snprintf(err, errlen, "no GlobalJobId string in the ad");
        return -1;
    }
    if (!strcmp(str(ad, "TaskType", ""), "ROOT"))
        return 0;
    sp_cval record = sp_conv_record_time(ad, job->now, a, st);
    set(res, "RecordTime", record);
    const sp_cval *cd = get_truthy(ad, "CompletionDate");   /* ad.get("CompletionDate", 0) or now */
    set(res, "DataCollection", cd ? *cd : sp_cv_int(job->now));
    set(res, "DataCollectionDate", record);
    const char *hash = strchr(gjid, '#');
    set_strn(res, "ScheddName", gjid, hash ? (size_t)(hash - gjid) : strlen(gjid));
    set_str(res, "CMS_Pool", job->pool_name ? job->pool_name : "Unknown");
    const char *type = str(ad, "CMS_Type", "unknown");
    set_str(res, "Type", sp_conv_py_case(a, type, strlen(type), 0));
    int analysis = sp_conv_is_analysis(ad);
    if (has(ad, "CRAB_Id"))
        sp_conv_formatted_crab_id(res, get(ad, "CRAB_Id"));
    sp_conv_default_site(ad);

    bulk_convert_ad_data(c, ad, res, st);

    sp_cval code = sp_conv_common_exit_code(ad);
    double x = 0;
    int numeric = sp_conv_py_number(&code, &x);
    int failed = !(numeric && x == 0);
    set(res, "JobFailed", sp_cv_int(failed));
    const char *etype = failed ? (numeric ? sp_conv_error_type(x) : "Other") : "Success";
    set_str(res, "ErrorType", etype);
    set_str(res, "ErrorClass", sp_conv_error_class(etype, failed));
    set(res, "ExitCode", sp_conv_exit_code_doc(code));
    if (has(ad, "ExitCode"))
        set(res, "CondorExitCode", is_expr_tree(get(ad, "ExitCode")) ? eval(ad, "ExitCode", a, st)
                                                                     : sp_conv_exit_code_doc(*get(ad, "ExitCode")));

    sp_conv_cms_profile(ad, res, analysis, a);
    sp_cval cpus_for_hours;
    /* the running-job wall clock is set before RequestCpus is settled */
    /* ad.get("EnteredCurrentStatus", now + 1) < now: an expression (an
     * ExprTree in the reference) never compares true */
    const sp_cval *ecs_raw = get(ad, "EnteredCurrentStatus");
    double ecs = (double)job->now + 1;
    if (ecs_raw && !sp_conv_py_number(ecs_raw, &ecs))
        ecs = (double)job->now + 1;
    if (num(ad, "JobStatus", -1, a, st) == 2 && ecs < (double)job->now) {
        sp_cval rw = sp_cv_int((long long)((double)job->now - ecs));
        sp_ad_set(ad, S("RemoteWallClockTime"), &rw);
        sp_ad_set(ad, S("CommittedTime"), &rw);
    }
    set(res, "WallClockHr", sp_cv_real(num(ad, "RemoteWallClockTime", 0, a, st) / 3600.0));
    sp_conv_pilot_and_outputs(res, ad, analysis, a, st);
    cpus_for_hours = sp_conv_request_cpus(ad, res, a, st);
    sp_conv_hours(res, ad, cpus_for_hours, a, st);
    sp_conv_split_list(res, "DataLocations", ad, "DESIRED_CMSDataLocations");
    sp_conv_split_list(res, "DESIRED_Sites", ad, "DESIRED_Sites");
    sp_conv_split_list(res, "Original_DESIRED_Sites", ad, "ExtDESIRED_Sites");
    set(res, "DesiredSiteCount", sp_cv_int((long long)rget(res, "DESIRED_Sites")->u.list.n));
    set(res, "DataLocationsCount", sp_cv_int((long long)rget(res, "DataLocations")->u.list.n));
    set(res, "CRAB_TaskCreationDate", sp_conv_task_creation(ad, record));
    sp_conv_datasets(res);
    sp_conv_proxy_fields(res, ad);
    sp_conv_split_list(res, "CMSGroups", ad, "CMSGroups");
    sp_conv_site_fields(res, ad, analysis, a, st);
    sp_conv_efficiency(res, ad, job->now, a, st);
    sp_conv_handle_chirp_info(res, ad, a, st);
    sp_conv_cmssw_version(res);
    sp_conv_machine_benchmarks(res, ad, a, st);
    sp_conv_affiliation(c, res);
    sp_conv_postjob_status(res);
    sp_conv_wm_tool(res);
    if (job->reduce_data)
        reduce(c, res);
    double eff;
    set(res, "CpuEffOutlier", sp_cv_int(rnum(res, "CpuEff", &eff) && eff >= 100.0));
    values_as_null(res);
    for (size_t i = 0; i < st->ndrop; i++) {      /* unless set again since */
        const sp_cval *v = rget(res, st->drop[i]);
        if (v && sp_conv_big_real(v))
            sp_ad_remove(res, st->drop[i], strlen(st->drop[i]));
    }
    return 1;
}

/* ---------- set-up ---------- */

sp_converter *sp_converter_new(const char *affiliation_path, char *err, size_t errlen)
{
    sp_converter *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sp_rules_init(&c->rules) != 0) {
        snprintf(err, errlen, "out of memory");
        sp_converter_free(c);
        return NULL;
    }
    if (affiliation_path && *affiliation_path && sp_conv_load_affiliations(c, affiliation_path, err, errlen) != 0) {
        sp_converter_free(c);
        return NULL;
    }
    return c;
}

void sp_converter_free(sp_converter *c)
{
    if (!c)
        return;
    sp_rules_free(&c->rules);
    sp_conv_free_affiliations(c);
    free(c);
}
