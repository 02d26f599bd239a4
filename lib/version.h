/* version.h - what build this is: the git hash compiled in at build time. */
#ifndef SPIDER_VERSION_H
#define SPIDER_VERSION_H

#include <stdio.h>

#define SPIDER_VERSION "0.1.0"

/* The full git hash of the source tree ("<hash>" or "<hash>-dirty", or
 * "unknown" outside git). Static storage. */
const char *sp_version_git_hash(void);
/* "spider-collector 0.1.0 (git <hash>)" into out. */
void sp_version_print(const char *program, FILE *out);

#endif
