/* version.c - the git hash compiled in; see cmake/githash.cmake. */
#include <stdio.h>
#include "githash.h"
#include "version.h"

const char *sp_version_git_hash(void) { return SPIDER_GIT_HASH; }

void sp_version_print(const char *program, FILE *out)
{
    fprintf(out, "%s %s (git %s)\n", program, SPIDER_VERSION, SPIDER_GIT_HASH);
}
