/* spider.h - the public contract of libspider, the library all three
 * services share. Include this one header; each part lives in its own file:
 *
 *   version.h  the git hash compiled in
 *   log.h      one line per event, key=value or JSON, secrets redacted
 *   config.h   defaults < JSON file < environment < flags, --help
 *   service.h  common start-up of a service: configuration, logging
 *   record.h   protobuf records (proto/spider.proto) helpers
 *   kafka.h    idempotent producer with delivery reports, committing consumer
 *   stomp.h    STOMP 1.2 client for ActiveMQ: receipts, acks, failover
 *   http.h     libcurl client for the search clusters, TLS verified
 *   bulk.h     _bulk request building and per-item response parsing
 *   metrics.h  Prometheus /metrics and /healthz over libmicrohttpd
 *   adjson.h   streaming parser of condor_q/condor_history -json, -jsonl
 *   adlong.h   streaming parser of their -long text form
 *   adreader.h either parser by the first byte, one sp_ad at a time
 *   classad.h  job ads in memory: typed values, case-insensitive names, arena
 *   classad_expr.h  the ClassAd expression evaluator (and its parse cache)
 *   rules.h    the reference's attribute lists (the files in rules/) as lookups
 *   pyfmt.h    Python's text forms (float repr, str()) used in documents
 *   utf8.h     UTF-8 validation shared by the ad parsers
 *   docjson.h  protobuf Document -> the reference's JSON document
 *
 * Naming: every public symbol starts with sp_<part>_. Every function that
 * returns memory says who frees it. */
#ifndef SPIDER_H
#define SPIDER_H

#include "version.h"
#include "log.h"
#include "config.h"
#include "record.h"
#include "service.h"

#endif
