/* convert.c - the reference spider's conversion of a job ClassAd into a
 * document (see convert.h). Functions follow convert_to_json.py closely so
 * each rule can be checked against it by name; Python's behaviour is kept
 * where it shows in the output (str() of values, "in" on strings meaning
 * substring, str.strip() taking a set of characters). */
#include "convert.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "classad_expr.h"
#include "patterns.h"
#include "pycase.h"
#include "pyfmt.h"
#include "rules.h"

struct sp_converter {
    sp_rulemap rules;        /* which lists each attribute name is in */
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

static const sp_cval *get(const sp_ad *ad, const char *name)
{
    return sp_ad_getz(ad, name);
}

static int has(const sp_ad *ad, const char *name)
{
    return get(ad, name) != NULL;
}

/* The value, with an expression evaluated (what classad's ad.eval gives).
 * Absent -> UNDEFINED. */
static sp_cval eval(const sp_ad *ad, const char *name, sp_arena *a, conv_ctx *st)
{
    const sp_cval *v = get(ad, name);
    if (!v)
        return sp_cv_undefined();
    if (v->type != SP_CV_EXPR)
        return *v;
    sp_cval out;
    char err[128];
    if (sp_ad_eval_attr_cached(ad, name, st->cache, a, &out, err, sizeof(err)) != 0) {
        st->stats->unevaluated++;
        return *v;
    }
    return out;
}

static int is_num(const sp_cval *v)
{
    return v && (v->type == SP_CV_INT || v->type == SP_CV_REAL || v->type == SP_CV_BOOL);
}

static double num_of(const sp_cval *v)
{
    switch (v->type) {
    case SP_CV_INT: return (double)v->u.i;
    case SP_CV_REAL: return v->u.r;
    case SP_CV_BOOL: return v->u.b;
    default: return 0;
    }
}

/* ad.get(name, dflt) used as a number. */
static double num(const sp_ad *ad, const char *name, double dflt, sp_arena *a, conv_ctx *st)
{
    if (!has(ad, name))
        return dflt;
    sp_cval v = eval(ad, name, a, st);
    return is_num(&v) ? num_of(&v) : dflt;
}

/* A string attribute's text, or dflt. */
static const char *str(const sp_ad *ad, const char *name, const char *dflt)
{
    const sp_cval *v = get(ad, name);
    return v && v->type == SP_CV_STRING ? v->u.str.s : dflt;
}

/* The classad bindings hand a literal `error` to Python as Value.Error, not
 * as an expression; spider's parsers keep it as the expression "error". */
static int is_error_literal(const sp_cval *v)
{
    return v && v->type == SP_CV_EXPR && v->u.str.len == 5 && !strcasecmp(v->u.str.s, "error");
}

/* An expression the bindings give as an ExprTree (not a value). */
static int is_expr_tree(const sp_cval *v)
{
    return v && v->type == SP_CV_EXPR && !is_error_literal(v);
}

/* Python's bool() of a value as the bindings give it: Value.Undefined is
 * false (bool() of Value.Error raises in the reference: true here). */
static int truthy(const sp_cval *v)
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
static int starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

static int ends(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static void set(sp_ad *res, const char *name, sp_cval v)
{
    sp_ad_set(res, name, strlen(name), &v);   /* ENOMEM: the field is missing */
}

static void set_str(sp_ad *res, const char *name, const char *s)
{
    set(res, name, sp_cv_string(res->arena, s, strlen(s)));
}

static void set_strn(sp_ad *res, const char *name, const char *s, size_t len)
{
    set(res, name, sp_cv_string(res->arena, s, len));
}

static const sp_cval *rget(const sp_ad *res, const char *name)
{
    return sp_ad_getz(res, name);
}

static const char *rstr(const sp_ad *res, const char *name)
{
    const sp_cval *v = rget(res, name);
    return v && v->type == SP_CV_STRING ? v->u.str.s : NULL;
}

static int rnum(const sp_ad *res, const char *name, double *out)
{
    const sp_cval *v = rget(res, name);
    if (!is_num(v))
        return 0;
    *out = num_of(v);
    return 1;
}

/* A matched group as a string in the arena. */
static char *group(sp_arena *a, const char *s, sp_span g)
{
    return sp_arena_strndup(a, s + g.off, g.len);
}

/* Python's str() of a value, for the string_vals. */
static sp_cval py_str(sp_arena *a, const sp_cval *v)
{
    sp_buf b = { 0 };
    sp_cval out;
    char num[48];
    if (is_error_literal(v))
        return sp_cv_string(a, "Error", 5);
    if (v->type == SP_CV_STRING || v->type == SP_CV_EXPR) {
        out = *v;                        /* shared: the ad outlives the document */
        out.type = SP_CV_STRING;
        return out;
    }
    if (v->type == SP_CV_INT)
        return sp_cv_string(a, num, (size_t)snprintf(num, sizeof(num), "%lld", v->u.i));
    if (v->type == SP_CV_REAL)
        return sp_cv_string(a, num, (size_t)sp_py_float_repr(v->u.r, num, sizeof(num)));
    if (v->type == SP_CV_BOOL)
        return sp_cv_string(a, v->u.b ? "True" : "False", v->u.b ? 4 : 5);
    sp_py_repr(&b, v);
    out = sp_cv_string(a, b.data ? (const char *)b.data : "", b.len);
    sp_buf_free(&b);
    return out;
}

/* Python's int() of a value: 1 and *out, or 0 when it would raise. */
static int py_int(const sp_cval *v, long long *out)
{
    switch (v->type) {
    case SP_CV_INT: *out = v->u.i; return 1;
    case SP_CV_BOOL: *out = v->u.b; return 1;
    case SP_CV_REAL:
        if (!isfinite(v->u.r) || v->u.r >= 9223372036854775808.0 || v->u.r < -9223372036854775808.0)
            return 0;
        *out = (long long)v->u.r;
        return 1;
    case SP_CV_STRING: return sp_py_parse_int(v->u.str.s, out);
    default: return 0;
    }
}

/* ---------- attribute by attribute (bulk_convert_ad_data) ---------- */


/* base64 + zlib, rendered as Python 3's str(bytes) ("b'...'"); the value
 * unchanged when it does not decode. */
static sp_cval decode_and_decompress(sp_arena *a, const sp_cval *v)
{
    sp_cval s = py_str(a, v);
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

/* A finite real whose int() is outside int64: the reference writes that
 * integer, which no search cluster can index (compatibility.md D3). */
static int big_real(const sp_cval *v)
{
    return v->type == SP_CV_REAL && isfinite(v->u.r) &&
           (v->u.r >= 9223372036854775808.0 || v->u.r < -9223372036854775808.0);
}

static sp_cval py_trunc(sp_cval v);
static const char *py_case(sp_arena *a, const char *s, size_t len, int upper);

/* The typed value of one attribute; 0 to leave the attribute out. */
static int typed_value(unsigned rule, sp_cval *value, sp_arena *a, conv_ctx *st)
{
    long long i;
    if ((rule & (SP_RULE_INT | SP_RULE_DATE)) && !(rule & SP_RULE_BOOL) && big_real(value)) {
        st->stats->type_errors++;
        return 2;                 /* kept as a real for what is derived from it, then dropped */
    }
    if (value->type == SP_CV_ERROR)
        return 0;
    if (value->type == SP_CV_UNDEFINED)
        return 1;                                 /* None */
    if (rule & SP_RULE_BOOL) {
        *value = sp_cv_bool(truthy(value));
    } else if (rule & SP_RULE_INT) {
        if (py_int(value, &i)) {
            *value = sp_cv_int(i);
        } else if (value->type == SP_CV_STRING && strcmp(value->u.str.s, "Unknown") == 0) {
            *value = sp_cv_undefined();
        } else {
            st->stats->type_errors++;
            return 0;
        }
    } else if (rule & SP_RULE_STRING) {
        *value = py_str(a, value);
    } else if (rule & SP_RULE_DATE) {
        if ((is_num(value) && num_of(value) == 0) ||
            (value->type == SP_CV_STRING && !strcmp(py_case(a, value->u.str.s, value->u.str.len, 0), "unknown")))
            *value = sp_cv_undefined();
        else if (py_int(value, &i))
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
        unsigned rule = sp_rulemap_get_h(&c->rules, key, klen, ad->attrs[k].hash);
        if (rule & SP_RULE_IGNORE)
            continue;
        if (starts(key, "HasBeen") && !(rule & SP_RULE_BOOL))
            continue;
        if (klen == 13 && !strcmp(key, "DESIRED_SITES")) {
            key = "DESIRED_Sites";                  /* the same hash: case-folded */
            rule = sp_rulemap_get_h(&c->rules, key, klen, ad->attrs[k].hash);
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

/* ---------- the reference's helper functions ---------- */

/* ad.get(name, 0) is true: present and truthy. */
static const sp_cval *get_truthy(const sp_ad *ad, const char *name)
{
    const sp_cval *v = get(ad, name);
    return v && truthy(v) ? v : NULL;
}

/* recordTime: CompletionDate or JobFinishedHookDone as the ad has it (an
 * int, or a real) for jobs that ended, else the launch time. */
static sp_cval record_time(sp_ad *ad, long long now, sp_arena *a, conv_ctx *st)
{
    double status = num(ad, "JobStatus", -1, a, st);
    if (status == 3 || status == 4 || status == 6) {
        const sp_cval *cd = get_truthy(ad, "CompletionDate");
        if (!cd)
            cd = get_truthy(ad, "JobFinishedHookDone");
        if (cd && (cd->type == SP_CV_INT || cd->type == SP_CV_REAL || cd->type == SP_CV_BOOL))
            return *cd;
    }
    return sp_cv_int(now);
}

static int is_analysis(const sp_ad *ad)
{
    return strcasecmp(str(ad, "CMS_Type", "unknown"), "analysis") == 0 ||
           strcmp(str(ad, "CMS_JobType", "unknown"), "Analysis") == 0;
}

/* A raw value as Python compares it with numbers: the Value enum is an
 * IntEnum (Undefined 2, Error 1). 0 when it is no number. */
static int py_number(const sp_cval *v, double *out)
{
    if (is_error_literal(v) || v->type == SP_CV_ERROR) {
        *out = 1;
        return 1;
    }
    if (v->type == SP_CV_UNDEFINED) {
        *out = 2;
        return 1;
    }
    if (!is_num(v))
        return 0;
    *out = num_of(v);
    return 1;
}

/* commonExitCode: the exit code as the ad has it (ad.get, not evaluated). */
static sp_cval common_exit_code(const sp_ad *ad)
{
    const sp_cval *condor = get(ad, "ExitCode");
    if (!condor)
        return sp_cv_int(50666);
    if (is_analysis(ad)) {
        const sp_cval *v = get(ad, "JobExitCode");
        if (!v)
            v = get(ad, "Chirp_CRAB3_Job_ExitCode");
        return v ? *v : *condor;
    }
    const sp_cval *cmsrun = get(ad, "Chirp_WMCore_cmsRun_ExitCode");
    double x;
    return cmsrun && py_number(cmsrun, &x) && x > 0 ? *cmsrun : *condor;
}

/* The exit code as the document shows it: the Value enum as null
 * (compatibility.md D5), an error literal too. */
static sp_cval exit_code_doc(sp_cval v)
{
    return is_error_literal(&v) || v.type == SP_CV_ERROR ? sp_cv_undefined() : v;
}

static const char *error_type(double code)
{
    if (code == 0)
        return "Success";
    if ((code >= 10000 && code <= 19999) || code == 50513)
        return "Environment";
    if (code >= 60000 && code <= 69999)
        return code >= 69000 ? "Publication" : "StageOut";
    if (code >= 80000 && code <= 89999)
        return "JobWrapper";
    if (code == 8020 || code == 8028)
        return "FileOpen";
    if (code == 8021)
        return "FileRead";
    if (code == 8030 || code == 8031 || code == 8032 || code == 9000 || (code >= 50660 && code <= 50669))
        return "OutOfBounds";
    if ((code >= 7000 && code <= 9000) || code == 139)
        return "Executable";
    return "Other";
}

static const char *error_class(const char *type, int failed)
{
    /* the reference also lists "AsyncStageOut", which errorType never gives */
    if (!strcmp(type, "Environment") || !strcmp(type, "Publication") || !strcmp(type, "StageOut"))
        return "System";
    if (!strcmp(type, "FileOpen") || !strcmp(type, "FileRead"))
        return "DataAccess";
    if (!strcmp(type, "JobWrapper") || !strcmp(type, "OutOfBounds") || !strcmp(type, "Executable"))
        return "Application";
    return failed ? "Other" : "Success";
}

/* The last path element of WMAgent_SubTaskName ("/UNKNOWN" when absent). */
static const char *subtask_leaf(const sp_ad *ad)
{
    const char *s = str(ad, "WMAgent_SubTaskName", "/UNKNOWN");
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

static const char *guess_task_type(const sp_ad *ad, sp_arena *a)
{
    const char *job_type = str(ad, "CMS_JobType", "UNKNOWN");
    if (!strcmp(job_type, "Processing"))
        return "DataProcessing";
    if (strcmp(job_type, "Production") != 0)
        return job_type;
    const char *ttype = subtask_leaf(ad);
    const char *dash = strchr(ttype, '-');
    const char *camp2 = ttype;
    if (dash) {                                  /* ttype.split("-")[1] */
        const char *end = strchr(dash + 1, '-');
        camp2 = sp_arena_strndup(a, dash + 1, end ? (size_t)(end - dash - 1) : strlen(dash + 1));
        if (!camp2)
            camp2 = "";
    }
    size_t tl = strlen(ttype);
    if (strstr(ttype, "CleanupUnmerged"))
        return "Cleanup";
    if (strstr(ttype, "Merge"))
        return "Merge";
    if (strstr(ttype, "LogCollect"))
        return "LogCollect";
    if (strstr(str(ad, "WMAgent_RequestName", "UNKNOWN"), "MiniAOD") && !strcmp(ttype, "StepOneProc"))
        return "MINIAOD";
    if (strstr(ttype, "MiniAOD"))
        return "MINIAOD";
    if (!strcmp(ttype, "StepOneProc") && sp_pat_two_digits_then(camp2, "DR"))
        return "DIGIRECO";
    if (sp_pat_two_digits_then(camp2, "GS") && ends(ttype, tl, "_0"))
        return "GENSIM";
    if (ends(ttype, tl, "_0"))
        return "DIGI";
    if (ends(ttype, tl, "_1") || !strcasecmp(ttype, "reco"))
        return "RECO";
    if (!strcmp(ttype, "MonteCarloFromGEN"))
        return "GENSIM";
    return "UNKNOWN";
}

static const char *guess_campaign_type(const sp_ad *ad, int analysis)
{
    const char *camp = str(ad, "WMAgent_RequestName", "UNKNOWN");
    if (analysis)
        return "Analysis";
    if (sp_pat_ultralegacy_mc(camp))
        return "MC Ultralegacy";
    if (strstr(camp, "UltraLegacy"))
        return "Data Ultralegacy";
    if (strstr(camp, "Phase2"))
        return "Phase2 requests";
    if (strstr(camp, "Run3") || strstr(camp, "RunIII"))
        return "Run3 requests";
    if (strstr(camp, "RVCMSSW"))
        return "RelVal";
    if (sp_pat_run2(camp))
        return "Run2 requests";
    if (strstr(camp, "SnowmassWinter21"))
        return "SnowmassWinter21";
    return "UNKNOWN";
}

/* guessCampaign after its first rule: a true CMS_CampaignName is taken as
 * the ad has it, whatever its type, by cms_profile(). */
static const char *guess_campaign(const sp_ad *ad, int analysis,
                                  const char *campaign_type, sp_arena *a)
{
    const char *camp = str(ad, "WMAgent_RequestName", "UNKNOWN");
    sp_span g;
    if (analysis) {
        const char *user = str(ad, "CRAB_UserHN", "UNKNOWN");
        char *s = sp_arena_alloc(a, strlen(user) + 6);
        if (s)
            sprintf(s, "crab_%s", user);
        return s ? s : "crab_";
    }
    if (starts(camp, "PromptReco"))
        return "PromptReco";
    if (starts(camp, "Repack"))
        return "Repack";
    if (starts(camp, "Express"))
        return "Express";
    if (strstr(camp, "RVCMSSW"))
        return "RelVal";
    if (sp_pat_camp(camp, &g))
        return group(a, camp, g);
    if (sp_pat_rereco(camp, &g) && strstr(str(ad, "WMAgent_SubTaskName", ""), "DataProcessing")) {
        char *g1 = group(a, camp, g);
        char *s = g1 ? sp_arena_alloc(a, strlen(g1) + 13) : NULL;
        if (s)
            sprintf(s, "%sReprocessing", g1);
        return s ? s : camp;
    }
    return campaign_type;
}

static const char *guess_workflow(const sp_ad *ad, int analysis, sp_arena *a)
{
    const char *prep = str(ad, "WMAgent_RequestName", "UNKNOWN");
    sp_span g1, g2;
    if (analysis) {
        const char *wf = str(ad, "CRAB_Workflow", "UNKNOWN");
        const char *colon = strchr(wf, ':');
        return colon ? colon + 1 : wf;
    }
    if (sp_pat_prep(prep, &g1))
        return group(a, prep, g1);
    if (sp_pat_prep_prompt(prep, &g1, &g2)) {
        char *s = sp_arena_alloc(a, g1.len + g2.len + 2);
        if (!s)
            return prep;
        memcpy(s, prep + g1.off, g1.len);
        s[g1.len] = '_';
        memcpy(s + g1.len + 1, prep + g2.off, g2.len);
        s[g1.len + 1 + g2.len] = '\0';
        return s;
    }
    if (sp_pat_rval(prep, &g1))
        return group(a, prep, g1);
    return prep;
}

/* FormattedCrabId: "X-N" -> "X.00000N", "N" -> "00000N", else "000000". */
static void formatted_crab_id(sp_ad *res, const sp_cval *id)
{
    char out[64] = "000000";
    if (id->type == SP_CV_STRING) {
        const char *s = id->u.str.s;
        const char *dash = strchr(s, '-');
        long long x, n;
        if (dash) {                    /* "{}.{:06d}".format(*parts): the first two */
            char left[32], right[32];
            const char *dash2 = strchr(dash + 1, '-');
            size_t l = (size_t)(dash - s), r = dash2 ? (size_t)(dash2 - dash - 1) : strlen(dash + 1);
            int all = 1;                 /* every part must be an int, or the reference raises */
            for (const char *p = dash2; p && all; p = strchr(p + 1, '-')) {
                const char *e = strchr(p + 1, '-');
                char part[32];
                size_t pl = e ? (size_t)(e - p - 1) : strlen(p + 1);
                if (pl >= sizeof(part))
                    all = 0;
                else {
                    memcpy(part, p + 1, pl);
                    part[pl] = '\0';
                    all = sp_py_parse_int(part, &n);
                }
            }
            if (all && l < sizeof(left) && r < sizeof(right)) {
                memcpy(left, s, l);
                left[l] = '\0';
                memcpy(right, dash + 1, r);
                right[r] = '\0';
                if (sp_py_parse_int(left, &x) && sp_py_parse_int(right, &n))
                    snprintf(out, sizeof(out), "%lld.%06lld", x, n);
            }
        } else if (*s && strspn(s, "0123456789") == strlen(s) && sp_py_parse_int(s, &n)) {
            snprintf(out, sizeof(out), "%06lld", n);
        }
    }
    set_str(res, "FormattedCrabId", out);
}

/* The length of the white-space character at p as Python's str.isspace()
 * and re's \s see it (Unicode, in UTF-8), or 0. */
static size_t py_space(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if ((*u >= 0x09 && *u <= 0x0d) || (*u >= 0x1c && *u <= 0x20))
        return 1;
    if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
        return 2;
    if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)                 /* U+1680 */
        return 3;
    if (u[0] == 0xe2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        return 3;                                                     /* U+2000-200A, 2028, 2029, 202F */
    if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)                 /* U+205F */
        return 3;
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)                 /* U+3000 */
        return 3;
    return 0;
}

/* The length of the white-space character ending at e (after b), or 0. */
static size_t py_space_before(const char *b, const char *e)
{
    for (size_t n = 1; n <= 3 && e - (ptrdiff_t)n >= b; n++)
        if (py_space(e - n) == n)
            return n;
    return 0;
}

/* make_list_from_string_field: re.split(r"[\s,]+\s*", value). */
static void split_list(sp_ad *res, const char *name, const sp_ad *ad, const char *key)
{
    const sp_cval *v = get(ad, key);
    sp_cval list = { .type = SP_CV_LIST };
    if (!v || v->type != SP_CV_STRING) {
        sp_cval *item = sp_arena_alloc(res->arena, sizeof(*item));
        if (!item)
            return;
        *item = sp_cv_string(res->arena, S("UNKNOWN"));
        list.u.list.items = item;
        list.u.list.n = 1;
        set(res, name, list);
        return;
    }
    const char *s = v->u.str.s;
    size_t n = 1, w;
    for (const char *p = s; *p; p++)
        n += *p == ',' || py_space(p) > 0;      /* at least one separator per item */
    sp_cval *items = sp_arena_alloc(res->arena, n * sizeof(*items));
    if (!items)
        return;
    size_t k = 0;
    const char *start = s, *p = s;
    for (;;) {
        if (*p != '\0' && *p != ',' && !py_space(p)) {
            p++;
            continue;
        }
        items[k++] = sp_cv_string(res->arena, start, (size_t)(p - start));
        if (!*p)
            break;
        while (*p == ',' || (w = py_space(p)) > 0)
            p += *p == ',' ? 1 : w;
        start = p;
    }
    list.u.list.items = items;
    list.u.list.n = k;
    set(res, name, list);
}

static size_t list_len(const sp_cval *v)
{
    if (!v)
        return 0;
    if (v->type == SP_CV_LIST)
        return v->u.list.n;
    if (v->type == SP_CV_STRING)
        return v->u.str.len;
    return 0;
}

/* CRAB_TaskCreationDate from "YYMMDD_HHMMSS:user_task", else RecordTime. */
static sp_cval task_creation(const sp_ad *ad, sp_cval record)
{
    const char *wf = str(ad, "CRAB_Workflow", NULL);
    int y, mo, d, h, mi, s, n = 0;
    if (!wf || sscanf(wf, "%2d%2d%2d_%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 13 ||
        (wf[13] && wf[13] != ':') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 61)
        return record;
    for (int i = 0; i < 13; i++)
        if (i != 6 && !isdigit((unsigned char)wf[i]))
            return record;
    int year = (y < 69 ? 2000 : 1900) + y;       /* strptime %y */
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap) || s > 59)
        return record;
    /* days from civil (UTC), no timezone involved */
    int yy = year - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = (long long)era * 146097 + doe - 719468;
    return sp_cv_int(days * 86400 + h * 3600 + mi * 60 + s);
}

/* Python's str.strip(chars): removes any of chars from both ends. */
static const char *strip_chars(sp_arena *a, const char *s, const char *chars)
{
    size_t b = 0, e = strlen(s);
    while (b < e && strchr(chars, s[b]))
        b++;
    while (e > b && strchr(chars, s[e - 1]))
        e--;
    char *out = sp_arena_strndup(a, s + b, e - b);
    return out ? out : s;
}

static void tier_country(sp_ad *res, const char *site)
{
    const char *u1 = strchr(site, '_');
    const char *u2 = u1 ? strchr(u1 + 1, '_') : NULL;
    if (u2) {
        set_strn(res, "Tier", site, (size_t)(u1 - site));
        set_strn(res, "Country", u1 + 1, (size_t)(u2 - u1 - 1));
    } else {
        set_str(res, "Tier", "Unknown");
        set_str(res, "Country", "Unknown");
    }
}

static int list_has(const sp_cval *list, const char *s)
{
    if (!list || list->type != SP_CV_LIST)
        return 0;
    for (size_t i = 0; i < list->u.list.n; i++)
        if (list->u.list.items[i].type == SP_CV_STRING && !strcmp(list->u.list.items[i].u.str.s, s))
            return 1;
    return 0;
}

static void input_data(sp_ad *res, const sp_ad *ad, const char *site, int analysis, sp_arena *a,
                       conv_ctx *st)
{
    const sp_cval *locs = rget(res, "DESIRED_CMSDataLocations");
    if (!locs || locs->type == SP_CV_UNDEFINED) {
        set_str(res, "InputData", "Onsite");
    } else if (locs->type == SP_CV_STRING ? strstr(locs->u.str.s, site) != NULL : list_has(locs, site)) {
        set_str(res, "InputData", "Onsite");
    } else if (strcmp(site, "UNKNOWN") != 0 && num(ad, "JobStatus", -1, a, st) != 1) {
        set_str(res, "InputData", "Offsite");
        if (analysis)
            set_str(res, "OverflowType", list_has(rget(res, "DESIRED_Sites"), site) ? "IgnoreLocality" : "FrontendOverflow");
        else
            set_str(res, "OverflowType", "Unified");
    }
}

/* ---------- Chirp CMSSW statistics (handle_chirp_info) ---------- */

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
        if (big_real(&d) && st->ndrop < st->capdrop)
            st->drop[st->ndrop++] = "ChirpCMSSWDone";
        else if (d.type == SP_CV_REAL)
            set(res, "ChirpCMSSWDone", py_trunc(d));
        else if (py_int(&d, &di))
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

static void handle_chirp_info(sp_ad *res, const sp_ad *ad, sp_arena *a, conv_ctx *st)
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

/* ---------- machine benchmarks ---------- */

static void benchmark(sp_ad *res, const char *prefix, double bench)
{
    static const char *const rate_in[] = { "EventRate", "CpuEventRate" };
    static const char *const time_in[] = { "CpuTimePerEvent", "TimePerEvent" };
    static const char *const hr_in[] = { "CoreHr", "CommittedCoreHr", "CpuTimeHr" };
    char name[64];
    double v;
    for (size_t i = 0; i < 2; i++)
        if (rnum(res, rate_in[i], &v) && v > 0) {
            snprintf(name, sizeof(name), "%s%s", prefix, rate_in[i]);
            set(res, name, sp_cv_real(v / bench));
        }
    for (size_t i = 0; i < 2; i++)
        if (rnum(res, time_in[i], &v) && v > 0) {
            snprintf(name, sizeof(name), "%s%s", prefix, time_in[i]);
            set(res, name, sp_cv_real(v * bench));
        }
    for (size_t i = 0; i < 3; i++)
        if (rnum(res, hr_in[i], &v)) {
            snprintf(name, sizeof(name), "%s%s", prefix, hr_in[i]);
            set(res, name, sp_cv_real(v * bench));
        }
}

/* Python float() of a value: numbers, and strings that parse. */
static int py_float(const sp_cval *v, double *out)
{
    if (is_num(v)) {
        *out = num_of(v);
        return 1;
    }
    if (v && v->type == SP_CV_STRING)
        return sp_py_parse_float(v->u.str.s, out);
    return 0;
}

static void machine_benchmarks(sp_ad *res, sp_ad *ad, sp_arena *a, conv_ctx *st)
{
    double cpus, hs06;
    const sp_cval *hv = get(ad, "MachineAttrMJF_JOB_HS06_JOB0");
    if (py_float(rget(res, "GLIDEIN_Cpus"), &cpus) && hv && py_float(hv, &hs06) && cpus != 0) {
        set(res, "BenchmarkJobHS06", sp_cv_real(hs06 / cpus));
        benchmark(res, "HS06", hs06 / cpus);
    } else {
        sp_ad_remove(res, S("MachineAttrMJF_JOB_HS06_JOB0"));
    }
    sp_cval db12 = eval(ad, "MachineAttrDIRACBenchmark0", a, st);
    double d;
    if (db12.type != SP_CV_UNDEFINED && has(ad, "MachineAttrDIRACBenchmark0") && py_float(&db12, &d)) {
        set(res, "BenchmarkJobDB12", sp_cv_real(d));
        benchmark(res, "DB12", d);
    }
    /* "MachineAttrHAS_SINGULARITY0 is true": identical to the boolean true */
    sp_cval sing = eval(ad, "MachineAttrHAS_SINGULARITY0", a, st);
    set(res, "HasSingularity", sp_cv_bool(sing.type == SP_CV_BOOL && sing.u.b));
    const sp_cval *cpu = get(ad, "ChirpCMSSWCPUModels");
    if (!cpu || is_expr_tree(cpu))
        cpu = get(ad, "MachineAttrCPUModel0");
    if (cpu) {
        sp_cval s = py_str(res->arena, cpu);
        set(res, "CPUModel", s);
        set(res, "CPUModelName", s);
        set(res, "Processor", s);
    }
}

/* ---------- affiliation, post-job status, tools ---------- */

static void affiliation(const sp_converter *c, sp_ad *res)
{
    json_t *aff = NULL;
    const char *login = rstr(res, "CRAB_UserHN"), *dn = rstr(res, "x509userproxysubject");
    if (!c->aff_login)
        return;
    if (rget(res, "CRAB_UserHN"))
        aff = login ? json_object_get(c->aff_login, login) : NULL;
    else if (dn)
        aff = json_object_get(c->aff_dn, dn);
    if (!aff)
        return;
    const char *inst = json_string_value(json_object_get(aff, "institute"));
    const char *country = json_string_value(json_object_get(aff, "country"));
    if (inst)
        set_str(res, "AffiliationInstitute", inst);
    if (country)
        set_str(res, "AffiliationCountry", country);
}

static const char *postjob_decode(const char *s)
{
    static const char *const map[][2] = {
        { "NOT RUN", "postProc" }, { "TRANSFERRING", "transferring" }, { "COOLOFF", "toRetry" },
        { "FAILED", "failed" }, { "FINISHED", "finished" },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(s, map[i][0]))
            return map[i][1];
    return s;
}

/* Python's s.upper() or s.lower() of s[0..len), in the arena (ASCII
 * without a detour). */
static const char *py_case(sp_arena *a, const char *s, size_t len, int upper)
{
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) {
        char *out = sp_arena_strndup(a, s, len);
        for (char *p = out; p && *p; p++)
            *p = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
        return out ? out : "";
    }
    sp_buf b = { 0 };
    if ((upper ? sp_py_upper(&b, s, len) : sp_py_lower(&b, s, len)) != 0) {
        sp_buf_free(&b);
        return "";
    }
    char *out = sp_arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
    sp_buf_free(&b);
    return out ? out : "";
}

static void postjob_status(sp_ad *res)
{
    const char *pj = rstr(res, "CRAB_PostJobStatus");
    const char *status = rstr(res, "Status");
    const char *norm = "";
    if (pj && *pj) {                             /* .strip().upper() */
        const char *b = pj, *e = pj + strlen(pj);
        size_t w;
        while (b < e && (w = py_space(b)) > 0)
            b += w;
        while (e > b && (w = py_space_before(b, e)) > 0)
            e -= w;
        norm = py_case(res->arena, b, (size_t)(e - b), 1);
    }
    if (*norm && ((!strcmp(status, "Removed") && strcmp(norm, "NOT RUN")) || !strcmp(status, "Completed"))) {
        set_str(res, "CRAB_PostJobStatus", postjob_decode(norm));
        if (!rget(res, "CompletionDate")) {
            const sp_cval *ecs = rget(res, "EnteredCurrentStatus");
            set(res, "CompletionDate", ecs ? *ecs : sp_cv_undefined());
        }
        double ct = 0;
        if (!rget(res, "CommittedTime") || (rnum(res, "CommittedTime", &ct) && ct == 0)) {
            const sp_cval *rw = rget(res, "RemoteWallClockTime");
            set(res, "CommittedTime", rw ? *rw : sp_cv_undefined());
        }
    } else if (rget(res, "CRAB_Id")) {
        set_str(res, "CRAB_PostJobStatus", status);
    }
}

static void wm_tool(sp_ad *res)
{
    const char *tool = rstr(res, "CMS_WMTool");
    if (!rget(res, "CMS_WMTool")) {
        const char *sub = rstr(res, "CMS_SubmissionTool");
        tool = sub && !strcmp(sub, "InstitutionalSchedd") ? "User" : "UNKNOWN";
    }
    if (!tool)
        return;                                  /* None: the reference would fail on .lower() */
    set_str(res, "CMS_WMTool", !strcasecmp(tool, "user") ? "User" : tool);
}

/* drop_fields_for_running_jobs: live jobs keep only running_fields. */
static int is_running_field(void *ctx, const sp_attr *a)
{
    const sp_converter *c = ctx;
    return (sp_rulemap_get_h(&c->rules, a->name, a->name_len, a->hash) & SP_RULE_RUNNING) != 0;
}

static void reduce(const sp_converter *c, sp_ad *res)
{
    const char *status = rstr(res, "Status");
    if (status && strcmp(status, "Running") && strcmp(status, "Idle") && strcmp(status, "Held"))
        return;
    sp_ad_filter(res, is_running_field, (void *)c);
}

/* ---------- the conversion ---------- */

static const char *const status_names[] = { "Unexpanded", "Idle", "Running", "Removed", "Completed", "Held", "Error" };
static const char *const universe_names[] = { NULL, "Standard", "Pipe", "Linda", "PVM", "Vanilla", "PVMD",
                                              "Scheduler", "MPI", "Grid", "Java", "Parallel", "Local" };

static void default_site(sp_ad *ad)
{
    static const char *const chain[] = { "MATCH_EXP_JOBGLIDEIN_CMSSite", "MATCH_GLIDEIN_CMSSite",
                                         "MachineAttrGLIDEIN_CMSSite0", "MachineAttrCMSProcessingSiteName0" };
    if (has(ad, "MATCH_EXP_JOB_GLIDEIN_CMSSite"))
        return;
    for (size_t i = 0; i < 4; i++) {
        const sp_cval *v = get(ad, chain[i]);
        if (v) {
            sp_cval copy = *v;
            sp_ad_set(ad, S("MATCH_EXP_JOB_GLIDEIN_CMSSite"), &copy);
            return;
        }
    }
    sp_cval unknown = sp_cv_string(ad->arena, S("Unknown"));
    sp_ad_set(ad, S("MATCH_EXP_JOB_GLIDEIN_CMSSite"), &unknown);
}

/* RequestCpus: from Cream/Nordugrid attributes or xcount when absent,
 * then int(eval) or 1.0; returns the value used in the hours. */
static sp_cval request_cpus(sp_ad *ad, sp_ad *res, sp_arena *a, conv_ctx *st)
{
    long long n;
    if (!has(ad, "RequestCpus")) {
        const char *cream = str(ad, "CreamAttributes", "");
        const char *rsl = str(ad, "NordugridRSL", "");
        sp_cval v = sp_cv_int(1);
        if (sp_pat_number_after(cream, "CPUNumber = ", NULL, &n))
            v = sp_cv_int(n);
        else if (sp_pat_number_after(rsl, "(count=", ")", &n))
            v = sp_cv_int(n);
        else if (has(ad, "xcount"))
            v = *get(ad, "xcount");
        sp_ad_set(ad, S("RequestCpus"), &v);
    }
    sp_cval v = eval(ad, "RequestCpus", a, st);
    long long i;
    sp_cval r = py_int(&v, &i) ? sp_cv_int(i) : sp_cv_real(1.0);
    sp_ad_set(ad, S("RequestCpus"), &r);
    set(res, "RequestCpus", r);
    return r;
}

static void cms_profile(sp_ad *ad, sp_ad *res, int analysis, sp_arena *a)
{
    const sp_cval *sub = get(ad, "WMAgent_SubTaskName");
    set(res, "task", sub ? *sub : sp_cv_undefined());
    const sp_cval *jt = get(ad, "CMS_JobType");
    set(res, "CMS_JobType", jt ? py_str(res->arena, jt) : sp_cv_string(res->arena, analysis ? "Analysis" : "Unknown", analysis ? 8 : 7));
    const sp_cval *dest = get(ad, "CRAB_AsyncDest");
    set(res, "CRAB_AsyncDest", dest ? py_str(res->arena, dest) : sp_cv_string(res->arena, S("Unknown")));
    set_str(res, "WMAgent_TaskType", subtask_leaf(ad));
    const char *ctype = guess_campaign_type(ad, analysis);
    set_str(res, "CMS_CampaignType", ctype);
    set_str(res, "Campaign", guess_campaign(ad, analysis, ctype, a));
    const sp_cval *camp_name = get_truthy(ad, "CMS_CampaignName");   /* as the ad has it */
    if (camp_name)
        set(res, "Campaign", *camp_name);
    const sp_cval *ext = rget(res, "CMS_extendedJobType");
    sp_cval task;
    if (ext && ext->type != SP_CV_UNDEFINED && !(ext->type == SP_CV_STRING && !strcmp(ext->u.str.s, "UNKNOWN")))
        task = *ext;
    else if (rget(res, "CMS_TaskType"))
        task = *rget(res, "CMS_TaskType");
    else if (analysis)
        task = *rget(res, "CMS_JobType");
    else if (jt && jt->type != SP_CV_STRING)
        task = *jt;                              /* guessTaskType returns CMS_JobType as it is */
    else
        task = sp_cv_string(res->arena, guess_task_type(ad, a), strlen(guess_task_type(ad, a)));
    set(res, "TaskType", task);
    set_str(res, "Workflow", guess_workflow(ad, analysis, a));
}

/* ad.get(name, 0) as a Python number: an int stays an int (bool too),
 * anything else that is no number counts as 0. */
static sp_cval raw_num(sp_ad *ad, const char *name, sp_arena *a, conv_ctx *st)
{
    const sp_cval *raw = get(ad, name);
    double x;
    if (raw && (raw->type == SP_CV_UNDEFINED || is_error_literal(raw)) && py_number(raw, &x))
        return sp_cv_int((long long)x);          /* Value.Undefined 2, Value.Error 1, as ints */
    sp_cval v = eval(ad, name, a, st);
    if (v.type == SP_CV_BOOL)
        return sp_cv_int(v.u.b);
    return v.type == SP_CV_INT || v.type == SP_CV_REAL ? v : sp_cv_int(0);
}

/* Python's int() of a number: reals truncated, kept as a real (exact)
 * when outside int64. */
static sp_cval py_trunc(sp_cval v)
{
    if (v.type != SP_CV_REAL || !isfinite(v.u.r))
        return v;
    double t = trunc(v.u.r);
    return big_real(&v) ? sp_cv_real(t) : sp_cv_int((long long)t);
}

/* x * y / div as Python computes it: ints multiply exactly, the product is
 * rounded to a float once. No overflow (a huge RemoteWallClockTime). */
static double py_mul_div(sp_cval x, sp_cval y, double div)
{
    if (x.type == SP_CV_INT && y.type == SP_CV_INT)
        return (double)((__int128)x.u.i * y.u.i) / div;
    return num_of(&x) * num_of(&y) / div;
}

/* (x + y) / div, ints added exactly. */
static double py_add_div(sp_cval x, sp_cval y, double div)
{
    if (x.type == SP_CV_INT && y.type == SP_CV_INT)
        return (double)((__int128)x.u.i + y.u.i) / div;
    return (num_of(&x) + num_of(&y)) / div;
}

static void hours(sp_ad *res, sp_ad *ad, sp_cval cpus, sp_arena *a, conv_ctx *st)
{
    sp_cval wall = py_trunc(raw_num(ad, "RemoteWallClockTime", a, st));
    sp_cval committed = raw_num(ad, "CommittedTime", a, st);
    set(res, "CoreHr", sp_cv_real(py_mul_div(cpus, wall, 3600.0)));
    set(res, "CommittedCoreHr", sp_cv_real(py_mul_div(cpus, committed, 3600.0)));
    set(res, "CommittedWallClockHr", sp_cv_real(num_of(&committed) / 3600.0));
    set(res, "CpuTimeHr", sp_cv_real(py_add_div(raw_num(ad, "RemoteSysCpu", a, st), raw_num(ad, "RemoteUserCpu", a, st), 3600.0)));
    sp_cval disk = raw_num(ad, "DiskUsage_RAW", a, st), rss = raw_num(ad, "ResidentSetSize_RAW", a, st);
    set(res, "DiskUsageGB", sp_cv_real(num_of(&disk) / 1000000.0));
    set(res, "MemoryMB", sp_cv_real(num_of(&rss) / 1024.0));
}

static void datasets(sp_ad *res)
{
    const char *ds = rstr(res, "DESIRED_CMSDataset");
    set_str(res, "CMSPrimaryPrimaryDataset", "Unknown");
    set_str(res, "CMSPrimaryProcessedDataset", "Unknown");
    set_str(res, "CMSPrimaryDataTier", "Unknown");
    if (!ds)
        return;
    const char *p[64];
    size_t n = 0;
    p[n++] = ds;
    for (const char *s = ds; *s && n < 64; s++)
        if (*s == '/')
            p[n++] = s + 1;
    if (n <= 3)
        return;
    set_strn(res, "CMSPrimaryPrimaryDataset", p[1], (size_t)(p[2] - p[1] - 1));
    set_strn(res, "CMSPrimaryProcessedDataset", p[2], (size_t)(p[3] - p[2] - 1));
    set_str(res, "CMSPrimaryDataTier", p[n - 1]);
}

static void site_fields(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st)
{
    sp_cval sv = eval(ad, "MATCH_EXP_JOB_GLIDEIN_CMSSite", a, st);
    sp_cval s = py_str(res->arena, &sv);
    const char *site = s.type == SP_CV_STRING ? s.u.str.s : "UNKNOWN";
    if (ends(site, strlen(site), "_Disk"))
        site = strip_chars(res->arena, site, "_Disk");
    set_str(res, "Site", site);
    tier_country(res, site);
    input_data(res, ad, site, analysis, a, st);
}

static void efficiency(sp_ad *res, sp_ad *ad, long long now, sp_arena *a, conv_ctx *st)
{
    double wall = 0, cpu = 0, core = 0, committed = 0;
    rnum(res, "WallClockHr", &wall);
    rnum(res, "CpuTimeHr", &cpu);
    rnum(res, "CoreHr", &core);
    rnum(res, "CommittedCoreHr", &committed);
    if (wall == 0)
        set(res, "CpuEff", sp_cv_int(0));
    else
        set(res, "CpuEff", sp_cv_real(100 * cpu / wall / num(ad, "RequestCpus", 1.0, a, st)));
    double js = num(ad, "JobStatus", -1, a, st), ju = num(ad, "JobUniverse", -1, a, st);
    set_str(res, "Status", js >= 0 && js <= 6 && js == (int)js ? status_names[(int)js] : "Unknown");
    set_str(res, "Universe", ju >= 1 && ju <= 12 && ju == (int)ju ? universe_names[(int)ju] : "Unknown");
    if (has(ad, "QDate"))
        set(res, "QueueHrs", sp_cv_real((num(ad, "JobCurrentStartDate", (double)now, a, st) - num(ad, "QDate", 0, a, st)) / 3600.0));
    set(res, "Badput", sp_cv_real(core - committed > 0 ? core - committed : 0.0));
    set(res, "CpuBadput", sp_cv_real(core - cpu > 0 ? core - cpu : 0.0));
}

static void cmssw_version(sp_ad *res)
{
    const char *sw = rstr(res, "CRAB_JobSW");
    sp_span g1, g2, g3;
    set_str(res, "CMSSWVersion", "Unknown");
    set_str(res, "CMSSWMajorVersion", "Unknown");
    set_str(res, "CMSSWReleaseSeries", "Unknown");
    if (!sw || !sp_pat_cmssw_version(sw, &g1, &g2, &g3))
        return;
    /* int("") raises in the reference, leaving the later fields "Unknown" */
    set_strn(res, "CMSSWVersion", sw + g1.off, g1.len);
    if (g2.len == 0 || g3.len == 0 || g2.len > 9 || g3.len > 9)
        return;
    char buf[64];
    int major = atoi(sw + g2.off), minor = atoi(sw + g3.off);
    snprintf(buf, sizeof(buf), "%d_X_X", major);
    set_str(res, "CMSSWMajorVersion", buf);
    snprintf(buf, sizeof(buf), "%d_%d_X", major, minor);
    set_str(res, "CMSSWReleaseSeries", buf);
}

static void pilot_and_outputs(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st)
{
    set(res, "PilotRestLifeTimeMins", sp_cv_int(-1));
    if (analysis && num(ad, "JobStatus", -1, a, st) == 2 && has(ad, "LastMatchTime")) {
        sp_cval todie = eval(ad, "MATCH_GLIDEIN_ToDie", a, st), ecs = eval(ad, "EnteredCurrentStatus", a, st);
        if (is_num(&todie) && is_num(&ecs))
            set(res, "PilotRestLifeTimeMins", sp_cv_int((long long)((num_of(&todie) - num_of(&ecs)) / 60)));
        else
            set(res, "PilotRestLifeTimeMins", sp_cv_int(-72 * 60));
    }
    const sp_cval *tuned = get(ad, "HasBeenTimingTuned");
    set(res, "HasBeenTimingTuned", tuned ? *tuned : sp_cv_bool(0));
    if (analysis) {
        size_t n = list_len(get(ad, "CRAB_AdditionalOutputFiles")) + list_len(get(ad, "CRAB_TFileOutputFiles")) +
                   list_len(get(ad, "CRAB_EDMOutputFiles"));
        set(res, "OutputFiles", sp_cv_int((long long)n + (long long)num(ad, "CRAB_SaveLogsFlag", 0, a, st)));
    }
}

static void proxy_fields(sp_ad *res, sp_ad *ad)
{
    const sp_cval *fqan = get(ad, "x509UserProxyFQAN");
    if (fqan) {
        sp_cval s = py_str(res->arena, fqan);
        size_t n = 1;
        for (size_t i = 0; i < s.u.str.len; i++)
            n += s.u.str.s[i] == ',';
        sp_cval *items = sp_arena_alloc(res->arena, n * sizeof(*items));
        if (items && s.type == SP_CV_STRING) {
            const char *start = s.u.str.s;
            size_t k = 0;
            for (const char *p = start;; p++)
                if (*p == ',' || !*p) {
                    items[k++] = sp_cv_string(res->arena, start, (size_t)(p - start));
                    if (!*p)
                        break;
                    start = p + 1;
                }
            sp_cval list = { .type = SP_CV_LIST };
            list.u.list.items = items;
            list.u.list.n = k;
            set(res, "x509UserProxyFQAN", list);
        }
    }
    const sp_cval *vo = get(ad, "x509UserProxyVOName");
    if (vo)
        set(res, "VO", py_str(res->arena, vo));
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
    sp_cval record = record_time(ad, job->now, a, st);
    set(res, "RecordTime", record);
    const sp_cval *cd = get_truthy(ad, "CompletionDate");   /* ad.get("CompletionDate", 0) or now */
    set(res, "DataCollection", cd ? *cd : sp_cv_int(job->now));
    set(res, "DataCollectionDate", record);
    const char *hash = strchr(gjid, '#');
    set_strn(res, "ScheddName", gjid, hash ? (size_t)(hash - gjid) : strlen(gjid));
    set_str(res, "CMS_Pool", job->pool_name ? job->pool_name : "Unknown");
    const char *type = str(ad, "CMS_Type", "unknown");
    set_str(res, "Type", py_case(a, type, strlen(type), 0));
    int analysis = is_analysis(ad);
    if (has(ad, "CRAB_Id"))
        formatted_crab_id(res, get(ad, "CRAB_Id"));
    default_site(ad);

    bulk_convert_ad_data(c, ad, res, st);

    sp_cval code = common_exit_code(ad);
    double x = 0;
    int numeric = py_number(&code, &x);
    int failed = !(numeric && x == 0);
    set(res, "JobFailed", sp_cv_int(failed));
    const char *etype = failed ? (numeric ? error_type(x) : "Other") : "Success";
    set_str(res, "ErrorType", etype);
    set_str(res, "ErrorClass", error_class(etype, failed));
    set(res, "ExitCode", exit_code_doc(code));
    if (has(ad, "ExitCode"))
        set(res, "CondorExitCode", is_expr_tree(get(ad, "ExitCode")) ? eval(ad, "ExitCode", a, st)
                                                                     : exit_code_doc(*get(ad, "ExitCode")));

    cms_profile(ad, res, analysis, a);
    sp_cval cpus_for_hours;
    /* the running-job wall clock is set before RequestCpus is settled */
    /* ad.get("EnteredCurrentStatus", now + 1) < now: an expression (an
     * ExprTree in the reference) never compares true */
    const sp_cval *ecs_raw = get(ad, "EnteredCurrentStatus");
    double ecs = (double)job->now + 1;
    if (ecs_raw && !py_number(ecs_raw, &ecs))
        ecs = (double)job->now + 1;
    if (num(ad, "JobStatus", -1, a, st) == 2 && ecs < (double)job->now) {
        sp_cval rw = sp_cv_int((long long)((double)job->now - ecs));
        sp_ad_set(ad, S("RemoteWallClockTime"), &rw);
        sp_ad_set(ad, S("CommittedTime"), &rw);
    }
    set(res, "WallClockHr", sp_cv_real(num(ad, "RemoteWallClockTime", 0, a, st) / 3600.0));
    pilot_and_outputs(res, ad, analysis, a, st);
    cpus_for_hours = request_cpus(ad, res, a, st);
    hours(res, ad, cpus_for_hours, a, st);
    split_list(res, "DataLocations", ad, "DESIRED_CMSDataLocations");
    split_list(res, "DESIRED_Sites", ad, "DESIRED_Sites");
    split_list(res, "Original_DESIRED_Sites", ad, "ExtDESIRED_Sites");
    set(res, "DesiredSiteCount", sp_cv_int((long long)rget(res, "DESIRED_Sites")->u.list.n));
    set(res, "DataLocationsCount", sp_cv_int((long long)rget(res, "DataLocations")->u.list.n));
    set(res, "CRAB_TaskCreationDate", task_creation(ad, record));
    datasets(res);
    proxy_fields(res, ad);
    split_list(res, "CMSGroups", ad, "CMSGroups");
    site_fields(res, ad, analysis, a, st);
    efficiency(res, ad, job->now, a, st);
    handle_chirp_info(res, ad, a, st);
    cmssw_version(res);
    machine_benchmarks(res, ad, a, st);
    affiliation(c, res);
    postjob_status(res);
    wm_tool(res);
    if (job->reduce_data)
        reduce(c, res);
    double eff;
    set(res, "CpuEffOutlier", sp_cv_int(rnum(res, "CpuEff", &eff) && eff >= 100.0));
    values_as_null(res);
    for (size_t i = 0; i < st->ndrop; i++) {      /* unless set again since */
        const sp_cval *v = rget(res, st->drop[i]);
        if (v && big_real(v))
            sp_ad_remove(res, st->drop[i], strlen(st->drop[i]));
    }
    return 1;
}

/* ---------- set-up ---------- */

static int load_affiliations(sp_converter *c, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    c->aff_login = json_load_file(path, 0, &je);
    if (!c->aff_login || !json_is_object(c->aff_login)) {
        snprintf(err, errlen, "affiliation file %s: %s (line %d)", path,
                 c->aff_login ? "not a JSON object of logins" : je.text, je.line);
        return -1;
    }
    c->aff_dn = json_object();
    const char *login;
    json_t *person;
    json_object_foreach(c->aff_login, login, person) {
        const char *dn = json_string_value(json_object_get(person, "dn"));
        if (dn)
            json_object_set(c->aff_dn, dn, person);
    }
    return 0;
}

sp_converter *sp_converter_new(const char *affiliation_path, char *err, size_t errlen)
{
    sp_converter *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sp_rulemap_init(&c->rules) != 0) {
        snprintf(err, errlen, "out of memory");
        sp_converter_free(c);
        return NULL;
    }
    if (affiliation_path && *affiliation_path && load_affiliations(c, affiliation_path, err, errlen) != 0) {
        sp_converter_free(c);
        return NULL;
    }
    return c;
}

void sp_converter_free(sp_converter *c)
{
    if (!c)
        return;
    sp_rulemap_free(&c->rules);
    json_decref(c->aff_login);
    json_decref(c->aff_dn);
    free(c);
}
