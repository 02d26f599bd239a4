/* convert_internal.h - what the files of the conversion (convert.h) share,
 * and nothing else includes: the converter, what one conversion carries,
 * the small accessors over the ad and the result, and the functions one
 * file calls in another. The files, each following convert_to_json.py:
 *
 *   convert.c              the driver (sp_convert: which rule comes when),
 *                          attribute by attribute (bulk_convert_ad_data: types
 *                          from rules/, renames, WMCore exceptions decoded),
 *                          reduced documents, null values, set-up
 *   convert_fields.c       the computed fields that are not CMS's own:
 *                          RecordTime, ExitCode/ErrorType/ErrorClass,
 *                          RequestCpus, hours, CpuEff/Status/Universe,
 *                          the proxy, machine benchmarks and CPU model
 *   convert_cms.c          the CMS profile: the guesses (TaskType, Campaign,
 *                          Workflow), CRAB ids and dates, Site/Tier/Country,
 *                          InputData, lists split from strings, datasets,
 *                          CMSSW version, CRAB_PostJobStatus, CMS_WMTool
 *   convert_chirp.c        Chirp CMSSW statistics (handle_chirp_info)
 *   convert_affiliation.c  the affiliation index; AffiliationInstitute/Country
 *   convert_py.c           Python's view of values (str(), int(), .lower()),
 *                          where more than one of these files needs it
 *
 * Ownership: the converter owns its rule map (convert.c) and affiliation
 * index (convert_affiliation.c). The helpers borrow from the ad and keep
 * what they make in the arena they are given (the result's); a scratch
 * buffer on the heap is freed before they return. */
#ifndef SPIDER_COLLECTOR_CONVERT_INTERNAL_H
#define SPIDER_COLLECTOR_CONVERT_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "classad_expr.h"
#include "convert.h"
#include "rules.h"

struct sp_converter {
    sp_rules rules;        /* which lists each attribute name is in */
    json_t *aff_login;       /* login -> {institute, country, dn} */
    json_t *aff_dn;          /* dn -> the same objects (borrowed) */
};

/* What one conversion carries through the helpers. */
typedef struct {
    sp_convert_stats *stats;
    sp_expr_cache *cache;
    const char **drop;       /* fields whose int the reference writes outside int64 (D3) */
    size_t ndrop, capdrop;
} conv_ctx;

/* ---------- small helpers over ads ---------- */

#define S(lit) lit, sizeof(lit) - 1

static inline const sp_cval *get(const sp_ad *ad, const char *name)
{
    return sp_ad_getz(ad, name);
}

static inline int has(const sp_ad *ad, const char *name)
{
    return get(ad, name) != NULL;
}

/* The value, with an expression evaluated (what classad's ad.eval gives).
 * Absent -> UNDEFINED. */
static inline sp_cval eval(const sp_ad *ad, const char *name, sp_arena *a, conv_ctx *st)
{
    const sp_cval *v = get(ad, name);
    if (!v)
        return sp_cv_undefined();
    if (v->type != SP_CV_EXPR)
        return *v;
    sp_cval out;
    char err[128];
    if (sp_expr_eval_attr_cached(ad, name, st->cache, a, &out, err, sizeof(err)) != 0) {
        st->stats->unevaluated++;
        return *v;
    }
    return out;
}

static inline int is_num(const sp_cval *v)
{
    return v && (v->type == SP_CV_INT || v->type == SP_CV_REAL || v->type == SP_CV_BOOL);
}

static inline double num_of(const sp_cval *v)
{
    switch (v->type) {
    case SP_CV_INT: return (double)v->u.i;
    case SP_CV_REAL: return v->u.r;
    case SP_CV_BOOL: return v->u.b;
    default: return 0;
    }
}

/* ad.get(name, dflt) used as a number. */
static inline double num(const sp_ad *ad, const char *name, double dflt, sp_arena *a, conv_ctx *st)
{
    if (!has(ad, name))
        return dflt;
    sp_cval v = eval(ad, name, a, st);
    return is_num(&v) ? num_of(&v) : dflt;
}

/* A string attribute's text, or dflt. */
static inline const char *str(const sp_ad *ad, const char *name, const char *dflt)
{
    const sp_cval *v = get(ad, name);
    return v && v->type == SP_CV_STRING ? v->u.str.s : dflt;
}

/* The classad bindings hand a literal `error` to Python as Value.Error, not
 * as an expression; spider's parsers keep it as the expression "error". */
static inline int is_error_literal(const sp_cval *v)
{
    return v && v->type == SP_CV_EXPR && v->u.str.len == 5 && !strcasecmp(v->u.str.s, "error");
}

/* An expression the bindings give as an ExprTree (not a value). */
static inline int is_expr_tree(const sp_cval *v)
{
    return v && v->type == SP_CV_EXPR && !is_error_literal(v);
}

/* Python's bool() of a value as the bindings give it: Value.Undefined is
 * false (bool() of Value.Error raises in the reference: true here). */
