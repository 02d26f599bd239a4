/* report_html.c - the compare report as one self-contained HTML page
 * (spider-differ compare/merge --html FILE): the verdict and the criteria
 * that decided it, the counts, a bar per mismatching field, a histogram of
 * each date field's deltas and the examples. Inline CSS and inline SVG, no
 * script, nothing fetched: the page opens from a mail attachment.
 *
 * It reads the same finished differ_report that differ_report_to_json
 * writes, and every number a test or a script may want is in a data-
 * attribute named like its JSON key (data-value on the count with id
 * "matched", data-count on a field's bar, ...), so the page can be checked
 * against the JSON report. Every string that came from the inputs or the
 * command line (field names, ids, values, input specs) goes through
 * differ_html_escape.
 *
 * Ownership: nothing is allocated here; the report stays the caller's. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"

/* ---- escaping ---- */

void differ_html_escape(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\t': case '\n': fputc(*p, out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fputs("&#xFFFD;", out);   /* a control character is no HTML text */
            else
                fputc(*p, out);
        }
    }
}

/* At most max characters of s (UTF-8 aware), escaped, "..." when cut. */
static void escape_cut(FILE *out, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    while (s[i] && chars < max) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    if (!s[i]) {
        differ_html_escape(out, s);
        return;
    }
    char buf[512];
    size_t n = i < sizeof(buf) - 1 ? i : sizeof(buf) - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;                       /* not inside a character */
    memcpy(buf, s, n);
    buf[n] = '\0';
    differ_html_escape(out, buf);
    fputs("\xE2\x80\xA6", out);    /* ... */
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 100.0;
}

/* "+7h", "-90s", "+1d 2h 3m 4s": a delta in seconds for a label. */
static void delta_text(char *buf, size_t len, long long d)
{
    unsigned long long a = d < 0 ? (unsigned long long)-(d + 1) + 1 : (unsigned long long)d;
    unsigned long long day = a / 86400, h = a / 3600 % 24, m = a / 60 % 60, s = a % 60;
    int n = snprintf(buf, len, "%c", d < 0 ? '-' : '+');
    if (day && n < (int)len)
        n += snprintf(buf + n, len - (size_t)n, "%llud", day);
    if (h && n < (int)len)
        n += snprintf(buf + n, len - (size_t)n, "%s%lluh", day ? " " : "", h);
    if (m && n < (int)len)
        n += snprintf(buf + n, len - (size_t)n, "%s%llum", day || h ? " " : "", m);
    if ((s || a == 0) && n < (int)len)
        snprintf(buf + n, len - (size_t)n, "%s%llus", day || h || m ? " " : "", s);
}

/* ---- parts of the page ---- */

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}"
    "h3{font-size:14px;margin:16px 0 4px}"
    ".verdict{font-size:28px;font-weight:700;padding:10px 16px;border-radius:6px;display:inline-block}"
    ".pass{background:#d9f2dd;color:#135d22}.fail{background:#fbdcdc;color:#8a1414}"
    "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;"
    "vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font:12px ui-monospace,monospace;word-break:break-all}"
    "li.failed{color:#8a1414}li.held{color:#135d22}.muted{color:#777}"
    "svg text{font:12px system-ui,sans-serif;fill:#222}";

