/* esinput.h - a search index as a compare side (esinput.c). */
#ifndef SPIDER_DIFFER_ESINPUT_H
#define SPIDER_DIFFER_ESINPUT_H

#include <jansson.h>

typedef struct differ_es differ_es;

/* spec: "CLUSTER/INDEX" (after "es:"). NULL with err. */
differ_es *differ_es_open(const char *spec, const char *es_conf, const char *ca, int page_size,
                          char *err, size_t errlen);
/* 1: a hit (id and source borrowed until the next call), 0: the end,
 * 2: a bad hit (err says why), -1: an error (err). */
int differ_es_next(differ_es *e, const char **id, json_t **source, char *err, size_t errlen);
void differ_es_close(differ_es *e);

#endif
