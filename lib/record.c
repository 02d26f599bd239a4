/* record.c - checksum, names and packing of proto/spider.proto records. */
#include <stdlib.h>
#include <string.h>

#include "record.h"

const char *sp_record_source_name(Spider__Source source)
{
    switch (source) {
    case SPIDER__SOURCE__CONDOR_QUEUE: return "condor_queue";
    case SPIDER__SOURCE__CONDOR_HISTORY: return "condor_history";
    default: return NULL;
    }
}

Spider__Source sp_record_source_parse(const char *name)
{
    if (name && strcmp(name, "condor_queue") == 0)
        return SPIDER__SOURCE__CONDOR_QUEUE;
    if (name && strcmp(name, "condor_history") == 0)
        return SPIDER__SOURCE__CONDOR_HISTORY;
    return SPIDER__SOURCE__SOURCE_UNSPECIFIED;
}

int sp_record_pack(const Spider__Record *rec, sp_buf *buf)
{
    size_t n = spider__record__get_packed_size(rec);
    buf->len = 0;
    if (sp_buf_reserve(buf, n) != 0)
        return -1;
    buf->len = spider__record__pack(rec, buf->data);
    return 0;
}

Spider__Record *sp_record_unpack(const void *data, size_t len)
{
    return spider__record__unpack(NULL, len, data);
}
