/*
 * The C floor of the channel benchmark: the channel's ring, written in C
 * over the same shared memory (librsmsim.so, the simulator built as a
 * librsm). Two processes, node 1 and node 2 (a forked child); each exports
 * its receive side and maps the other's, as Channel does, and each polls
 * only its own memory. Records are a 32-bit length, a 32-bit sequence
 * number and the payload padded to 8 bytes; the producer publishes HEAD once
 * per batch of 256 records (or when the ring is full), the consumer its
 * tail every quarter ring. HEAD is a release store after the payload: the
 * cheapest correct order on one host, so this is a floor, not a port of the
 * channel's barrier protocol.
 *
 *   channel_ring messages <size> <count> <rounds>   node 2 sends to node 1; µs per message
 *   channel_ring latency <rounds>                   ping-pong of 8-byte records, both spin; one-way µs
 *
 * Prints one JSON line with the median and the 99th percentile.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

#define CONTROLLER "sci0"
#define SEGMENT_ID 0x650000u
#define CAPACITY (4u << 20)
#define BATCH 256
/* Control words, each on its own line, as in lib/channel-layout.ts. */
#define HEAD 16      /* stored by the peer: bytes published into this ring */
#define PEER_TAIL 32 /* stored by the peer: bytes of our records it consumed */

#define CHECK(call)                                                                   \
  do {                                                                                \
    int rc_ = (call);                                                                 \
    if (rc_ != RSM_SUCCESS) {                                                         \
      fprintf(stderr, "%s:%d: %s returned %d\n", __FILE__, __LINE__, #call, rc_);     \
      exit(2);                                                                        \
    }                                                                                 \
  } while (0)

struct side {
  rsmapi_controller_handle_t ctl;
  rsm_memseg_export_handle_t exp;
  rsm_memseg_import_handle_t imp;
  volatile uint32_t *mine; /* own control words */
  uint8_t *ring;           /* own ring */
  volatile uint32_t *theirs;
  uint8_t *peer_ring;
  size_t page;
};

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, size_t size, double *samples, int n) {
  qsort(samples, (size_t)n, sizeof(double), by_value);
  int p99 = (int)(n * 0.99);
  if (p99 >= n) p99 = n - 1;
  printf("{\"what\":\"%s\",\"size\":%zu,\"median_us\":%.6f,\"p99_us\":%.6f}\n", what, size, samples[n / 2], samples[p99]);
  fflush(stdout);
}

static void open_side(struct side *s, rsm_node_id_t peer) {
  s->page = (size_t)sysconf(_SC_PAGESIZE);
  size_t bytes = s->page + CAPACITY;
  uint8_t *mem = valloc(bytes);
  if (!mem) exit(2);
  memset(mem, 0, bytes);
  rsm_memseg_id_t id = SEGMENT_ID;
  rsmapi_access_entry_t acl[1] = {{peer, 0600}};
  CHECK(rsm_get_controller(CONTROLLER, &s->ctl));
  CHECK(rsm_memseg_export_create(s->ctl, &s->exp, mem, bytes, 0));
  CHECK(rsm_memseg_export_publish(s->exp, &id, acl, 1));
  for (int tries = 0;; tries++) {
    int rc = rsm_memseg_import_connect(s->ctl, peer, SEGMENT_ID, RSM_PERM_RDWR, &s->imp);
    if (rc == RSM_SUCCESS) break;
    if ((rc != RSMERR_SEG_NOT_PUBLISHED && rc != RSMERR_SEG_NOT_PUBLISHED_TO_NODE) || tries > 10000) CHECK(rc);
    usleep(1000);
  }
  void *far = NULL;
  CHECK(rsm_memseg_import_map(s->imp, &far, RSM_MAP_NONE, RSM_PERM_RDWR, 0, bytes));
  s->mine = (volatile uint32_t *)mem;
  s->ring = mem + s->page;
  s->theirs = (volatile uint32_t *)far;
  s->peer_ring = (uint8_t *)far + s->page;
}

static void close_side(struct side *s) {
  /* The peer may have unpublished first, which disconnected us: not an error here. */
  (void)rsm_memseg_import_unmap(s->imp);
  (void)rsm_memseg_import_disconnect(s->imp);
  CHECK(rsm_memseg_export_unpublish(s->exp));
  CHECK(rsm_memseg_export_destroy(s->exp));
  CHECK(rsm_release_controller(s->ctl));
}

/* A spin that gives the core away now and then: the machine may have fewer cores than runnable tasks. */
static void relax(unsigned *spins) {
  if (++*spins % 1024 == 0) sched_yield();
}

static uint32_t load(volatile uint32_t *w) { return __atomic_load_n(w, __ATOMIC_ACQUIRE); }
static void store(volatile uint32_t *w, uint32_t v) { __atomic_store_n(w, v, __ATOMIC_RELEASE); }
static uint32_t record_size(uint32_t length) { return 8 + ((length + 7) & ~7u); }

/* Sender state over the peer's ring. */
struct sender {
  uint32_t head, published, seq;
};

static void publish(struct side *s, struct sender *t) {
  if (t->published == t->head) return;
  store(&s->theirs[HEAD], t->head);
  t->published = t->head;
}