static void head(FILE *out, const differ_report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>spider-differ compare: ", out);
    fputs(r->pass ? "PASS" : "FAIL", out);
    fputs(" \xE2\x80\x94 ", out);
    differ_html_escape(out, r->left);
    fputs(" vs ", out);
    differ_html_escape(out, r->right);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

/* The four criteria of differ_report_finish (merge adds "missing parcels": listed after them). */
static const char *const criteria[] = { "identical share", "lost ids", "extra ids", "bad records" };

static const differ_failure *failure_of(const differ_report *r, const char *criterion)
{
    for (size_t i = 0; i < r->nfailed; i++)
        if (strcmp(r->failed[i].criterion, criterion) == 0)
            return &r->failed[i];
    return NULL;
}

/* What a criterion that held measured (criteria[i]). */
static void held(FILE *out, const differ_report *r, size_t i)
{
    switch (i) {
    case 0:
        fprintf(out, ": %" PRIu64 " of %" PRIu64 " matched documents identical (%.3f%%)", r->identical,
                r->matched, pct(r->identical, r->matched));
        break;
    case 1:
    case 2:
        fprintf(out, ": %" PRIu64 " of %" PRIu64 " %s documents matched (%.3f%%)", r->matched,
                i == 1 ? r->left_count : r->right_count, i == 1 ? "left" : "right",
                pct(r->matched, i == 1 ? r->left_count : r->right_count));
        break;
    default:
        fprintf(out, ": %" PRIu64 " unreadable records on the left, %" PRIu64 " on the right", r->bad_left,
                r->bad_right);
    }
}

static void verdict(FILE *out, const differ_report *r)
{
    fprintf(out, "<h1>spider-differ compare</h1>\n<p><code>");
    differ_html_escape(out, r->left);
    fputs("</code> (left) vs <code>", out);
    differ_html_escape(out, r->right);
    fputs("</code> (right)", out);
    if (r->parcel_count > 1)
        fprintf(out, ", parcel %u of %u", r->parcel_id, r->parcel_count);
    fprintf(out, "</p>\n<section id=\"verdict\" data-pass=\"%s\" data-failed=\"%zu\">\n"
                 "<div class=\"verdict %s\">%s</div>\n",
            r->pass ? "true" : "false", r->nfailed, r->pass ? "pass" : "fail", r->pass ? "PASS" : "FAIL");
    if (r->nfailed) {
        fputs("<p id=\"decided\" data-criterion=\"", out);
        differ_html_escape(out, r->failed[0].criterion);
        fputs("\">Decided by <b>", out);
        differ_html_escape(out, r->failed[0].criterion);
        fprintf(out, "</b>%s.</p>\n", r->nfailed > 1 ? " (and the other failed criteria below)" : "");
    } else {
        fputs("<p id=\"decided\" data-criterion=\"\">Every criterion held.</p>\n", out);
    }
    fprintf(out, "<p>min-match %.3f%%</p>\n<ul id=\"criteria\">\n", 100.0 * r->min_match);
    for (size_t i = 0; i < sizeof(criteria) / sizeof(criteria[0]); i++) {
        const differ_failure *f = failure_of(r, criteria[i]);
        fprintf(out, "<li class=\"%s\" data-criterion=\"%s\">%s %s", f ? "failed" : "held", criteria[i],
                f ? "&#x2717;" : "&#x2713;", criteria[i]);
        if (f) {
            fputs(": ", out);
            differ_html_escape(out, f->reason);
        } else {
            held(out, r, i);
        }
        fputs("</li>\n", out);
    }
    for (size_t i = 0; i < r->nfailed; i++) {            /* merge's "missing parcels" */
        int known = 0;
        for (size_t k = 0; k < sizeof(criteria) / sizeof(criteria[0]); k++)
            known |= strcmp(r->failed[i].criterion, criteria[k]) == 0;
        if (known)
            continue;
        fputs("<li class=\"failed\" data-criterion=\"", out);
        differ_html_escape(out, r->failed[i].criterion);
        fputs("\">&#x2717; ", out);
        differ_html_escape(out, r->failed[i].criterion);
        fputs(": ", out);
        differ_html_escape(out, r->failed[i].reason);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n</section>\n", out);
}

static void count_row(FILE *out, const char *id, const char *label, uint64_t v, uint64_t of)
{
    fprintf(out, "<tr><th>%s</th><td class=\"n\" id=\"%s\" data-value=\"%" PRIu64 "\">%" PRIu64 "</td>",
            label, id, v, v);
    if (of)
        fprintf(out, "<td class=\"n\">%.3f%%</td>", pct(v, of));
    else
        fputs("<td></td>", out);
    fputs("</tr>\n", out);
}

static void counts(FILE *out, const differ_report *r)
{
    fputs("<h2>Counts</h2>\n<table id=\"counts\">\n", out);
    count_row(out, "left_count", "left documents", r->left_count, 0);
    count_row(out, "right_count", "right documents", r->right_count, 0);
    count_row(out, "matched", "matched by id (of left)", r->matched, r->left_count);
    count_row(out, "identical", "identical (of matched)", r->identical, r->matched);
    count_row(out, "only_left", "only left (lost)", r->only_left, r->left_count);
    count_row(out, "only_right", "only right (extra)", r->only_right, r->right_count);
    count_row(out, "bad_left", "unreadable left records", r->bad_left, 0);
    count_row(out, "bad_right", "unreadable right records", r->bad_right, 0);
    count_row(out, "duplicate_left", "duplicate left ids", r->duplicate_left, 0);
    count_row(out, "duplicate_right", "duplicate right ids", r->duplicate_right, 0);
    fprintf(out, "</table>\n<p class=\"muted\">compared in %.3f s</p>\n", r->duration_s);
    if (!r->nfindings)
        return;
    fputs("<h3>Findings</h3>\n<ul id=\"findings\">\n", out);
    for (size_t i = 0; i < r->nfindings; i++) {
        fputs("<li>", out);
        differ_html_escape(out, r->findings[i]);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

/* The fields in the JSON report's "mismatches": raw_count > 0. */
static size_t listed_fields(const differ_report *r, uint64_t *max)
{
    size_t n = 0;
    *max = 0;
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].raw_count) {
            n++;
            if (r->fields[i].raw_count > *max)
                *max = r->fields[i].raw_count;
        }
    return n;
}

#define LABEL_W 300
#define BAR_W 560
#define ROW_H 22

/* One bar per field: the mismatches after shifts removed, and the part
 * that was shifts (raw_count - count) lighter after it. */
static void field_bars(FILE *out, const differ_report *r)
{
    uint64_t max;
    size_t n = listed_fields(r, &max);
    fprintf(out, "<h2>Mismatches per field</h2>\n<p id=\"fields\" data-value=\"%zu\">%zu field%s differ%s.</p>\n",
            n, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
    if (!n)
        return;
    fprintf(out, "<svg id=\"field-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" role=\"img\">\n",
            LABEL_W + BAR_W + 80, n * ROW_H + 4);
    size_t row = 0;
    for (size_t i = 0; i < r->nfields; i++) {
        const differ_field *f = &r->fields[i];
        if (!f->raw_count)
            continue;
        double w = (double)BAR_W * (double)f->count / (double)max;
        double ws = (double)BAR_W * (double)(f->raw_count - f->count) / (double)max;
        size_t y = row++ * ROW_H;
        fputs("<g class=\"field\" data-field=\"", out);
        differ_html_escape(out, f->field);
        fprintf(out, "\" data-count=\"%" PRIu64 "\" data-raw-count=\"%" PRIu64 "\">\n<title>", f->count, f->raw_count);
        differ_html_escape(out, f->field);
        fprintf(out, ": %" PRIu64 " mismatches, %" PRIu64 " in shifts</title>\n", f->count, f->raw_count - f->count);
        fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", LABEL_W - 6, y + 15);
        escape_cut(out, f->field, 40);
        fprintf(out, "</text>\n<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"#c0392b\"/>\n",
                LABEL_W, y + 3, w);
        if (ws > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"#e8b4ae\"/>\n",
                    LABEL_W + w, y + 3, ws);
        fprintf(out, "<text x=\"%.1f\" y=\"%zu\">%" PRIu64 "%s</text>\n</g>\n", LABEL_W + w + ws + 4, y + 15,
                f->count, f->raw_count > f->count ? " (+shifts)" : "");
    }
    fputs("</svg>\n<p class=\"muted\">dark: mismatches counted against the verdict; light: "
          "date shifts reported as findings.</p>\n", out);
}

static int by_delta(const void *a, const void *b)
{
    const differ_delta *x = a, *y = b;
    return x->delta < y->delta ? -1 : x->delta > y->delta;
}

#define HIST_W 760
#define HIST_H 160
#define HIST_PAD 40                /* room for the first and last labels */

/* A date field's deltas (right - left) as bars in delta order, and the
 * deltas beyond DIFFER_MAX_DELTAS as one "other" bar. */
static void histogram(FILE *out, const differ_report *r, const differ_field *f)
{
    differ_delta d[DIFFER_MAX_DELTAS];
    size_t n = f->ndeltas;
    memcpy(d, f->deltas, n * sizeof(d[0]));
    qsort(d, n, sizeof(d[0]), by_delta);
    size_t bars = n + (f->other_deltas ? 1 : 0);
    uint64_t max = f->other_deltas;
    for (size_t i = 0; i < n; i++)
        if (d[i].count > max)
            max = d[i].count;
    double bw = (double)(HIST_W - 2 * HIST_PAD) / (double)bars;
    size_t stride = bw >= 40 ? 1 : (size_t)(40 / bw) + 1;
    fputs("<h3>", out);
    differ_html_escape(out, f->field);
    fputs("</h3>\n<svg class=\"deltas\" data-field=\"", out);
    differ_html_escape(out, f->field);
    fprintf(out, "\" data-other-deltas=\"%" PRIu64 "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">\n",
            f->other_deltas, HIST_W, HIST_H + 52);
    fprintf(out, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", HIST_H, HIST_W, HIST_H);
    for (size_t i = 0; i < bars; i++) {
        int other = i == n;
        uint64_t c = other ? f->other_deltas : d[i].count;
        double h = (double)(HIST_H - 14) * (double)c / (double)(max ? max : 1);
        double x = HIST_PAD + (double)i * bw;
        char label[64] = "other";
        if (!other)
            delta_text(label, sizeof(label), d[i].delta);
        int shift = !other && differ_field_is_shift(r, f, d[i].delta);
        const char *fill = other ? "#999" : shift ? "#2471a3" : "#c0392b";
        if (other)
            fprintf(out, "<g class=\"delta other\" data-count=\"%" PRIu64 "\">", c);
        else
            fprintf(out, "<g class=\"delta\" data-delta=\"%lld\" data-count=\"%" PRIu64 "\">", d[i].delta, c);
        fprintf(out, "<title>%s: %" PRIu64 " documents</title>", label, c);
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x + 2,
                HIST_H - h, bw > 6 ? bw - 4 : bw, h, fill);
        if (i % stride == 0 || other || shift)     /* labels where they fit, two rows */
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64 "</text>"
                         "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                    x + bw / 2, HIST_H - h - 3, c, x + bw / 2,
                    HIST_H + 16 + (i % stride ? 28 : (int)(i / stride % 2) * 14), label);
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
}

static void histograms(FILE *out, const differ_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfields; i++)
        n += r->fields[i].raw_count && (r->fields[i].ndeltas || r->fields[i].other_deltas);
    fprintf(out, "<h2>Date deltas (right &#x2212; left)</h2>\n<p id=\"date-fields\" data-value=\"%zu\">", n);
    if (!n) {
        fputs("No date field differs.</p>\n", out);
        return;
    }
    fputs("Blue: a delta seen in at least --shift-min documents (a shift); red: the others.</p>\n", out);
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].raw_count && (r->fields[i].ndeltas || r->fields[i].other_deltas))
            histogram(out, r, &r->fields[i]);
}

