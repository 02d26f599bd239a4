/* mapping_summary.c - the mapping of the summary indices (see mapping.h). */
#include "mapping.h"

json_t *sp_mapping_summary_body(void)
{
    return json_pack("{s:{s:[{s:{s:s,s:{s:s,s:b,s:i}}},{s:{s:s,s:{s:s}}},{s:{s:s,s:{s:s}}}],"
                     "s:{s:{s:s},s:{s:s,s:s},s:{s:s},s:{s:{s:{s:s,s:s}}}}},s:{s:{s:i}}}",
                     "mappings", "dynamic_templates",
                     "strings_as_keywords", "match_mapping_type", "string", "mapping", "type", "keyword", "norms", 0,
                     "ignore_above", 256,
                     "longs_as_doubles", "match_mapping_type", "long", "mapping", "type", "double",
                     "doubles", "match_mapping_type", "double", "mapping", "type", "double",
                     "properties", "Count", "type", "long", "RecordTime", "type", "date", "format", "epoch_second",
                     "ScheddName", "type", "keyword", "metadata", "properties", "spider_runtime", "type", "date",
                     "format", "epoch_millis",
                     "settings", "index", "mapping.total_fields.limit", 2000);
}
