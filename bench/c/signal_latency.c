/*
 * One-way interrupt-signal latency between two processes over the RSMAPI C
 * interface (here: librsmsim.so, the simulator built as a librsm).
 *
 *   signal_latency <rounds> [warmup_ms]
 *
 * The parent exports and publishes a segment, then forks; the child
 * connects to it. The child posts to the exporter and waits; the parent
 * waits, posts back (to every importer) and waits again. Half of each round
 * trip is one one-way latency. The first rounds/10 + 10 rounds, and all
 * rounds in the first warmup_ms milliseconds (default 0), are not timed: the
 * scheduler may need a while to spread the two processes over the cores.
 * Prints one JSON line:
 *   {"rounds":N,"median_us":..,"p99_us":..}
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

static void check(int rc, const char *what) {
  if (rc != RSM_SUCCESS) {
    fprintf(stderr, "%s failed: %d\n", what, rc);
    exit(2);
  }
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10000;
  int warmup = rounds / 10 + 10;
  double warmup_us = argc > 2 ? atof(argv[2]) * 1000 : 0;
  /* Set by the child after its last round, so the parent knows when to stop. */
  volatile int *done = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (done == MAP_FAILED) return 2;
  *done = 0;
  rsmapi_controller_handle_t ctlr;
  check(rsm_get_controller("loopback", &ctlr), "rsm_get_controller");
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void *mem = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  rsm_memseg_export_handle_t exp;
  check(rsm_memseg_export_create(ctlr, &exp, mem, page, 0), "rsm_memseg_export_create");
  rsm_memseg_id_t id = 0;
  check(rsm_memseg_export_publish(exp, &id, NULL, 0), "rsm_memseg_export_publish");
  rsm_topology_t *topo;
  check(rsm_get_interconnect_topology(&topo), "rsm_get_interconnect_topology");
  rsm_node_id_t node = topo->topology_hdr.local_nodeid;
  rsm_free_interconnect_topology(topo);

  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    rsmapi_controller_handle_t c2;
    check(rsm_get_controller("loopback", &c2), "rsm_get_controller (child)");
    rsm_memseg_import_handle_t imp;
    check(rsm_memseg_import_connect(c2, node, id, RSM_PERM_RDWR, &imp), "rsm_memseg_import_connect");
    double *samples = calloc((size_t)rounds, sizeof *samples);
    double start = now_us();
    for (int i = 0, timed = 0; timed < rounds; i++) {
      double t0 = now_us();
      check(rsm_intr_signal_post(imp, 0), "rsm_intr_signal_post (importer)");
      check(rsm_intr_signal_wait(imp, 10000), "rsm_intr_signal_wait (importer)");
      if (i >= warmup && t0 - start >= warmup_us) samples[timed++] = (now_us() - t0) / 2;
    }
    *done = 1;
    check(rsm_intr_signal_post(imp, 0), "rsm_intr_signal_post (importer, last)");
    qsort(samples, (size_t)rounds, sizeof *samples, by_value);
    printf("{\"rounds\":%d,\"median_us\":%.2f,\"p99_us\":%.2f}\n", rounds, samples[rounds / 2],
           samples[(size_t)(rounds * 0.99)]);
    fflush(stdout);
    check(rsm_memseg_import_disconnect(imp), "rsm_memseg_import_disconnect");
    rsm_release_controller(c2);
    _exit(0);
  }
  for (;;) {
    check(rsm_intr_signal_wait(exp, 10000), "rsm_intr_signal_wait (exporter)");
    if (*done) break;
    check(rsm_intr_signal_post(exp, 0), "rsm_intr_signal_post (exporter)");
  }
  int status = 0;
  waitpid(child, &status, 0);
  check(rsm_memseg_export_destroy(exp), "rsm_memseg_export_destroy");
  rsm_release_controller(ctlr);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
