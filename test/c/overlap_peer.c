/*
 * A node driven line by line over stdin/stdout, written against rsmapi.h and
 * linked against librsmsim.so, for the tests of exports whose ranges overlap
 * (test/overlapping-exports.test.js). All exports lie in one arena of pages;
 * every command answers one line: "ok ..." or "rc <RSMERR number> <call>".
 *
 *   arena <pages>                      a fresh zeroed page-aligned arena
 *   export <slot> <first> <pages> <ctlr> <id>  create (rebind allowed) over
 *                                      arena pages [first, first+pages) on
 *                                      controller <ctlr>, publish as <id>
 *                                      (0: automatic) with no ACL: "ok <id>"
 *   create <slot> <first> <pages> <ctlr>  the same, not published
 *   unpublish <slot> | destroy <slot>
 *   rebind <slot>                      onto fresh pages holding a copy
 *   aread <off> | awrite <off> <byte>  the arena (the exporter's memory)
 *   xread <slot> <off> | xwrite <slot> <off> <byte>  where export <slot> is now
 *   connect <islot> <node> <id> <ctlr> [perm]  import connect (default
 *                                      read-write) with a barrier
 *   put <islot> <off> <byte> | get <islot> <off>  rsm_memseg_import_put8/get8
 *   map <islot> | mread <islot> <off> | mwrite <islot> <off> <byte>
 *                                      an explicit read-write mapping
 *   disconnect <islot>                 unmapping first if needed
 *
 * RSM_TEST_UID / RSM_TEST_GID (with no supplementary groups) make it drop to
 * that identity first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsmapi.h"

#define SLOTS 8

static size_t page;
static char* arena;
static size_t arena_len;

static struct {
  rsmapi_controller_handle_t ctl;
  rsm_memseg_export_handle_t seg;
  char* at;  /* where its memory is now */
  size_t len;
  char* spare;  /* pages it was rebound onto (ours to free) */
} ex[SLOTS];

static struct {
  rsmapi_controller_handle_t ctl;
  rsm_memseg_import_handle_t seg;
  rsmapi_barrier_t bar;
  char* map;
} im[SLOTS];

static void answer(int rc, const char* call) {
  if (rc == RSM_SUCCESS) printf("ok\n");
  else printf("rc %d %s\n", rc, call);
}

static int slot_ok(int s) { return s >= 0 && s < SLOTS; }

static int create(int s, size_t first, size_t pages, const char* ctlr) {
  if (!slot_ok(s) || !arena || first + pages > arena_len / page) return RSMERR_BAD_ADDR;
  int rc = rsm_get_controller((char*)ctlr, &ex[s].ctl);
  if (rc != RSM_SUCCESS) return rc;
  ex[s].at = arena + first * page;
  ex[s].len = pages * page;
  rc = rsm_memseg_export_create(ex[s].ctl, &ex[s].seg, ex[s].at, ex[s].len, RSM_ALLOW_REBIND);
  if (rc != RSM_SUCCESS) rsm_release_controller(ex[s].ctl);
  return rc;
}

