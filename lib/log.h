/* log.h - one line per event, key=value or JSON, secrets never printed.
 *
 *   sp_log_init("collector", SP_LOG_INFO, SP_LOG_FORMAT_KV);
 *   sp_info("poll.done", "schedd", name, "docs", SP_LOG_INT(n));
 *   -> 2026-11-22T11:30:00.123Z level=info service=collector event=poll.done schedd=vocms01 docs=12
 *
 * Arguments after the event are key/value string pairs. Values of keys that
 * look secret (password, passcode, secret, token, authorization) and every
 * value registered with sp_log_add_secret() are replaced by "***".
 * The logger is process-wide and thread-safe; lines go to stderr unless
 * sp_log_set_output() says otherwise. It owns nothing the caller passes. */
#ifndef SPIDER_LOG_H
#define SPIDER_LOG_H

#include <stdio.h>

typedef enum {
    SP_LOG_DEBUG = 0,
    SP_LOG_INFO,
    SP_LOG_WARN,
    SP_LOG_ERROR,
} sp_log_level;

typedef enum {
    SP_LOG_FORMAT_KV = 0,
    SP_LOG_FORMAT_JSON,
} sp_log_format;

void sp_log_init(const char *service, sp_log_level level, sp_log_format format);
void sp_log_set_output(FILE *out);
/* Parses "debug|info|warn|error" and "kv|json"; return 0 on success, -1 otherwise. */
int sp_log_level_parse(const char *s, sp_log_level *out);
int sp_log_format_parse(const char *s, sp_log_format *out);
sp_log_level sp_log_get_level(void);
/* Registers a secret value (copied) that must never appear in a log line. */
void sp_log_add_secret(const char *value);
/* Frees registered secrets (for leak-clean exits). */
void sp_log_shutdown(void);

/* event, then NULL-terminated key/value string pairs. Use the macros below. */
void sp_log(sp_log_level level, const char *event, ...);

#define sp_debug(...) sp_log(SP_LOG_DEBUG, __VA_ARGS__, (const char *)0)
#define sp_info(...)  sp_log(SP_LOG_INFO,  __VA_ARGS__, (const char *)0)
#define sp_warn(...)  sp_log(SP_LOG_WARN,  __VA_ARGS__, (const char *)0)
#define sp_error(...) sp_log(SP_LOG_ERROR, __VA_ARGS__, (const char *)0)

/* Formats numbers into a buffer that lives until the end of the enclosing
 * block, for use as a log value: sp_info("x", "n", SP_LOG_INT(n)). */
const char *sp_log_fmt_int(char *buf, long long v);
const char *sp_log_fmt_double(char *buf, double v);
#define SP_LOG_INT(v) sp_log_fmt_int((char[24]){0}, (long long)(v))
#define SP_LOG_DBL(v) sp_log_fmt_double((char[32]){0}, (double)(v))

#endif
