/* serve.c - spider-sim as an HTTP ad source: the same answers as the fake
 * condor_q / condor_history / condor_status, as HTCondor -json, over HTTP
 * (libmicrohttpd), for the collector's http source:
 *   GET /queue?schedd=S&constraint=C     condor_q -allusers -name S -constraint C -json
 *   GET /history?schedd=S&constraint=C   condor_history -name S -constraint C -json
 *   GET /schedds?pool=P                  condor_status -schedd -pool P -json
 * 200 with the ads; 502 with the tool's error when it failed; 404 else. */
#include "serve.h"

#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "fake.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)cls, (void)version, (void)upload, (void)upload_len, (void)state;
    if (strcmp(method, "GET") != 0)
        return reply(conn, 405, strdup("GET only\n"), 9, "text/plain");
    const char *what = url[0] == '/' ? url + 1 : url;
    if (strcmp(what, "queue") && strcmp(what, "history") && strcmp(what, "schedds"))
        return reply(conn, 404, strdup("not found: /queue, /history or /schedds\n"), 40, "text/plain");
    const char *schedd = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "schedd");
    const char *pool = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "pool");
    const char *constraint = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "constraint");
    char *body = NULL, *errs = NULL;
    size_t len = 0, errlen = 0;
    FILE *out = open_memstream(&body, &len), *err = open_memstream(&errs, &errlen);
    int rc = sim_fake_http(what, schedd, pool, constraint, out, err);
    fclose(out);
    fclose(err);
    if (rc != 0) {
        free(body);
        return reply(conn, 502, errs, errlen, "text/plain");
    }
    free(errs);
    return reply(conn, 200, body, len, "application/json");
}

int sim_serve(const char *address, int port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        fprintf(stderr, "spider-sim serve: bad address %s\n", address);
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                                            (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                                            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "spider-sim serve: cannot listen on %s:%d\n", address, port);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "spider-sim: serving the pool on http://%s:%d/ (queue, history, schedds)\n", address, port);
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
