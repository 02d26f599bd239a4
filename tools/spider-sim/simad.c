/* simad.c - spider-sim's typed job ads and HTCondor's three print formats. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "simad.h"

static sim_attr *add(sim_ad *ad, const char *name, sim_kind kind)
{
    if (ad->n == ad->cap) {
        ad->cap = ad->cap ? ad->cap * 2 : 64;
        ad->attrs = realloc(ad->attrs, ad->cap * sizeof(*ad->attrs));
        if (!ad->attrs)
            abort();   /* a simulator out of memory has nothing better to do */
    }
    sim_attr *a = &ad->attrs[ad->n++];
    memset(a, 0, sizeof(*a));
    a->name = strdup(name);
    a->kind = kind;
    return a;
}

void sim_ad_int(sim_ad *ad, const char *name, long long v) { add(ad, name, SIM_INT)->i = v; }
void sim_ad_real(sim_ad *ad, const char *name, double v) { add(ad, name, SIM_REAL)->r = v; }
void sim_ad_bool(sim_ad *ad, const char *name, int v) { add(ad, name, SIM_BOOL)->i = v != 0; }
void sim_ad_str(sim_ad *ad, const char *name, const char *v) { add(ad, name, SIM_STRING)->s = strdup(v); }
void sim_ad_expr(sim_ad *ad, const char *name, const char *e) { add(ad, name, SIM_EXPR)->s = strdup(e); }
void sim_ad_undefined(sim_ad *ad, const char *name) { add(ad, name, SIM_UNDEFINED); }

void sim_ad_list(sim_ad *ad, const char *name, const char *const *items, size_t n)
{
    sim_attr *a = add(ad, name, SIM_LIST);
    a->items = calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        a->items[i] = strdup(items[i]);
    a->nitems = n;
}

void sim_ad_free(sim_ad *ad)
{
    for (size_t k = 0; k < ad->n; k++) {
        sim_attr *a = &ad->attrs[k];
        free(a->name);
        free(a->s);
        for (size_t i = 0; i < a->nitems; i++)
            free(a->items[i]);
        free(a->items);
    }
    free(ad->attrs);
    memset(ad, 0, sizeof(*ad));
}

const sim_attr *sim_ad_get(const sim_ad *ad, const char *name)
{
    for (size_t k = 0; k < ad->n; k++)
        if (strcasecmp(ad->attrs[k].name, name) == 0)
            return &ad->attrs[k];
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcasecmp(((const sim_attr *)a)->name, ((const sim_attr *)b)->name);
}

void sim_ad_sort(sim_ad *ad)
{
    qsort(ad->attrs, ad->n, sizeof(*ad->attrs), by_name);
}

int sim_format_parse(const char *s, sim_format *out)
{
    static const char *names[] = { "json", "jsonl", "long" };
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (sim_format)i;
            return 0;
        }
    return -1;
}

/* ---- values ---- */

/* ClassAdUnParser::UnparseReal for old ClassAds and JSON alike. */
static void put_real(FILE *out, double r)
{
    char buf[64];
    if (r == 0.0) {
        snprintf(buf, sizeof(buf), "%.1f", r);
    } else {
        snprintf(buf, sizeof(buf), "%.16G", r);
        if (buf[strcspn(buf, ".Ee")] == '\0')
            strcat(buf, ".0");
    }
    fputs(buf, out);
}

/* ClassAdJsonUnParser::UnparseAuxEscapeString. */
static void put_json_escaped(FILE *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        size_t plain = 0;
        while (p[plain] && (unsigned char)p[plain] >= 32 && p[plain] != '"' && p[plain] != '\\')
            plain++;
        if (plain) {                     /* the run that needs no escape, at once */
            fwrite(p, 1, plain, out);
            p += plain - 1;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\\': fputs("\\\\", out); break;
        default:
            if (*p > 0 && *p < 32)
                fprintf(out, "\\u00%02X", (int)*p);
            else
                fputc(*p, out);
        }
    }
}

/* A string literal of old ClassAd syntax (text at its opening quote) as
 * the new-syntax unparser writes it (ClassAdUnParser::UnparseString):
 * C escapes, backslash doubled, other non-printable bytes (non-ASCII too)
 * in octal. Returns the text after the closing quote. */
static const char *new_syntax_string(FILE *out, const char *p)
{
    fputc('"', out);
    for (p++; *p && *p != '"'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\' && p[1] == '"') {          /* old syntax escapes only the quote */
            fputs("\\\"", out);
            p++;
            continue;
        }
        static const char plain[] = "\a\b\f\n\r\t\v\\", escaped[] = "abfnrtv\\";
        const char *esc = strchr(plain, c);
        if (c && esc) {
            fputc('\\', out);
            fputc(escaped[esc - plain], out);
        } else if (c < 32 || c >= 127) {
            fprintf(out, "\\%03o", c);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
    return *p ? p + 1 : p;
}

/* A number token: integers stay, reals are written "%1.15E" as the
 * new-syntax unparser writes them. Returns the text after the token. */
static const char *new_syntax_number(FILE *out, const char *p)
{
    const char *end = p;
    while (isalnum((unsigned char)*end) || *end == '.' ||
           ((*end == '+' || *end == '-') && (end[-1] == 'e' || end[-1] == 'E')))
        end++;
    size_t n = (size_t)(end - p);
    if (memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n)) {
        char *stop;
        double r = strtod(p, &stop);
        if (stop == end) {
            fprintf(out, "%1.15E", r);
            return end;
        }
    }
    fwrite(p, 1, n, out);
    return end;
}