static void send_one(struct side *s, struct sender *t, const uint8_t *payload, uint32_t length) {
  uint32_t size = record_size(length);
  unsigned spins = 0;
  for (;;) {
    uint32_t pos = t->head & (CAPACITY - 1);
    uint32_t skip = pos + size > CAPACITY ? CAPACITY - pos : 0;
    if ((t->head - load(&s->mine[PEER_TAIL])) + skip + size <= CAPACITY) {
      if (skip) {
        *(uint32_t *)(s->peer_ring + pos) = 0xffffffffu;
        t->head += skip;
        pos = 0;
      }
      ((uint32_t *)(s->peer_ring + pos))[0] = length;
      ((uint32_t *)(s->peer_ring + pos))[1] = t->seq++;
      memcpy(s->peer_ring + pos + 8, payload, length);
      t->head += size;
      return;
    }
    publish(s, t); /* full: let the consumer see what is there */
    relax(&spins);
  }
}

/* Receiver state over the own ring. Returns the payload length, or -1 when empty. */
struct receiver {
  uint32_t tail, tail_published, expect;
};

static long receive_one(struct side *s, struct receiver *r, uint32_t head) {
  for (;;) {
    if (r->tail == head) return -1;
    uint32_t pos = r->tail & (CAPACITY - 1);
    uint32_t length = *(uint32_t *)(s->ring + pos);
    if (length == 0xffffffffu) {
      r->tail += CAPACITY - pos;
      continue;
    }
    uint32_t seq = ((uint32_t *)(s->ring + pos))[1];
    if (seq != r->expect) {
      fprintf(stderr, "record %u where %u was due\n", seq, r->expect);
      exit(3);
    }
    r->expect++;
    r->tail += record_size(length);
    if (r->tail - r->tail_published >= CAPACITY / 4) {
      store(&s->theirs[PEER_TAIL], r->tail);
      r->tail_published = r->tail;
    }
    return (long)length;
  }
}

static void messages(int node, size_t size, int count, int rounds) {
  struct side s;
  open_side(&s, node == 1 ? 2 : 1);
  uint8_t *payload = calloc(1, size + 1);
  double *samples = calloc((size_t)rounds, sizeof(double));
  if (node == 2) {
    struct sender t = {0, 0, 1};
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < count; i++) {
        send_one(&s, &t, payload, (uint32_t)size);
        if ((i + 1) % BATCH == 0) publish(&s, &t);
      }
      publish(&s, &t);
    }
    unsigned spins = 0;
    while (load(&s.mine[HEAD]) == 0) relax(&spins); /* the consumer's "done" */
  } else {
    struct receiver rc = {0, 0, 1};
    for (int r = 0; r < rounds; r++) {
      double t0 = 0;
      size_t bytes = 0;
      unsigned spins = 0;
      for (int i = 0; i < count;) {
        long n = receive_one(&s, &rc, load(&s.mine[HEAD]));
        if (n < 0) {
          /* Caught up: tell the producer about all the room, once. */
          if (rc.tail != rc.tail_published) {
            store(&s.theirs[PEER_TAIL], rc.tail);
            rc.tail_published = rc.tail;
          }
          relax(&spins);
          continue;
        }
        if (i == 0) t0 = now_us();
        bytes += (size_t)n;
        i++;
      }
      samples[r] = (now_us() - t0) / (count > 1 ? count - 1 : 1);
      if (bytes != size * (size_t)count) exit(3);
    }
    store(&s.theirs[PEER_TAIL], rc.tail);
    store(&s.theirs[HEAD], 8); /* done */
    report("messages", size, samples, rounds);
  }
  free(payload);
  free(samples);
  close_side(&s);
}

static void latency(int node, int rounds) {
  struct side s;
  open_side(&s, node == 1 ? 2 : 1);
  uint8_t payload[8] = {0};
  struct sender t = {0, 0, 1};
  struct receiver rc = {0, 0, 1};
  double *samples = calloc((size_t)rounds, sizeof(double));
  int warm = 1000;
  for (int i = 0; i < rounds + warm; i++) {
    double t0 = now_us();
    if (node == 2) {
      send_one(&s, &t, payload, 8);
      publish(&s, &t);
    }
    /* A pure spin: the floor of a round trip, as the channel's spinning row. */
    while (receive_one(&s, &rc, load(&s.mine[HEAD])) < 0) {
    }
    store(&s.theirs[PEER_TAIL], rc.tail);
    if (node == 1) {
      send_one(&s, &t, payload, 8);
      publish(&s, &t);
    } else if (i >= warm) {
      samples[i - warm] = (now_us() - t0) / 2;
    }
  }
  if (node == 2) report("latency", 8, samples, rounds);
  /* Neither side unpublishes before the other is done with its mapping. */
  store(&s.theirs[PEER_TAIL + 8], 1);
  unsigned spins = 0;
  while (load(&s.mine[PEER_TAIL + 8]) == 0) relax(&spins);
  free(samples);
  close_side(&s);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: channel_ring messages <size> <count> <rounds> | latency <rounds>\n");
    return 1;
  }
  int is_messages = strcmp(argv[1], "messages") == 0;
  if (!is_messages && strcmp(argv[1], "latency") != 0) return 1;
  if (is_messages && argc < 5) return 1;
  pid_t child = fork();
  if (child < 0) return 2;
  /* Each process is a node: chosen before its first RSMAPI call. */
  setenv("RSM_SIM_NODE", child == 0 ? "2" : "1", 1);
  int node = child == 0 ? 2 : 1;
  if (is_messages) messages(node, strtoul(argv[2], NULL, 10), atoi(argv[3]), atoi(argv[4]));
  else latency(node, atoi(argv[2]));
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 4;
}
