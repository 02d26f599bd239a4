/* serve.h - spider-sim as an HTTP ad source (see serve.c). */
#ifndef SPIDER_SIM_SERVE_H
#define SPIDER_SIM_SERVE_H

/* Serves until SIGINT/SIGTERM; exit status. */
int sim_serve(const char *address, int port);

#endif