static inline int truthy(const sp_cval *v)
{
    if (is_error_literal(v))
        return 1;
    switch (v->type) {
    case SP_CV_ERROR: return 1;
    case SP_CV_BOOL: return v->u.b;
    case SP_CV_INT: return v->u.i != 0;
    case SP_CV_REAL: return v->u.r != 0;
    case SP_CV_STRING: case SP_CV_EXPR: return v->u.str.len != 0;
    case SP_CV_LIST: return v->u.list.n != 0;
    case SP_CV_AD: return v->u.ad->n != 0;
    default: return 0;
    }
}

/* s begins with prefix (a loop: most names differ at the first byte). */
static inline int starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

static inline int ends(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static inline void set(sp_ad *res, const char *name, sp_cval v)
{
    sp_ad_set(res, name, strlen(name), &v);   /* ENOMEM: the field is missing */
}

static inline void set_str(sp_ad *res, const char *name, const char *s)
{
    set(res, name, sp_cv_string(res->arena, s, strlen(s)));
}

static inline void set_strn(sp_ad *res, const char *name, const char *s, size_t len)
{
    set(res, name, sp_cv_string(res->arena, s, len));
}

static inline const sp_cval *rget(const sp_ad *res, const char *name)
{
    return sp_ad_getz(res, name);
}

static inline const char *rstr(const sp_ad *res, const char *name)
{
    const sp_cval *v = rget(res, name);
    return v && v->type == SP_CV_STRING ? v->u.str.s : NULL;
}

static inline int rnum(const sp_ad *res, const char *name, double *out)
{
    const sp_cval *v = rget(res, name);
    if (!is_num(v))
        return 0;
    *out = num_of(v);
    return 1;
}

/* ad.get(name, 0) is true: present and truthy. */
static inline const sp_cval *get_truthy(const sp_ad *ad, const char *name)
{
    const sp_cval *v = get(ad, name);
    return v && truthy(v) ? v : NULL;
}

/* ---------- convert_py.c: Python's view of values ---------- */

sp_cval sp_conv_py_str(sp_arena *a, const sp_cval *v);          /* str() */
int sp_conv_py_int(const sp_cval *v, long long *out);           /* int(): 0 where it raises */
int sp_conv_big_real(const sp_cval *v);                         /* int() outside int64 (D3) */
sp_cval sp_conv_py_trunc(sp_cval v);                            /* int() of a number */
const char *sp_conv_py_case(sp_arena *a, const char *s, size_t len, int upper);
int sp_conv_py_number(const sp_cval *v, double *out);           /* as compared with numbers */

/* ---------- convert_fields.c: the computed fields that are not CMS's ---------- */

sp_cval sp_conv_record_time(sp_ad *ad, long long now, sp_arena *a, conv_ctx *st);
sp_cval sp_conv_common_exit_code(const sp_ad *ad);
sp_cval sp_conv_exit_code_doc(sp_cval v);
const char *sp_conv_error_type(double code);
const char *sp_conv_error_class(const char *type, int failed);
sp_cval sp_conv_request_cpus(sp_ad *ad, sp_ad *res, sp_arena *a, conv_ctx *st);
void sp_conv_hours(sp_ad *res, sp_ad *ad, sp_cval cpus, sp_arena *a, conv_ctx *st);
void sp_conv_efficiency(sp_ad *res, sp_ad *ad, long long now, sp_arena *a, conv_ctx *st);
void sp_conv_proxy_fields(sp_ad *res, sp_ad *ad);
void sp_conv_machine_benchmarks(sp_ad *res, sp_ad *ad, sp_arena *a, conv_ctx *st);

/* ---------- convert_cms.c: the CMS profile ---------- */

int sp_conv_is_analysis(const sp_ad *ad);
void sp_conv_cms_profile(sp_ad *ad, sp_ad *res, int analysis, sp_arena *a);
void sp_conv_formatted_crab_id(sp_ad *res, const sp_cval *id);
void sp_conv_default_site(sp_ad *ad);
void sp_conv_pilot_and_outputs(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st);
void sp_conv_split_list(sp_ad *res, const char *name, const sp_ad *ad, const char *key);
sp_cval sp_conv_task_creation(const sp_ad *ad, sp_cval record);
void sp_conv_datasets(sp_ad *res);
void sp_conv_site_fields(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st);
void sp_conv_cmssw_version(sp_ad *res);
void sp_conv_postjob_status(sp_ad *res);
void sp_conv_wm_tool(sp_ad *res);

/* ---------- convert_chirp.c ---------- */

void sp_conv_handle_chirp_info(sp_ad *res, const sp_ad *ad, sp_arena *a, conv_ctx *st);

/* ---------- convert_affiliation.c ---------- */

/* -1 and err when the file cannot be read; sp_conv_free_affiliations()
 * frees what it loaded (also after a failure). */
int sp_conv_load_affiliations(sp_converter *c, const char *path, char *err, size_t errlen);
void sp_conv_free_affiliations(sp_converter *c);
void sp_conv_affiliation(const sp_converter *c, sp_ad *res);

#endif
