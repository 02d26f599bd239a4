/* expr_driver.c - our side of the ClassAd oracle test (tests/oracle/README.md):
 * reads a corpus of cases, one JSON object a line
 *   {"id": "...", "ad": "<ad in -long text form>", "expr": "<expression>"}
 * builds the ad with the product's -long parser, adds the expression as the
 * attribute OracleExpr (an unevaluated expression, as -json's \/Expr(..)\/
 * gives it), evaluates that attribute as the collector does and prints
 * "<id>\t<canonical value>" per case. expr_oracle.py prints the same form
 * from HTCondor's libclassad, and compares the two. Not a product binary. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adlong.h"
#include "classad.h"
#include "classad_expr.h"

#define ORACLE_ATTR "OracleExpr"

/* A growable output line. */
typedef struct {
    char *s;
    size_t len, cap;
} line_buf;

static void lb_add(line_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->s, cap);
        if (!d) {
            fprintf(stderr, "expr_driver: out of memory\n");
            exit(2);
        }
        b->s = d;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void lb_addz(line_buf *b, const char *s)
{
    lb_add(b, s, strlen(s));
}

/* A string as "...", with \" \\ and \xHH for every byte outside ' '..'~'
 * (the same escaping expr_oracle.py applies to the UTF-8 bytes). */
static void put_string(line_buf *b, const char *s, size_t n)
{
    lb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            lb_add(b, tmp, 2);
        } else if (c < 0x20 || c > 0x7e) {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            lb_addz(b, tmp);
        } else {
            lb_add(b, (const char *)&c, 1);
        }
    }
    lb_add(b, "\"", 1);
}

static void put_real(line_buf *b, double r)
{
    char tmp[64];
    if (isnan(r))
        snprintf(tmp, sizeof(tmp), "real nan");
    else if (isinf(r))
        snprintf(tmp, sizeof(tmp), "real %sinf", r < 0 ? "-" : "");
    else
        snprintf(tmp, sizeof(tmp), "real %.17g", r);
    lb_addz(b, tmp);
}

static int name_cmp(const void *x, const void *y)
{
    return strcasecmp(*(const char *const *)x, *(const char *const *)y);
}

/* A nested ad as "ad [name; name]": its attribute names, lower case, sorted. */
static void put_ad(line_buf *b, const sp_ad *ad)
{
    const char **names = calloc(ad->n ? ad->n : 1, sizeof(*names));
    if (!names)
        exit(2);
    for (size_t i = 0; i < ad->n; i++)
        names[i] = ad->attrs[i].name;
    qsort(names, ad->n, sizeof(*names), name_cmp);
    lb_addz(b, "ad [");
    for (size_t i = 0; i < ad->n; i++) {
        if (i)
            lb_addz(b, "; ");
        for (const char *p = names[i]; *p; p++) {
            char c = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            lb_add(b, &c, 1);
        }
    }
    lb_addz(b, "]");
    free(names);
}

static void put_value(line_buf *b, const sp_cval *v, const sp_ad *ad, sp_arena *arena);

/* List items that are unevaluated expressions are evaluated in ad's scope
 * (the Python bindings hand back evaluated items too). */
static void put_list(line_buf *b, const sp_cval *v, const sp_ad *ad, sp_arena *arena)
{
    lb_addz(b, "list [");
    for (size_t i = 0; i < v->u.list.n; i++) {
        if (i)
            lb_addz(b, ", ");
        put_value(b, &v->u.list.items[i], ad, arena);
    }
    lb_addz(b, "]");
}

