/* test_differ_html.c - the HTML compare report's escaping: the five
 * characters that are markup become entities, control characters become
 * U+FFFD, UTF-8 passes through; and a robustness check over random field
 * names, ids, values and input specs made of markup characters: the page's
 * markup (its count of < > " ' characters) is the same as with plain
 * names, so nothing from the inputs opens or closes an element or an
 * attribute, and every name comes back in its data-field attribute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "differ.h"

/* differ_html_escape(s) as a string the caller frees. */
static char *escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    differ_html_escape(f, s);
    fclose(f);
    return buf;
}

static void assert_escape(const char *in, const char *want)
{
    char *got = escaped(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape(void **state)
{
    (void)state;
    assert_escape("", "");
    assert_escape(NULL, "");
    assert_escape("CpuEff", "CpuEff");
    assert_escape("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;");
    assert_escape("&amp;", "&amp;amp;");                       /* no double-decoding */
    assert_escape("</title><script>x</script>", "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;");
    assert_escape("tab\tnl\n", "tab\tnl\n");
    assert_escape("bell\x07" "esc\x1b" "del\x7f", "bell&#xFFFD;esc&#xFFFD;del&#xFFFD;");
    assert_escape("T2_CH_Z\xC3\xBCrich \xE2\x86\x92", "T2_CH_Z\xC3\xBCrich \xE2\x86\x92");
}

/* A finished report: nfields fields named by name(i), each with one
 * mismatch (a string value) and a date field with two deltas. */
typedef const char *(*namer)(int i, char *buf, size_t len);

static char *page(namer name, int nfields)
{
    differ_opts o;
    differ_opts_defaults(&o);
    char a[256], b[256];
    differ_report r;
    differ_report_init(&r, name(1000, a, sizeof(a)), name(1001, b, sizeof(b)), &o);
    r.left_count = r.right_count = r.matched = 10;
    for (int i = 0; i < nfields; i++) {
        char field[256], id[256], val[256];
        name(i, field, sizeof(field));
        name(i + 500, id, sizeof(id));
        name(i + 700, val, sizeof(val));
        json_t *l = json_string(val), *rt = json_string("right");
        differ_report_mismatch(&r, field, id, l, rt, 0, 0);
        json_decref(l);
        json_decref(rt);
    }
    json_t *t0 = json_integer(100), *t1 = json_integer(160);
    differ_report_mismatch(&r, "QDate", "q1", t0, t1, 1, 60);
    differ_report_mismatch(&r, "QDate", "q2", t0, t1, 1, -3600);
    json_decref(t0);
    json_decref(t1);
    r.identical = 10 - (uint64_t)nfields % 10;
    differ_report_finish(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    differ_report_html(&r, f);
    fclose(f);
    differ_report_free(&r);
    return buf;
}

static unsigned rng;

static const char *plain(int i, char *buf, size_t len)
{
    snprintf(buf, len, "field%d", i);
    return buf;
}

/* Random names of markup characters, entities, quotes, controls and
 * UTF-8, 1 to 60 bytes (long ones are cut on the bars: the cut must not
 * split a character or an entity). */
static const char *hostile(int i, char *buf, size_t len)
{
    static const char *const parts[] = { "<", ">", "&", "\"", "'", "&amp;", "&lt;", "</svg>", "<script>",
                                         "\x01", "\x1f", "\xC3\xBC", "\xE2\x86\x92", "a", "Z", " ", "=",
                                         "--", "<!--", "]]>", "\\", "/" };
    size_t n = 0, want = 1 + (rng = rng * 1103515245u + 12345u) % 60;
    while (n < want && n + 12 < len) {
        rng = rng * 1103515245u + 12345u;
        const char *p = parts[(rng >> 16) % (sizeof(parts) / sizeof(parts[0]))];
        memcpy(buf + n, p, strlen(p));
        n += strlen(p);
    }
    n += (size_t)snprintf(buf + n, len - n, "#%d", i);   /* distinct */
    buf[n] = '\0';
    return buf;
}

static size_t count_of(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static size_t count_str(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_hostile_names_keep_the_markup(void **state)
{
    (void)state;
    char *base = page(plain, 7);
    for (unsigned seed = 1; seed <= 200; seed++) {
        rng = seed;
        char *p = page(hostile, 7);
        assert_int_equal(count_of(p, '<'), count_of(base, '<'));
        assert_int_equal(count_of(p, '>'), count_of(base, '>'));
        assert_int_equal(count_of(p, '"'), count_of(base, '"'));
        assert_int_equal(count_of(p, '\''), count_of(base, '\''));
        /* every field name is in a data-field attribute, escaped */
        rng = seed;
        char a[256], b[256];
        hostile(1000, a, sizeof(a));
        hostile(1001, b, sizeof(b));
        for (int i = 0; i < 7; i++) {
            char name[256], id[256], val[256], want[2048];
            hostile(i, name, sizeof(name));     /* the same sequence as page() */
            hostile(i + 500, id, sizeof(id));
            hostile(i + 700, val, sizeof(val));
            char *e = escaped(name);
            snprintf(want, sizeof(want), "<g class=\"field\" data-field=\"%s\"", e);
            assert_non_null(strstr(p, want));
            free(e);
        }
        free(p);
    }
    free(base);
}

static void test_page_parts(void **state)
{
    (void)state;
    char *p = page(plain, 3);
    assert_non_null(strstr(p, "<!DOCTYPE html>"));
    assert_non_null(strstr(p, "<section id=\"verdict\" data-pass=\"false\""));
    assert_non_null(strstr(p, "<p id=\"decided\" data-criterion=\"identical share\""));
    assert_non_null(strstr(p, "id=\"matched\" data-value=\"10\""));
    assert_non_null(strstr(p, "<g class=\"field\" data-field=\"field2\" data-count=\"1\" data-raw-count=\"1\">"));
    assert_non_null(strstr(p, "<g class=\"delta\" data-delta=\"-3600\" data-count=\"1\">"));
    assert_non_null(strstr(p, "<title>-1h: 1 documents</title>"));
    assert_null(strstr(p, "<script"));
    /* self-contained: the only URL is the SVG namespace, nothing to fetch */
    assert_int_equal(count_str(p, "http"), count_str(p, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_int_equal(count_str(p, "<svg"), 2);
    assert_int_equal(count_str(p, "src=") + count_str(p, "href=") + count_str(p, "url(") + count_str(p, "<link"), 0);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_page_parts),
        cmocka_unit_test(test_hostile_names_keep_the_markup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
