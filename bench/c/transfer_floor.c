/*
 * The C floors of the put/get benchmarks, over the RSMAPI C interface
 * (librsmsim.so, the simulator built as a librsm), in one process:
 *
 *   transfer_floor scalar <rounds> <calls>     one-element put8..get64, ns per call
 *   transfer_floor bulk <rounds> <bytes>...    memcpy and rsm put/get, GB/s
 *
 * The segment is exported from this process on sci0 and imported by it, in
 * the default implicit barrier mode with a barrier registered, as the Node
 * binding does at connect. Each measurement is repeated <rounds> times;
 * prints one JSON line per measurement with the median and the 99th
 * percentile of the rounds.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

static void check(int rc, const char *what) {
  if (rc != RSM_SUCCESS) {
    fprintf(stderr, "%s failed: %d\n", what, rc);
    exit(2);
  }
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void sort(double *v, int n) { qsort(v, (size_t)n, sizeof *v, by_value); }

/* Defeats dead-store elimination of the values read. */
static volatile uint64_t sink;

static rsmapi_controller_handle_t ctlr;
static rsm_memseg_export_handle_t exp_seg;
static rsm_memseg_import_handle_t imp;
static rsmapi_barrier_t barrier;
static void *exported;
static size_t exported_size;

static void setup(size_t size) {
  check(rsm_get_controller("sci0", &ctlr), "rsm_get_controller");
  exported_size = size;
  exported = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (exported == MAP_FAILED) exit(2);
  check(rsm_memseg_export_create(ctlr, &exp_seg, exported, size, 0), "rsm_memseg_export_create");
  rsm_memseg_id_t id = 0;
  check(rsm_memseg_export_publish(exp_seg, &id, NULL, 0), "rsm_memseg_export_publish");
  rsm_topology_t *topo;
  check(rsm_get_interconnect_topology(&topo), "rsm_get_interconnect_topology");
  rsm_node_id_t node = topo->topology_hdr.local_nodeid;
  rsm_free_interconnect_topology(topo);
  check(rsm_memseg_import_connect(ctlr, node, id, RSM_PERM_RDWR, &imp), "rsm_memseg_import_connect");
  check(rsm_memseg_import_init_barrier(imp, RSM_BARRIER_SEGMENT, &barrier), "rsm_memseg_import_init_barrier");
}

static void teardown(void) {
  rsm_memseg_import_destroy_barrier(&barrier);
  rsm_memseg_import_disconnect(imp);
  rsm_memseg_export_unpublish(exp_seg);
  rsm_memseg_export_destroy(exp_seg);
  rsm_release_controller(ctlr);
  munmap(exported, exported_size);
}

static void report(const char *bench, const char *impl, double *v, int n, const char *unit) {
  sort(v, n);
  int p99 = (int)(n * 0.99);
  if (p99 >= n) p99 = n - 1;
  printf("{\"bench\":\"%s\",\"implementation\":\"%s\",\"median\":%.6g,\"p99\":%.6g,\"unit\":\"%s\"}\n", bench, impl,
         v[n / 2], v[p99], unit);
}

/* One-element calls, `calls` per round, at offsets walking the first page. */
#define SCALAR(NAME, TYPE, CALL, PUT)                                                       \
  static void NAME(int rounds, long calls) {                                                \
    double *v = calloc((size_t)rounds, sizeof *v);                                          \
    TYPE x = 1;                                                                             \
    for (int r = 0; r < rounds; r++) {                                                      \
      double t0 = now_ns();                                                                 \
      for (long i = 0; i < calls; i++) {                                                    \
        off_t at = (off_t)((i * sizeof(TYPE)) & 4095);                                      \
        if (PUT) x = (TYPE)i;                                                               \
        if (CALL(imp, at, &x, 1) != RSM_SUCCESS) exit(3);                                   \
        if (!PUT) sink += x;                                                                \
      }                                                                                     \
      v[r] = (now_ns() - t0) / (double)calls;                                               \
    }                                                                                       \
    report(#NAME, "C loop (librsmsim.so)", v, rounds, "ns");                                \
    free(v);                                                                                \
  }

SCALAR(put8, uint8_t, rsm_memseg_import_put8, 1)
SCALAR(put16, uint16_t, rsm_memseg_import_put16, 1)
SCALAR(put32, uint32_t, rsm_memseg_import_put32, 1)
SCALAR(put64, uint64_t, rsm_memseg_import_put64, 1)
SCALAR(get8, uint8_t, rsm_memseg_import_get8, 0)
SCALAR(get16, uint16_t, rsm_memseg_import_get16, 0)
SCALAR(get32, uint32_t, rsm_memseg_import_get32, 0)
SCALAR(get64, uint64_t, rsm_memseg_import_get64, 0)

/* Enough repetitions that one round moves at least 256 MiB (or 1 copy). */
static long reps_for(size_t bytes) {
  long n = (long)((256ul << 20) / bytes);
  return n < 1 ? 1 : n;
}

static void bulk(int rounds, size_t bytes) {
  char *local = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  char *other = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (local == MAP_FAILED || other == MAP_FAILED) exit(2);
  memset(local, 1, bytes);
  memset(other, 2, bytes);
  /* Touch the segment's pages (the implicit mapping) before timing. */
  check(rsm_memseg_import_put(imp, 0, local, bytes), "rsm_memseg_import_put");
  long reps = reps_for(bytes);
  double *v = calloc((size_t)rounds, sizeof *v);
  char name[64];
  const char *what[] = {"memcpy", "put", "get"};
  for (int k = 0; k < 3; k++) {
    for (int r = 0; r < rounds; r++) {
      double t0 = now_ns();
      for (long i = 0; i < reps; i++) {
        if (k == 0) {
          memcpy(other, local, bytes);
          __asm__ volatile("" ::"r"(other) : "memory");
        } else if (k == 1) {
          check(rsm_memseg_import_put(imp, 0, local, bytes), "rsm_memseg_import_put");
        } else {
          check(rsm_memseg_import_get(imp, 0, local, bytes), "rsm_memseg_import_get");
        }
      }
      v[r] = (double)bytes * (double)reps / (now_ns() - t0); /* bytes per ns = GB/s */
    }
    snprintf(name, sizeof name, "%s %zu", what[k], bytes);
    report(name, k == 0 ? "C memcpy" : "C rsm (librsmsim.so)", v, rounds, "GB/s");
  }
  free(v);
  munmap(local, bytes);
  munmap(other, bytes);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: transfer_floor scalar <rounds> <calls> | bulk <rounds> <bytes>...\n");
    return 2;
  }
  int rounds = atoi(argv[2]);
  if (strcmp(argv[1], "scalar") == 0) {
    long calls = atol(argv[3]);
    setup((size_t)sysconf(_SC_PAGESIZE));
    put8(rounds, calls);
    put16(rounds, calls);
    put32(rounds, calls);
    put64(rounds, calls);
    get8(rounds, calls);
    get16(rounds, calls);
    get32(rounds, calls);
    get64(rounds, calls);
  } else {
    size_t largest = 0;
    for (int i = 3; i < argc; i++) {
      size_t b = (size_t)atol(argv[i]);
      if (b > largest) largest = b;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    setup((largest + page - 1) / page * page);
    for (int i = 3; i < argc; i++) bulk(rounds, (size_t)atol(argv[i]));
  }
  teardown();
  return 0;
}