static void put_value(line_buf *b, const sp_cval *v, const sp_ad *ad, sp_arena *arena)
{
    char tmp[64];
    switch (v->type) {
    case SP_CV_UNDEFINED: lb_addz(b, "undefined"); break;
    case SP_CV_ERROR: lb_addz(b, "error"); break;
    case SP_CV_BOOL: lb_addz(b, v->u.b ? "bool true" : "bool false"); break;
    case SP_CV_INT:
        snprintf(tmp, sizeof(tmp), "int %lld", v->u.i);
        lb_addz(b, tmp);
        break;
    case SP_CV_REAL: put_real(b, v->u.r); break;
    case SP_CV_STRING:
        lb_addz(b, "string ");
        put_string(b, v->u.str.s, v->u.str.len);
        break;
    case SP_CV_LIST: put_list(b, v, ad, arena); break;
    case SP_CV_AD: put_ad(b, v->u.ad); break;
    case SP_CV_EXPR: {
        sp_cval out;
        char err[256];
        if (sp_expr_eval_text(v->u.str.s, v->u.str.len, ad, arena, &out, err, sizeof(err)) != 0) {
            lb_addz(b, "unsupported: ");
            lb_addz(b, err);
        } else {
            put_value(b, &out, ad, arena);
        }
        break;
    }
    }
}

/* Builds ad from -long text; 0, or -1 with a message in err. */
static int build_ad(sp_ad *ad, const char *text, size_t len, char *err, size_t errlen)
{
    sp_adlong *p = sp_adlong_new(0);
    if (!p)
        return -1;
    int rc = 0, got = 0, r;
    if (sp_adlong_feed(p, text, len) < 0 || sp_adlong_finish(p, err, errlen) < 0)
        rc = -1;
    while (rc == 0 && (r = sp_adlong_next(p, sp_ad_on_event, ad, err, errlen)) != 0) {
        if (r < 0 || got++)
            rc = -1;
    }
    if (rc < 0 && got > 1)
        snprintf(err, errlen, "more than one ad");
    sp_adlong_free(p);
    return rc;
}

/* Evaluates one case into b. */
static void run_case(line_buf *b, sp_ad *ad, sp_expr_cache *cache, const char *adtext,
                     const char *expr)
{
    char err[256] = "";
    sp_ad_reset(ad);
    if (build_ad(ad, adtext, strlen(adtext), err, sizeof(err)) < 0) {
        lb_addz(b, "bad-ad: ");
        lb_addz(b, err);
        return;
    }
    sp_expr *parsed = sp_expr_parse(expr, strlen(expr), err, sizeof(err));
    if (!parsed) {
        lb_addz(b, "syntax-error");
        return;
    }
    sp_expr_free(parsed);
    sp_cval e = { .type = SP_CV_EXPR };
    e.u.str.s = sp_arena_strndup(ad->arena, expr, strlen(expr));
    e.u.str.len = strlen(expr);
    if (!e.u.str.s || sp_ad_set(ad, ORACLE_ATTR, strlen(ORACLE_ATTR), &e) < 0)
        exit(2);
    sp_cval out;
    if (sp_expr_eval_attr_cached(ad, ORACLE_ATTR, cache, ad->arena, &out, err, sizeof(err)) != 0) {
        lb_addz(b, "unsupported: ");
        lb_addz(b, err);
        return;
    }
    put_value(b, &out, ad, ad->arena);
}

static const char *field(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int run_file(FILE *in, sp_ad *ad, sp_expr_cache *cache)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    line_buf b = { 0 };
    while ((n = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
        if (!json_is_object(o)) {
            fprintf(stderr, "expr_driver: line %zu: %s\n", lineno, jerr.text);
            json_decref(o);
            free(line);
            free(b.s);
            return -1;
        }
        b.len = 0;
        lb_addz(&b, field(o, "id"));
        lb_addz(&b, "\t");
        run_case(&b, ad, cache, field(o, "ad"), field(o, "expr"));
        puts(b.s);
        json_decref(o);
    }
    free(line);
    free(b.s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: expr_driver CORPUS.jsonl... (- for stdin)\n");
        return 2;
    }
    sp_ad *ad = sp_ad_new();
    sp_expr_cache *cache = sp_expr_cache_new();
    int rc = ad && cache ? 0 : 2;
    for (int i = 1; i < argc && rc == 0; i++) {
        FILE *in = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
        if (!in) {
            perror(argv[i]);
            rc = 2;
            break;
        }
        if (run_file(in, ad, cache) < 0)
            rc = 2;
        if (in != stdin)
            fclose(in);
    }
    fflush(stdout);
    sp_expr_cache_free(cache);
    sp_ad_free(ad);
    return rc;
}