static void cell(FILE *out, const char *s)
{
    fputs("<td><code>", out);
    differ_html_escape(out, s);
    fputs("</code></td>", out);
}

static void examples(FILE *out, const differ_report *r)
{
    fputs("<h2>Examples</h2>\n", out);
    for (size_t i = 0; i < r->nfields; i++) {
        const differ_field *f = &r->fields[i];
        if (!f->raw_count || !f->nexamples)
            continue;
        fputs("<h3>", out);
        differ_html_escape(out, f->field);
        fputs("</h3>\n<table class=\"examples\" data-field=\"", out);
        differ_html_escape(out, f->field);
        fprintf(out, "\" data-examples=\"%zu\">\n<tr><th>id</th><th>left</th><th>right</th><th>delta</th></tr>\n",
                f->nexamples);
        for (size_t k = 0; k < f->nexamples; k++) {
            const differ_example *e = &f->examples[k];
            fputs("<tr>", out);
            cell(out, e->id);
            cell(out, e->left);
            cell(out, e->right);
            if (e->has_delta) {
                char t[64];
                delta_text(t, sizeof(t), e->delta);
                fprintf(out, "<td class=\"n\" data-delta=\"%lld\">%s</td>", e->delta, t);
            } else {
                fputs("<td></td>", out);
            }
            fputs("</tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    const char *side[2] = { "left", "right" };
    for (int s = 0; s < 2; s++) {
        char **ids = s ? r->only_right_examples : r->only_left_examples;
        size_t n = s ? r->nonly_right_examples : r->nonly_left_examples;
        fprintf(out, "<h3>Only %s</h3>\n<ul id=\"only_%s_examples\" data-examples=\"%zu\">\n", side[s], side[s], n);
        for (size_t k = 0; k < n; k++) {
            fputs("<li><code>", out);
            differ_html_escape(out, ids[k]);
            fputs("</code></li>\n", out);
        }
        fputs(n ? "</ul>\n" : "<li class=\"muted\">none</li>\n</ul>\n", out);
    }
}

/* ---- the page ---- */

void differ_report_html(const differ_report *r, FILE *out)
{
    head(out, r);
    verdict(out, r);
    counts(out, r);
    field_bars(out, r);
    histograms(out, r);
    examples(out, r);
    fputs("</body>\n</html>\n", out);
}

int differ_report_write_html(const differ_report *r, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write the HTML report", path);
        return -1;
    }
    differ_report_html(r, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: cannot write the HTML report", path);
        return -1;
    }
    return 0;
}