/* An expression in old ClassAd syntax, as condor_q -long prints it, into
 * the new syntax that ClassAdJsonUnParser quotes into "\/Expr(...)\/":
 * =?= and =!= become "is" and "isnt", string and real literals as above.
 * Expressions given to sim_ad_expr are in libclassad's canonical old form
 * (unit.sim_oracle checks every one against the library). */
char *sim_expr_json_text(const char *old)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        abort();
    for (const char *p = old; *p;) {
        int ident = p > old && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.');
        if (*p == '"') {
            p = new_syntax_string(out, p);
        } else if (!strncmp(p, "=?=", 3) || !strncmp(p, "=!=", 3)) {
            fputs(p[1] == '?' ? "is" : "isnt", out);
            p += 3;
        } else if ((isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) && !ident) {
            p = new_syntax_number(out, p);
        } else {
            fputc(*p++, out);
        }
    }
    fclose(out);
    return buf;
}

static void put_json_value(FILE *out, const sim_attr *a, int oneline, int indent)
{
    switch (a->kind) {
    case SIM_INT: fprintf(out, "%lld", a->i); break;
    case SIM_BOOL: fputs(a->i ? "true" : "false", out); break;
    case SIM_UNDEFINED: fputs("null", out); break;
    case SIM_REAL:
        if (isnan(a->r) || isinf(a->r)) {
            fprintf(out, "\"\\/Expr(real(\\\"%s\\\"))\\/\"", isnan(a->r) ? "NaN" : a->r > 0 ? "INF" : "-INF");
            break;
        }
        put_real(out, a->r);
        break;
    case SIM_STRING:
        fputc('"', out);
        put_json_escaped(out, a->s);
        fputc('"', out);
        break;
    case SIM_EXPR: {
        char *text = sim_expr_json_text(a->s);
        fputs("\"\\/Expr(", out);
        put_json_escaped(out, text);
        fputs(")\\/\"", out);
        free(text);
        break;
    }
    case SIM_LIST:
        fputc('[', out);
        for (size_t i = 0; i < a->nitems; i++) {
            if (i)
                fputc(',', out);
            if (!oneline)
                fprintf(out, "\n%*s", indent + 2, "");
            fputc('"', out);
            put_json_escaped(out, a->items[i]);
            fputc('"', out);
        }
        if (oneline)
            fputc(']', out);
        else
            fprintf(out, "\n%*s]", indent, "");
        break;
    }
}

static void put_json_ad(FILE *out, const sim_ad *ad, int oneline)
{
    fputc('{', out);
    for (size_t k = 0; k < ad->n; k++) {
        if (k)
            fputc(',', out);
        fputs(oneline ? "\"" : "\n  \"", out);
        put_json_escaped(out, ad->attrs[k].name);
        fputs("\": ", out);
        put_json_value(out, &ad->attrs[k], oneline, 2);
    }
    fputs(oneline ? "}" : "\n}", out);
}

/* Old ClassAd string literal: only the quote is escaped. */
static void put_old_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void put_long_ad(FILE *out, const sim_ad *ad)
{
    for (size_t k = 0; k < ad->n; k++) {
        const sim_attr *a = &ad->attrs[k];
        fprintf(out, "%s = ", a->name);
        switch (a->kind) {
        case SIM_INT: fprintf(out, "%lld", a->i); break;
        case SIM_BOOL: fputs(a->i ? "true" : "false", out); break;
        case SIM_UNDEFINED: fputs("undefined", out); break;
        case SIM_REAL:
            if (isnan(a->r) || isinf(a->r))
                fprintf(out, "real(\"%s\")", isnan(a->r) ? "NaN" : a->r > 0 ? "INF" : "-INF");
            else
                put_real(out, a->r);
            break;
        case SIM_STRING: put_old_string(out, a->s); break;
        case SIM_EXPR: fputs(a->s, out); break;
        case SIM_LIST:
            fputs("{ ", out);
            for (size_t i = 0; i < a->nitems; i++) {
                if (i)
                    fputc(',', out);
                put_old_string(out, a->items[i]);
            }
            fputs(" }", out);
            break;
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

void sim_write_ads(FILE *out, sim_ad *ads, size_t n, sim_format format)
{
    for (size_t i = 0; i < n; i++) {
        sim_ad_sort(&ads[i]);
        switch (format) {
        case SIM_FORMAT_JSON:
            fputs(i ? ",\n" : "[\n", out);
            put_json_ad(out, &ads[i], 0);
            fputc('\n', out);
            break;
        case SIM_FORMAT_JSONL:
            put_json_ad(out, &ads[i], 1);
            fputc('\n', out);
            break;
        case SIM_FORMAT_LONG:
            put_long_ad(out, &ads[i]);
            break;
        }
    }
    if (format == SIM_FORMAT_JSON && n)
        fputs("]\n", out);
}

void sim_write_history_ads(FILE *out, sim_ad *ads, size_t n, sim_format format)
{
    if (format == SIM_FORMAT_JSON && n == 0)
        fputs("[\n]\n", out);        /* condor_history prints the brackets regardless */
    else
        sim_write_ads(out, ads, n, format);
}

char *sim_ads_text(sim_ad *ads, size_t n, sim_format format, size_t *len)
{
    char *buf = NULL;
    *len = 0;
    FILE *out = open_memstream(&buf, len);
    if (!out)
        return NULL;
    sim_write_ads(out, ads, n, format);
    fclose(out);
    return buf;
}
