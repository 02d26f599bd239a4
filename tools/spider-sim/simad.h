/* simad.h - spider-sim's job ads and how HTCondor prints them.
 *
 * An ad is an ordered list of typed attributes. The writers print ads
 * exactly as HTCondor 23.x/24.x tools do (src/classad/jsonSink.cpp,
 * src/classad/sink.cpp, src/condor_utils/compat_classad.cpp):
 *   json   "[\n" {ad} "\n" then ",\n" {ad} "\n" ... "]\n"; two-space indent,
 *          "Name": value; expressions as "\/Expr(<text>)\/"
 *   jsonl  one ad per line: {"A": 1,"B": "x"}
 *   long   Name = value lines (old ClassAd syntax), a blank line after each ad
 * Attributes are printed sorted case-insensitively. Reals: %.16G, with
 * ".0" added when that looks like an integer; 0 as "0.0". Expressions are
 * kept in libclassad's canonical old syntax (what -long prints); -json
 * writes them in the new syntax the JSON unparser uses ("isnt" for =!=,
 * reals as %1.15E, octal escapes in string literals).
 *
 * condor_history sorts like condor_q since HTCondor 25.0.6 (HTCONDOR-3481);
 * 23.x's printed -json in the ad's hash order and -long sorted case-
 * sensitively: spider's parsers depend on no order.
 * unit.sim_oracle checks all of it against the htcondor 23.0.28 wheel.
 *
 * Ownership: an ad owns copies of every string given to it. */
#ifndef SPIDER_SIM_AD_H
#define SPIDER_SIM_AD_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    SIM_INT,
    SIM_REAL,
    SIM_BOOL,
    SIM_STRING,
    SIM_EXPR,        /* an unevaluated ClassAd expression, as source text */
    SIM_UNDEFINED,
    SIM_LIST,        /* a list of strings */
} sim_kind;

typedef struct {
    char *name;
    sim_kind kind;
    long long i;     /* SIM_INT, SIM_BOOL */
    double r;        /* SIM_REAL */
    char *s;         /* SIM_STRING, SIM_EXPR */
    char **items;    /* SIM_LIST */
    size_t nitems;
} sim_attr;

typedef struct {
    sim_attr *attrs;
    size_t n, cap;
} sim_ad;

void sim_ad_free(sim_ad *ad);
void sim_ad_int(sim_ad *ad, const char *name, long long v);
void sim_ad_real(sim_ad *ad, const char *name, double v);
void sim_ad_bool(sim_ad *ad, const char *name, int v);
void sim_ad_str(sim_ad *ad, const char *name, const char *v);
void sim_ad_expr(sim_ad *ad, const char *name, const char *expr);
void sim_ad_undefined(sim_ad *ad, const char *name);
void sim_ad_list(sim_ad *ad, const char *name, const char *const *items, size_t n);
/* The attribute of that name (case-insensitive), or NULL. */
const sim_attr *sim_ad_get(const sim_ad *ad, const char *name);
/* Sorts attributes by name, case-insensitively, as HTCondor prints them. */
void sim_ad_sort(sim_ad *ad);

typedef enum { SIM_FORMAT_JSON, SIM_FORMAT_JSONL, SIM_FORMAT_LONG } sim_format;

/* An expression of sim_ad_expr (old syntax, as -long prints it) as -json
 * prints it inside "\/Expr(...)\/", before JSON escaping: "is"/"isnt" for
 * =?=/=!=, reals "%1.15E", octal escapes in strings. New string; the
 * caller frees it. */
char *sim_expr_json_text(const char *old_syntax);
/* Parses "json", "jsonl" or "long"; -1 otherwise. */
int sim_format_parse(const char *s, sim_format *out);
/* Writes ads (each sorted first) in the format; JSON writes the list
 * header/separators/footer as condor_q does (nothing at all for no ads). */
void sim_write_ads(FILE *out, sim_ad *ads, size_t n, sim_format format);
/* The same as condor_history frames them: -json prints "[\n]\n" for no
 * ads (printHeader/printFooter in src/condor_tools/history.cpp), where
 * condor_q prints nothing; otherwise identical. */
void sim_write_history_ads(FILE *out, sim_ad *ads, size_t n, sim_format format);
/* The same into a new buffer (*len bytes, NUL-terminated), which the caller
 * frees; NULL when out of memory. */
char *sim_ads_text(sim_ad *ads, size_t n, sim_format format, size_t *len);

#endif