static void command(char* line) {
  char op[32], name[64];
  int s;
  long a, b, c;
  if (sscanf(line, "%31s", op) != 1) return;
  if (!strcmp(op, "arena") && sscanf(line, "%*s %ld", &a) == 1) {
    free(arena);
    arena_len = (size_t)a * page;
    arena = aligned_alloc(page, arena_len);
    if (arena) memset(arena, 0, arena_len);
    answer(arena ? RSM_SUCCESS : RSMERR_INSUFFICIENT_MEM, "aligned_alloc");
  } else if (!strcmp(op, "export") && sscanf(line, "%*s %d %ld %ld %63s %ld", &s, &a, &b, name, &c) == 5) {
    int rc = create(s, (size_t)a, (size_t)b, name);
    if (rc != RSM_SUCCESS) return answer(rc, "rsm_memseg_export_create");
    rsm_memseg_id_t id = (rsm_memseg_id_t)c;
    rc = rsm_memseg_export_publish(ex[s].seg, &id, NULL, 0);
    if (rc != RSM_SUCCESS) return answer(rc, "rsm_memseg_export_publish");
    printf("ok %u\n", id);
  } else if (!strcmp(op, "create") && sscanf(line, "%*s %d %ld %ld %63s", &s, &a, &b, name) == 4) {
    answer(create(s, (size_t)a, (size_t)b, name), "rsm_memseg_export_create");
  } else if (!strcmp(op, "unpublish") && sscanf(line, "%*s %d", &s) == 1 && slot_ok(s)) {
    answer(rsm_memseg_export_unpublish(ex[s].seg), "rsm_memseg_export_unpublish");
  } else if (!strcmp(op, "destroy") && sscanf(line, "%*s %d", &s) == 1 && slot_ok(s)) {
    int rc = rsm_memseg_export_destroy(ex[s].seg);
    if (rc == RSM_SUCCESS) rsm_release_controller(ex[s].ctl);
    answer(rc, "rsm_memseg_export_destroy");
  } else if (!strcmp(op, "rebind") && sscanf(line, "%*s %d", &s) == 1 && slot_ok(s) && ex[s].seg) {
    char* fresh = aligned_alloc(page, ex[s].len);
    if (!fresh) return answer(RSMERR_INSUFFICIENT_MEM, "aligned_alloc");
    memcpy(fresh, ex[s].at, ex[s].len);
    int rc = rsm_memseg_export_rebind(ex[s].seg, fresh, 0, ex[s].len);
    if (rc != RSM_SUCCESS) {
      free(fresh);
      return answer(rc, "rsm_memseg_export_rebind");
    }
    free(ex[s].spare);  /* no longer exported: its pages are ours again */
    ex[s].spare = fresh;
    ex[s].at = fresh;
    answer(RSM_SUCCESS, "");
  } else if (!strcmp(op, "aread") && sscanf(line, "%*s %ld", &a) == 1 && arena && (size_t)a < arena_len) {
    printf("ok %u\n", (unsigned char)arena[a]);
  } else if (!strcmp(op, "awrite") && sscanf(line, "%*s %ld %ld", &a, &b) == 2 && arena && (size_t)a < arena_len) {
    arena[a] = (char)b;
    answer(RSM_SUCCESS, "");
  } else if (!strcmp(op, "xread") && sscanf(line, "%*s %d %ld", &s, &a) == 2 && slot_ok(s) && (size_t)a < ex[s].len) {
    printf("ok %u\n", (unsigned char)ex[s].at[a]);
  } else if (!strcmp(op, "xwrite") && sscanf(line, "%*s %d %ld %ld", &s, &a, &b) == 3 && slot_ok(s) && (size_t)a < ex[s].len) {
    ex[s].at[a] = (char)b;
    answer(RSM_SUCCESS, "");
  } else if (!strcmp(op, "connect") && sscanf(line, "%*s %d %ld %ld %63s", &s, &a, &b, name) == 4 && slot_ok(s)) {
    long perm = RSM_PERM_RDWR;
    sscanf(line, "%*s %*d %*d %*d %*s %ld", &perm);
    int rc = rsm_get_controller(name, &im[s].ctl);
    if (rc != RSM_SUCCESS) return answer(rc, "rsm_get_controller");
    rc = rsm_memseg_import_connect(im[s].ctl, (rsm_node_id_t)a, (rsm_memseg_id_t)b, (rsm_permission_t)perm, &im[s].seg);
    if (rc == RSM_SUCCESS) rc = rsm_memseg_import_init_barrier(im[s].seg, RSM_BARRIER_SEGMENT, &im[s].bar);
    answer(rc, "rsm_memseg_import_connect");
  } else if (!strcmp(op, "put") && sscanf(line, "%*s %d %ld %ld", &s, &a, &b) == 3 && slot_ok(s)) {
    uint8_t v = (uint8_t)b;
    answer(rsm_memseg_import_put8(im[s].seg, (off_t)a, &v, 1), "rsm_memseg_import_put8");
  } else if (!strcmp(op, "get") && sscanf(line, "%*s %d %ld", &s, &a) == 2 && slot_ok(s)) {
    uint8_t v = 0;
    int rc = rsm_memseg_import_get8(im[s].seg, (off_t)a, &v, 1);
    if (rc != RSM_SUCCESS) return answer(rc, "rsm_memseg_import_get8");
    printf("ok %u\n", v);
  } else if (!strcmp(op, "map") && sscanf(line, "%*s %d", &s) == 1 && slot_ok(s)) {
    void* at = NULL;
    int rc = rsm_memseg_import_map(im[s].seg, &at, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page);
    if (rc == RSM_SUCCESS) im[s].map = at;
    answer(rc, "rsm_memseg_import_map");
  } else if (!strcmp(op, "mread") && sscanf(line, "%*s %d %ld", &s, &a) == 2 && slot_ok(s) && im[s].map && (size_t)a < page) {
    printf("ok %u\n", (unsigned char)im[s].map[a]);
  } else if (!strcmp(op, "mwrite") && sscanf(line, "%*s %d %ld %ld", &s, &a, &b) == 3 && slot_ok(s) && im[s].map &&
             (size_t)a < page) {
    im[s].map[a] = (char)b;
    answer(RSM_SUCCESS, "");
  } else if (!strcmp(op, "disconnect") && sscanf(line, "%*s %d", &s) == 1 && slot_ok(s)) {
    if (im[s].map) rsm_memseg_import_unmap(im[s].seg);
    im[s].map = NULL;
    rsm_memseg_import_destroy_barrier(&im[s].bar);
    int rc = rsm_memseg_import_disconnect(im[s].seg);
    if (rc == RSM_SUCCESS) rsm_release_controller(im[s].ctl);
    answer(rc, "rsm_memseg_import_disconnect");
  } else {
    printf("bad command: %s\n", line);
  }
}

int main(void) {
  page = (size_t)sysconf(_SC_PAGESIZE);
  const char* uid = getenv("RSM_TEST_UID");
  const char* gid = getenv("RSM_TEST_GID");
  if (gid && (setgroups(0, NULL) != 0 || setgid((gid_t)atoi(gid)) != 0)) return 2;
  if (uid && setuid((uid_t)atoi(uid)) != 0) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", (int)getpid());
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = '\0';
    command(line);
  }
  return 0;
}
