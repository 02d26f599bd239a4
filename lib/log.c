/* log.c - one line per event, key=value or JSON, secrets never printed.
 *
 * A line is built in a local buffer and written with one fwrite under a
 * mutex, so lines from threads never interleave. Values are quoted in kv
 * format when they contain spaces, quotes, '=' or control characters. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

#define LINE_MAX_BYTES 8192
#define MAX_SECRETS 32

static struct {
    pthread_mutex_t lock;
    char service[32];
    sp_log_level level;
    sp_log_format format;
    FILE *out;
    char *secrets[MAX_SECRETS];
    int nsecrets;
} logger = { PTHREAD_MUTEX_INITIALIZER, "spider", SP_LOG_INFO, SP_LOG_FORMAT_KV, NULL, {0}, 0 };

static const char *level_names[] = { "debug", "info", "warn", "error" };

void sp_log_init(const char *service, sp_log_level level, sp_log_format format)
{
    pthread_mutex_lock(&logger.lock);
    snprintf(logger.service, sizeof(logger.service), "%s", service ? service : "spider");
    logger.level = level;
    logger.format = format;
    pthread_mutex_unlock(&logger.lock);
}

void sp_log_set_output(FILE *out)
{
    pthread_mutex_lock(&logger.lock);
    logger.out = out;
    pthread_mutex_unlock(&logger.lock);
}

sp_log_level sp_log_get_level(void) { return logger.level; }

int sp_log_level_parse(const char *s, sp_log_level *out)
{
    for (int i = 0; s && i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (sp_log_level)i;
            return 0;
        }
    }
    return -1;
}

int sp_log_format_parse(const char *s, sp_log_format *out)
{
    if (s && strcasecmp(s, "kv") == 0) { *out = SP_LOG_FORMAT_KV; return 0; }
    if (s && strcasecmp(s, "json") == 0) { *out = SP_LOG_FORMAT_JSON; return 0; }
    return -1;
}

void sp_log_add_secret(const char *value)
{
    if (!value || !*value)
        return;
    pthread_mutex_lock(&logger.lock);
    bool known = false;
    for (int i = 0; i < logger.nsecrets; i++)
        known = known || strcmp(logger.secrets[i], value) == 0;
    if (!known && logger.nsecrets < MAX_SECRETS)
        logger.secrets[logger.nsecrets++] = strdup(value);
    pthread_mutex_unlock(&logger.lock);
}

void sp_log_shutdown(void)
{
    pthread_mutex_lock(&logger.lock);
    for (int i = 0; i < logger.nsecrets; i++)
        free(logger.secrets[i]);
    logger.nsecrets = 0;
    pthread_mutex_unlock(&logger.lock);
}

const char *sp_log_fmt_int(char *buf, long long v)
{
    snprintf(buf, 24, "%lld", v);
    return buf;
}

const char *sp_log_fmt_double(char *buf, double v)
{
    snprintf(buf, 32, "%.6g", v);
    return buf;
}

/* A growing-free line: appends stop silently at the end, marked by "...". */
typedef struct {
    char buf[LINE_MAX_BYTES];
    size_t len;
    bool truncated;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
    size_t room = sizeof(l->buf) - 5 - l->len;   /* keep "...\n\0" */
    if (n > room) {
        n = room;
        l->truncated = true;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void puts_(line_t *l, const char *s) { put(l, s, strlen(s)); }

static bool is_secret_key(const char *key)
{
    static const char *words[] = { "password", "passcode", "secret", "token", "authorization" };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasestr(key, words[i]))
            return true;
    return false;
}

/* Copies value into out with every registered secret replaced by "***". */
static const char *redact(const char *value, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = value;
    while (*p && o + 4 < outlen) {
        int hit = -1;
        for (int i = 0; i < logger.nsecrets && hit < 0; i++)
            if (strncmp(p, logger.secrets[i], strlen(logger.secrets[i])) == 0)
                hit = i;
        if (hit >= 0) {
            memcpy(out + o, "***", 3);
            o += 3;
            p += strlen(logger.secrets[hit]);
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

static bool needs_quotes(const char *v)
{
    if (!*v)
        return true;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
            return true;
    return false;
}

/* Escapes a value as the inside of a JSON string (also used for quoted kv). */
static void put_escaped(line_t *l, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"':  puts_(l, "\\\""); break;
        case '\\': puts_(l, "\\\\"); break;
        case '\n': puts_(l, "\\n"); break;
        case '\r': puts_(l, "\\r"); break;
        case '\t': puts_(l, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof(esc), "\\u%04x", *p);
                puts_(l, esc);
            } else {
                put(l, (const char *)p, 1);
            }
        }
    }
}

static void put_pair(line_t *l, const char *key, const char *value)
{
    if (logger.format == SP_LOG_FORMAT_JSON) {
        puts_(l, ",\"");
        put_escaped(l, key);
        puts_(l, "\":\"");
        put_escaped(l, value);
        puts_(l, "\"");
        return;
    }
    puts_(l, " ");
    puts_(l, key);
    puts_(l, "=");
    if (needs_quotes(value)) {
        puts_(l, "\"");
        put_escaped(l, value);
        puts_(l, "\"");
    } else {
        puts_(l, value);
    }
}

static void put_timestamp(line_t *l)
{
    struct timespec ts;
    struct tm tm;
    char buf[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    put(l, buf, strlen(buf));
}

static void put_head(line_t *l, sp_log_level level, const char *event)
{
    if (logger.format == SP_LOG_FORMAT_JSON) {
        puts_(l, "{\"ts\":\"");
        put_timestamp(l);
        puts_(l, "\",\"level\":\"");
        puts_(l, level_names[level]);
        puts_(l, "\",\"service\":\"");
        put_escaped(l, logger.service);
        puts_(l, "\",\"event\":\"");
        put_escaped(l, event);
        puts_(l, "\"");
        return;
    }
    put_timestamp(l);
    puts_(l, " level=");
    puts_(l, level_names[level]);
    put_pair(l, "service", logger.service);
    put_pair(l, "event", event);
}

void sp_log(sp_log_level level, const char *event, ...)
{
    if (level < logger.level || level > SP_LOG_ERROR)
        return;
    line_t l;
    l.len = 0;
    l.truncated = false;
    char clean[LINE_MAX_BYTES];

    pthread_mutex_lock(&logger.lock);
    put_head(&l, level, event ? event : "-");
    va_list ap;
    va_start(ap, event);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *value = va_arg(ap, const char *);
        if (!value)
            value = "(null)";
        if (is_secret_key(key))
            value = "***";
        put_pair(&l, key, redact(value, clean, sizeof(clean)));
    }
    va_end(ap);
    if (l.truncated)
        memcpy(l.buf + l.len, "...", 3), l.len += 3;
    if (logger.format == SP_LOG_FORMAT_JSON && !l.truncated)
        l.buf[l.len++] = '}';
    l.buf[l.len++] = '\n';
    FILE *out = logger.out ? logger.out : stderr;
    fwrite(l.buf, 1, l.len, out);
    fflush(out);
    pthread_mutex_unlock(&logger.lock);
}
