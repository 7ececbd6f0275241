/*
 * Self-test of the simulator's C library (build/Release/librsmsim.so):
 * controllers, export/publish, connect from a second process on another
 * node, put/get, map, forced disconnect, permissions, error codes, fork and
 * kill -9 behaviour. Built as build/Release/rsm_c_sim_selftest and run by
 * test/c-program.test.js.
 *
 * Uses a private cluster directory under /dev/shm and removes it.
 */
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmapi.h"

const char* rsmsim_ext_config_error(void);
int rsmsim_ext_local_node(void);
const char* rsmsim_ext_cluster_dir(void);

static int failures;
static const char* role = "parent";

#define CHECK_RC(expr, want)                                                                        \
  do {                                                                                              \
    int rc_ = (expr);                                                                               \
    if (rc_ != (want)) {                                                                            \
      fprintf(stderr, "[%s] %s:%d: %s = %d, want %d\n", role, __FILE__, __LINE__, #expr, rc_, (want)); \
      failures++;                                                                                   \
    }                                                                                               \
  } while (0)
#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "[%s] %s:%d: check failed: %s\n", role, __FILE__, __LINE__, #cond); \
      failures++;                                                                            \
    }                                                                                        \
  } while (0)

static size_t page;
static char self_path[4096];

static void* alloc_pages(size_t n) {
  void* p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) abort();
  return p;
}

/* ---- tiny pipe protocol between the two processes ---- */
static void send_byte(int fd, char c) {
  if (write(fd, &c, 1) != 1) abort();
}
static char recv_byte(int fd) {
  char c = 0;
  if (read(fd, &c, 1) != 1) return 0;
  return c;
}

static pid_t spawn(const char* mode, const char* node, int* to_child, int* from_child) {
  int a[2], b[2];
  if (pipe(a) || pipe(b)) abort();
  pid_t pid = fork();
  if (pid == 0) {
    char in[16], out[16];
    snprintf(in, sizeof in, "%d", a[0]);
    snprintf(out, sizeof out, "%d", b[1]);
    close(a[1]);
    close(b[0]);
    setenv("RSM_SIM_NODE", node, 1);
    execl(self_path, self_path, mode, in, out, (char*)NULL);
    _exit(127);
  }
  close(a[0]);
  close(b[1]);
  *to_child = a[1];
  *from_child = b[0];
  return pid;
}

static int wait_child(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Files in the cluster directory other than the registry and the
 * segment-id file: segment memory is no file, so a segment, live or reaped,
 * leaves none (docs/semantics.md §5.10). */
static int stray_files(const char* dir) {
  DIR* d = opendir(dir);
  int n = 0;
  struct dirent* e;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.' && strcmp(e->d_name, "fabric") != 0 && strcmp(e->d_name, "segids") != 0) n++;
  closedir(d);
  return n;
}

/* ---- single-process checks ---- */

static void test_controllers(void) {
  rsmapi_controller_handle_t a, b, c;
  rsmapi_controller_attr_t attr;
  CHECK(rsmsim_ext_config_error() == NULL);
  CHECK(rsmsim_ext_local_node() == 1);
  CHECK_RC(rsm_get_controller("sci0", NULL), RSMERR_BAD_CTLR_HNDL);
  CHECK_RC(rsm_get_controller("sci0", &a), RSM_SUCCESS);
  CHECK_RC(rsm_get_controller("SCI0", &b), RSM_SUCCESS);
  CHECK(a == b);
  CHECK_RC(rsm_get_controller("sci1", &c), RSMERR_CTLR_NOT_PRESENT);
  CHECK_RC(rsm_get_controller("LOOPBACK", &c), RSMERR_CTLR_NOT_PRESENT);
  CHECK_RC(rsm_get_controller("123", &c), RSMERR_CTLR_NOT_PRESENT);
  CHECK_RC(rsm_get_controller_attr(a, &attr), RSM_SUCCESS);
  CHECK(attr.attr_page_size == page && attr.attr_max_export_segment_size == (1u << 30));
  CHECK(attr.attr_direct_access_sizes == 0xF && attr.attr_atomic_sizes == 0xC);
  CHECK_RC(rsm_get_controller_attr(a, NULL), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_get_controller_attr(NULL, &attr), RSMERR_BAD_CTLR_HNDL);
  CHECK_RC(rsm_get_controller_attr((rsmapi_controller_handle_t)&attr, &attr), RSMERR_BAD_CTLR_HNDL);
  CHECK_RC(rsm_release_controller(a), RSM_SUCCESS);
  CHECK_RC(rsm_release_controller(b), RSM_SUCCESS);
  CHECK_RC(rsm_release_controller(a), RSMERR_BAD_CTLR_HNDL);
  CHECK_RC(rsm_get_controller_attr(a, &attr), RSMERR_CTLR_NOT_PRESENT);
  CHECK_RC(rsm_release_controller(NULL), RSMERR_BAD_CTLR_HNDL);

  CHECK_RC(rsm_get_controller(NULL, &a), RSM_SUCCESS);
  CHECK_RC(rsm_get_controller("loopback7", &b), RSM_SUCCESS);
  CHECK_RC(rsm_get_controller("LoopBack", &c), RSM_SUCCESS);
  CHECK(a == b && b == c);
  CHECK_RC(rsm_get_controller_attr(a, &attr), RSM_SUCCESS);
  CHECK(attr.attr_page_size == 8 && attr.attr_max_export_segment_size == 0 && attr.attr_direct_access_sizes == 0);
  rsm_release_controller(a);
  rsm_release_controller(a);
  CHECK_RC(rsm_release_controller(a), RSM_SUCCESS);
  CHECK_RC(rsm_release_controller(a), RSMERR_BAD_CTLR_HNDL);
}

static void test_topology(void) {
  rsm_topology_t* t = NULL;
  CHECK_RC(rsm_get_interconnect_topology(NULL), RSMERR_BAD_TOPOLOGY_PTR);
  CHECK_RC(rsm_get_interconnect_topology(&t), RSM_SUCCESS);
  CHECK(t && t->topology_hdr.local_nodeid == 1 && t->topology_hdr.local_cntlr_count == 1);
  if (t && t->topology_hdr.local_cntlr_count == 1) {
    rsm_connections_t* c = t->connections[0];
    CHECK((char*)c == (char*)t + 16);
    CHECK(strcmp(c->hdr.cntlr_name, "sci0") == 0 && c->hdr.local_hwaddr == 1 && c->hdr.remote_cntlr_count == 7);
    CHECK(c->remote_cntlr[0].remote_nodeid == 2 && c->remote_cntlr[6].remote_nodeid == 8);
    CHECK(c->remote_cntlr[3].connection_state == RSM_CONNECTION_ACTIVE);
    CHECK(strcmp(c->remote_cntlr[3].remote_cntlrname, "sci0") == 0);
  }
  rsm_free_interconnect_topology(t);
  rsm_free_interconnect_topology(NULL);
}

static void test_export_errors(void) {
  rsmapi_controller_handle_t sci, lb;
  rsm_memseg_export_handle_t ex = NULL, ex2 = NULL;
  rsm_memseg_import_handle_t im;
  char* buf = alloc_pages(4);
  rsm_memseg_id_t id;
  rsmapi_access_entry_t acl[2] = {{2, 0666}, {3, 0400}};
  CHECK_RC(rsm_get_controller("sci0", &sci), RSM_SUCCESS);
  CHECK_RC(rsm_get_controller("loopback", &lb), RSM_SUCCESS);

  CHECK_RC(rsm_memseg_export_create(NULL, &ex, buf, page, 0), RSMERR_BAD_CTLR_HNDL);
  CHECK_RC(rsm_memseg_export_create(sci, NULL, buf, page, 0), RSMERR_BAD_SEG_HNDL);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, NULL, page, 0), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, 0, 0), RSMERR_BAD_LENGTH);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf + 1, page, 0), RSMERR_BAD_MEM_ALIGNMENT);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, page + 1, 0), RSMERR_BAD_MEM_ALIGNMENT);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, (size_t)2 << 30, 0), RSMERR_BAD_LENGTH);
  {
    /* unmapped range → BAD_ADDR; read-only range → PERM_DENIED */
    char* hole = alloc_pages(2);
    munmap(hole + page, page);
    CHECK_RC(rsm_memseg_export_create(sci, &ex, hole, 2 * page, 0), RSMERR_BAD_ADDR);
    mprotect(hole, page, PROT_READ);
    CHECK_RC(rsm_memseg_export_create(sci, &ex, hole, page, 0), RSMERR_PERM_DENIED);
    munmap(hole, page);
  }

  memset(buf, 0x5A, 4 * page);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, 2 * page, RSM_ALLOW_REBIND), RSM_SUCCESS);
  CHECK((unsigned char)buf[100] == 0x5A); /* contents kept */
  buf[0] = 1;

  id = 0x400000;
  CHECK_RC(rsm_memseg_export_publish(ex, NULL, NULL, 0), RSMERR_BAD_SEGID);
  CHECK_RC(rsm_memseg_export_publish(NULL, &id, NULL, 0), RSMERR_BAD_SEG_HNDL);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 1), RSMERR_BAD_ACL);
  id = 0x3FFFFF;
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSMERR_RESERVED_SEGID);
  id = 0x80000001;
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSMERR_RESERVED_SEGID);
  id = 0x400000;
  {
    rsmapi_access_entry_t bad[1] = {{65, 0600}};
    CHECK_RC(rsm_memseg_export_publish(ex, &id, bad, 1), RSMERR_BAD_ACL);
    bad[0].ae_node = 64;
    bad[0].ae_permission = 0700;
    CHECK_RC(rsm_memseg_export_publish(ex, &id, bad, 1), RSMERR_BAD_ACL);
    CHECK_RC(rsm_memseg_export_publish(ex, &id, bad, 65), RSMERR_BAD_ACL);
  }
  CHECK_RC(rsm_memseg_export_publish(ex, &id, acl, 2), RSM_SUCCESS);
  CHECK(id == 0x400000);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, acl, 2), RSMERR_SEG_ALREADY_PUBLISHED);

  /* same id on another controller of the node → in use; auto ids count up */
  CHECK_RC(rsm_memseg_export_create(lb, &ex2, buf + 2 * page, page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex2, &id, NULL, 0), RSMERR_SEGID_IN_USE);
  {
    rsmapi_access_entry_t two[2] = {{1, 0600}, {1, 0600}};
    rsmapi_access_entry_t other[1] = {{2, 0600}};
    rsm_memseg_id_t auto_id = 0;
    CHECK_RC(rsm_memseg_export_publish(ex2, &auto_id, two, 2), RSMERR_BAD_ACL);
    CHECK_RC(rsm_memseg_export_publish(ex2, &auto_id, other, 1), RSMERR_BAD_ACL);
    CHECK_RC(rsm_memseg_export_publish(ex2, &auto_id, NULL, 0), RSM_SUCCESS);
    CHECK(auto_id >= 0x80000000u);
    CHECK_RC(rsm_memseg_export_unpublish(ex2), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_export_unpublish(ex2), RSMERR_SEG_NOT_PUBLISHED);
    CHECK_RC(rsm_memseg_export_republish(ex2, NULL, 0), RSMERR_SEG_NOT_PUBLISHED);
    rsm_memseg_id_t next = 0;
    CHECK_RC(rsm_memseg_export_publish(ex2, &next, NULL, 0), RSM_SUCCESS);
    CHECK(next == auto_id + 1);
  }

  /* loopback connect rules */
  CHECK_RC(rsm_memseg_import_connect(lb, 2, id, RSM_PERM_RDWR, &im), RSMERR_CTLR_NOT_PRESENT);
  CHECK_RC(rsm_memseg_import_connect(sci, 64, id, RSM_PERM_RDWR, &im), RSMERR_INTERNAL_ERROR);
  CHECK_RC(rsm_memseg_import_connect(sci, 9, id, RSM_PERM_RDWR, &im), RSMERR_INTERNAL_ERROR);
  CHECK_RC(rsm_memseg_import_connect(sci, 2, id, 0700, &im), RSMERR_PERM_DENIED);
  CHECK_RC(rsm_memseg_import_connect(sci, 2, id, RSM_PERM_RDWR, &im), RSMERR_SEG_NOT_PUBLISHED);
  /* node 1 is not in ex's ACL */
  CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSMERR_SEG_NOT_PUBLISHED_TO_NODE);
  CHECK_RC(rsm_memseg_import_connect(lb, 1, 0x7FFFFFFF, RSM_PERM_RDWR, &im), RSMERR_SEG_NOT_PUBLISHED);
  CHECK(im == NULL);

  /* import handle given to export calls */
  {
    rsm_memseg_id_t nid = 0;
    rsm_memseg_import_handle_t lim;
    rsmapi_access_entry_t me[1] = {{1, 0666}};
    CHECK_RC(rsm_memseg_export_republish(ex, me, 1), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &lim), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_export_publish((rsm_memseg_export_handle_t)lim, &nid, NULL, 0), RSMERR_SEG_ALREADY_PUBLISHED);
    CHECK_RC(rsm_memseg_export_unpublish((rsm_memseg_export_handle_t)lim), RSMERR_SEG_NOT_PUBLISHED);
    CHECK_RC(rsm_memseg_import_unmap((rsm_memseg_import_handle_t)ex), RSMERR_SEG_NOT_MAPPED);
    CHECK_RC(rsm_memseg_import_disconnect(lim), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_import_disconnect(lim), RSMERR_BAD_SEG_HNDL);
  }

  /* rebind */
  CHECK_RC(rsm_memseg_export_rebind(ex, buf, 0, page), RSMERR_BAD_LENGTH);
  CHECK_RC(rsm_memseg_export_rebind(ex, NULL, 0, 2 * page), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_memseg_export_rebind(ex, buf, 0, 2 * page), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_rebind(ex2, buf, 0, page), RSMERR_REBIND_NOT_ALLOWED);

  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_destroy(ex), RSMERR_BAD_SEG_HNDL);
  CHECK_RC(rsm_memseg_export_destroy(ex2), RSM_SUCCESS);
  {
    /* the application unmapped (and reused) the range before destroy: left alone */
    char* gone = alloc_pages(1);
    rsm_memseg_export_handle_t ex3;
    CHECK_RC(rsm_memseg_export_create(sci, &ex3, gone, page, 0), RSM_SUCCESS);
    munmap(gone, page);
    CHECK_RC(rsm_memseg_export_destroy(ex3), RSM_SUCCESS);
    gone = alloc_pages(1);
    CHECK_RC(rsm_memseg_export_create(sci, &ex3, gone, page, 0), RSM_SUCCESS);
    CHECK(mmap(gone, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == gone);
    gone[0] = 9;
    CHECK_RC(rsm_memseg_export_destroy(ex3), RSM_SUCCESS);
    CHECK(gone[0] == 9);
    munmap(gone, page);
  }
  CHECK(buf[0] == 1 && (unsigned char)buf[100] == 0x5A); /* contents kept after destroy */
  buf[0] = 2;                                            /* still writable, private again */
  rsm_release_controller(sci);
  rsm_release_controller(lb);
  munmap(buf, 4 * page);
}

/* The loopback path in one process: put/get, barriers, map, unpublish. */
static void test_loopback_data(void) {
  rsmapi_controller_handle_t lb;
  rsm_memseg_export_handle_t ex;
  rsm_memseg_import_handle_t im;
  rsmapi_barrier_t bar;
  rsm_barrier_mode_t mode;
  char* buf = alloc_pages(2);
  rsm_memseg_id_t id = 0x500001;
  uint32_t v32[4] = {1, 2, 3, 4}, r32[4];
  uint16_t v16 = 0xBEEF;
  char* map = NULL;
  void* addr = NULL;

  CHECK_RC(rsm_get_controller("loopback", &lb), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(lb, &ex, buf, 2 * page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSM_SUCCESS);

  CHECK_RC(rsm_memseg_import_put32(NULL, 0, v32, 4), RSMERR_BAD_SEG_HNDL);
  CHECK_RC(rsm_memseg_import_put32(im, 0, NULL, 4), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_memseg_import_put32(im, 0, (uint32_t*)((char*)v32 + 1), 1), RSMERR_BAD_MEM_ALIGNMENT);
  CHECK_RC(rsm_memseg_import_put32(im, 2, v32, 1), RSMERR_BAD_MEM_ALIGNMENT);
  CHECK_RC(rsm_memseg_import_put32(im, 0, v32, 4), RSMERR_BARRIER_UNINITIALIZED);
  CHECK_RC(rsm_memseg_import_get_mode(im, &mode), RSM_SUCCESS);
  CHECK(mode == RSM_BARRIER_MODE_IMPLICIT);
  CHECK_RC(rsm_memseg_import_set_mode(im, 7), RSMERR_BAD_MODE);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_NODE, NULL), RSMERR_BAD_BARRIER_PTR);
  CHECK_RC(rsm_memseg_import_open_barrier(NULL), RSMERR_BAD_BARRIER_PTR);
  memset(&bar, 0, sizeof bar);
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSMERR_BARRIER_UNINITIALIZED);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_NODE, &bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_CONN_ABORTED); /* gnum 0 never opened */
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put32(im, 0, v32, 4), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put16(im, 2 * page - 2, &v16, 1), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put16(im, 2 * page, &v16, 1), RSMERR_BAD_OFFSET);
  CHECK_RC(rsm_memseg_import_put16(im, -2, &v16, 1), RSMERR_BAD_OFFSET);
  CHECK_RC(rsm_memseg_import_put16(im, 2 * page, &v16, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_get32(im, 0, r32, 4), RSM_SUCCESS);
  CHECK(memcmp(r32, v32, sizeof r32) == 0);
  CHECK(((uint32_t*)buf)[2] == 3 && *(uint16_t*)(buf + 2 * page - 2) == 0xBEEF);
  buf[64] = 'X';
  {
    char c = 0;
    CHECK_RC(rsm_memseg_import_get8(im, 64, (uint8_t*)&c, 1), RSM_SUCCESS);
    CHECK(c == 'X');
    char big[64];
    CHECK_RC(rsm_memseg_import_get(im, 60, big, sizeof big), RSM_SUCCESS);
    CHECK(big[4] == 'X');
  }
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSM_SUCCESS);
  /* implicitly mapped → explicit map refused */
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page), RSMERR_SEG_ALREADY_MAPPED);
  CHECK_RC(rsm_memseg_import_unmap(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_unmap(im), RSMERR_SEG_NOT_MAPPED);
  CHECK_RC(rsm_memseg_import_map(im, NULL, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, 0700, 0, page), RSMERR_BAD_PERMS);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, 0), RSMERR_BAD_LENGTH);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, page, 2 * page), RSMERR_BAD_LENGTH);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 8, 100), RSMERR_BAD_MEM_ALIGNMENT);
  addr = (void*)0x1001;
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_FIXED, RSM_PERM_RDWR, 0, 100), RSMERR_BAD_MEM_ALIGNMENT);
  addr = NULL;
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, page, 100), RSM_SUCCESS);
  map = addr;
  CHECK(map && *(uint16_t*)(map + page - 2) == 0xBEEF);
  map[0] = 'M';
  CHECK(buf[page] == 'M');
  /* put/get limited to the window, offsets are segment offsets */
  CHECK_RC(rsm_memseg_import_get32(im, 0, r32, 1), RSMERR_BAD_OFFSET);
  CHECK_RC(rsm_memseg_import_get8(im, page, (uint8_t*)r32, 1), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSMERR_SEG_STILL_MAPPED);

  /* forced disconnect: unpublish */
  CHECK_RC(rsm_memseg_export_unpublish(ex), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put32(im, page, v32, 1), RSMERR_CONN_ABORTED); /* implicit: transfer then abort */
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_CONN_ABORTED);
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_order_barrier(&bar), RSM_SUCCESS);
  map[1] = 'Z'; /* trash: no fault, exporter unaffected */
  CHECK(buf[page + 1] != 'Z');
  buf[page + 2] = 'E';
  CHECK(map[2] != 'E');
  CHECK_RC(rsm_memseg_import_set_mode(im, RSM_BARRIER_MODE_EXPLICIT), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put32(im, page, v32, 1), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_unmap(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page), RSMERR_CONN_ABORTED);
  CHECK_RC(rsm_memseg_import_put32(im, 0, v32, 1), RSMERR_CONN_ABORTED);
  CHECK_RC(rsm_memseg_import_destroy_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_BAD_SEG_HNDL);

  /* republish with a new id: a new connection works, stays coherent */
  id = 0x500002;
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_set_mode(im, RSM_BARRIER_MODE_EXPLICIT), RSM_SUCCESS);
  buf[5] = 'Q';
  {
    char c = 0;
    CHECK_RC(rsm_memseg_import_get8(im, 5, (uint8_t*)&c, 1), RSM_SUCCESS);
    CHECK(c == 'Q');
  }
  /* destroy cuts the importer off too */
  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_set_mode(im, RSM_BARRIER_MODE_IMPLICIT), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_SEGMENT, &bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_get32(im, 0, r32, 1), RSMERR_CONN_ABORTED);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS); /* implicit mapping removed */
  CHECK(buf[5] == 'Q');
  rsm_release_controller(lb);
  munmap(buf, 2 * page);
}

static void test_permissions(void) {
  rsmapi_controller_handle_t lb;
  rsm_memseg_export_handle_t ex;
  rsm_memseg_import_handle_t im;
  rsmapi_barrier_t bar;
  char* buf = alloc_pages(1);
  rsm_memseg_id_t id = 0x600000;
  uint8_t b = 7;
  void* addr = NULL;
  CHECK_RC(rsm_get_controller("loopback", &lb), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(lb, &ex, buf, page, 0), RSM_SUCCESS);
  {
    rsmapi_access_entry_t acl[1] = {{1, 0444}};
    CHECK_RC(rsm_memseg_export_publish(ex, &id, acl, 1), RSM_SUCCESS);
  }
  /* owner asking for write on a read-only node mode */
  if (geteuid() != 0) CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSMERR_PERM_DENIED);
  CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_READ, &im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_SEGMENT, &bar), RSM_SUCCESS);
  /* read-only connection: implicit read+write map refused */
  CHECK_RC(rsm_memseg_import_get8(im, 0, &b, 1), RSMERR_BAD_PERMS);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page), RSMERR_BAD_PERMS);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_READ, 0, page), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_get8(im, 0, &b, 1), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_put8(im, 0, &b, 1), RSMERR_PERM_DENIED);
  CHECK_RC(rsm_memseg_import_unmap(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  /* republish: new connects see the new list */
  {
    rsmapi_access_entry_t acl[1] = {{1, 0666}};
    CHECK_RC(rsm_memseg_export_republish(ex, acl, 1), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  }
  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  rsm_release_controller(lb);
  munmap(buf, page);
}

static void test_fork(void) {
  rsmapi_controller_handle_t lb;
  rsm_memseg_export_handle_t ex;
  rsm_memseg_import_handle_t im;
  char* buf = alloc_pages(1);
  rsm_memseg_id_t id = 0x600100;
  CHECK_RC(rsm_get_controller("loopback", &lb), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(lb, &ex, buf, page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_connect(lb, 1, id, RSM_PERM_RDWR, &im), RSM_SUCCESS);
  pid_t pid = fork();
  if (pid == 0) {
    int bad = 0;
    uint8_t b;
    rsm_memseg_id_t nid = 0x600101;
    if (rsm_memseg_export_unpublish(ex) != RSMERR_NOT_CREATOR) bad |= 1;
    if (rsm_memseg_export_republish(ex, NULL, 0) != RSMERR_NOT_CREATOR) bad |= 2;
    if (rsm_memseg_import_get8(im, 0, &b, 1) != RSMERR_BAD_SEG_HNDL) bad |= 4;
    if (rsm_memseg_export_destroy(ex) != RSMERR_BAD_SEG_HNDL) bad |= 8;
    if (rsm_memseg_export_publish(ex, &nid, NULL, 0) != RSMERR_SEG_ALREADY_PUBLISHED) bad |= 16;
    /* the child is a process of its own: it can export too */
    rsm_memseg_export_handle_t cex;
    char* cbuf = alloc_pages(1);
    if (rsm_memseg_export_create(lb, &cex, cbuf, page, 0) != RSM_SUCCESS) bad |= 32;
    else if (rsm_memseg_export_publish(cex, &nid, NULL, 0) != RSM_SUCCESS) bad |= 64;
    _exit(bad);
  }
  CHECK(wait_child(pid) == 0);
  /* the child's export died with it: the id is free again */
  {
    rsm_memseg_export_handle_t ex2;
    char* b2 = alloc_pages(1);
    rsm_memseg_id_t nid = 0x600101;
    CHECK_RC(rsm_memseg_export_create(lb, &ex2, b2, page, 0), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_export_publish(ex2, &nid, NULL, 0), RSM_SUCCESS);
    CHECK_RC(rsm_memseg_export_destroy(ex2), RSM_SUCCESS);
    munmap(b2, page);
  }
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  rsm_release_controller(lb);
  munmap(buf, page);
}

/* Spec 5.1 examples with ACL entry 0624, importers of other uids/gids (needs root). */
static int connect_as(uid_t uid, gid_t gid, rsm_memseg_id_t id, rsm_permission_t perm) {
  pid_t pid = fork();
  if (pid == 0) {
    rsmapi_controller_handle_t lb;
    rsm_memseg_import_handle_t im;
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(200);
    if (rsm_get_controller("loopback", &lb) != RSM_SUCCESS) _exit(201);
    int rc = rsm_memseg_import_connect(lb, 1, id, perm, &im);
    if (rc == RSM_SUCCESS) {
      /* E = A & G decides what may be mapped */
      void* addr = NULL;
      int m = rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, perm, 0, page);
      if (m != RSM_SUCCESS) _exit(150 + m % 50);
      rsm_memseg_import_unmap(im);
      rsm_memseg_import_disconnect(im);
    }
    _exit(rc);
  }
  return wait_child(pid);
}

static void test_other_users(void) {
  rsmapi_controller_handle_t lb;
  rsm_memseg_export_handle_t ex;
  rsmapi_access_entry_t acl[1] = {{1, 0624}};
  rsm_memseg_id_t id = 0x600200;
  char* buf = alloc_pages(1);
  if (geteuid() != 0) return;
  CHECK_RC(rsm_get_controller("loopback", &lb), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(lb, &ex, buf, page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, acl, 1), RSM_SUCCESS);
  CHECK(connect_as(0, 0, id, RSM_PERM_RDWR) == RSM_SUCCESS);                 /* owner */
  CHECK(connect_as(65534, 0, id, RSM_PERM_WRITE) == RSM_SUCCESS);            /* group: write allowed, E=0220 maps */ /* group: connects, E=0020 cannot map */
  CHECK(connect_as(65534, 0, id, RSM_PERM_READ) == RSMERR_PERM_DENIED);      /* group read denied */
  CHECK(connect_as(65534, 65534, id, RSM_PERM_READ) == RSM_SUCCESS);         /* other: read, E=0404 maps read */
  CHECK(connect_as(65534, 65534, id, RSM_PERM_WRITE) == RSMERR_PERM_DENIED); /* other: write denied */
  CHECK(connect_as(65534, 65534, id, 0) == RSM_SUCCESS);                     /* perm 0 always passes */
  {
    /* 0044: a non-owner may connect for reading but never map */
    rsmapi_access_entry_t acl3[1] = {{1, 0044}};
    CHECK_RC(rsm_memseg_export_republish(ex, acl3, 1), RSM_SUCCESS);
    CHECK(connect_as(65534, 65534, id, RSM_PERM_READ) == 150 + RSMERR_BAD_PERMS);
    /* republish: later connects get the new mode */
    rsmapi_access_entry_t acl2[1] = {{1, 0}};
    CHECK_RC(rsm_memseg_export_republish(ex, acl2, 1), RSM_SUCCESS);
    CHECK(connect_as(65534, 65534, id, RSM_PERM_READ) == RSMERR_PERM_DENIED);
    CHECK(connect_as(65534, 65534, id, 0) == RSM_SUCCESS);
  }
  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  rsm_release_controller(lb);
  munmap(buf, page);
}

/* ---- two processes on two nodes ---- */

/* Child: node 2 importer of node 1's segment 0x400123. */
static int run_importer(int in, int out) {
  rsmapi_controller_handle_t sci;
  rsm_memseg_import_handle_t im;
  rsmapi_barrier_t bar;
  char data[64];
  void* addr = NULL;
  role = "importer";
  CHECK(rsmsim_ext_local_node() == 2);
  CHECK_RC(rsm_get_controller("sci0", &sci), RSM_SUCCESS);
  recv_byte(in); /* published */
  CHECK_RC(rsm_memseg_import_connect(sci, 1, 0x400123, RSM_PERM_RDWR, &im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_NODE, &bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_get(im, 0, data, sizeof data), RSM_SUCCESS);
  CHECK(memcmp(data, "hello from node 1", 17) == 0);
  CHECK_RC(rsm_memseg_import_put(im, 100, "hello from node 2", 17), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_unmap(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, 4096), RSM_SUCCESS);
  send_byte(out, 'p'); /* put done, mapped */
  recv_byte(in);       /* exporter wrote "live" at 200 */
  CHECK(addr && memcmp((char*)addr + 200, "live", 4) == 0);
  memcpy((char*)addr + 300, "mapped", 6);
  send_byte(out, 'm');
  recv_byte(in); /* unpublished */
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_CONN_ABORTED);
  CHECK_RC(rsm_memseg_import_put(im, 0, "x", 1), RSMERR_CONN_ABORTED);
  memcpy((char*)addr + 400, "trash", 5);
  send_byte(out, 't');
  CHECK_RC(rsm_memseg_import_disconnect(im), RSMERR_SEG_STILL_MAPPED);
  CHECK_RC(rsm_memseg_import_unmap(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  /* node 3 is not in the ACL, but we are node 2: fine; a node not linked: */
  CHECK_RC(rsm_memseg_import_connect(sci, 9, 0x400123, RSM_PERM_RDWR, &im), RSMERR_INTERNAL_ERROR);
  rsm_release_controller(sci);
  recv_byte(in);
  return failures ? 1 : 0;
}

static void test_two_nodes(void) {
  rsmapi_controller_handle_t sci;
  rsm_memseg_export_handle_t ex;
  rsmapi_access_entry_t acl[1] = {{2, 0666}};
  rsm_memseg_id_t id = 0x400123;
  char* buf = alloc_pages(2);
  int to, from;
  strcpy(buf, "hello from node 1");
  CHECK_RC(rsm_get_controller("sci0", &sci), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, 2 * page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, acl, 1), RSM_SUCCESS);
  pid_t pid = spawn("importer", "2", &to, &from);
  send_byte(to, 'P');
  CHECK(recv_byte(from) == 'p');
  CHECK(memcmp(buf + 100, "hello from node 2", 17) == 0);
  memcpy(buf + 200, "live", 4);
  send_byte(to, 'L');
  CHECK(recv_byte(from) == 'm');
  CHECK(memcmp(buf + 300, "mapped", 6) == 0);
  CHECK_RC(rsm_memseg_export_unpublish(ex), RSM_SUCCESS);
  send_byte(to, 'U');
  CHECK(recv_byte(from) == 't');
  CHECK(memcmp(buf + 400, "trash", 5) != 0);
  CHECK(memcmp(buf + 300, "mapped", 6) == 0);
  send_byte(to, 'E');
  CHECK(wait_child(pid) == 0);
  CHECK_RC(rsm_memseg_export_destroy(ex), RSM_SUCCESS);
  rsm_release_controller(sci);
  munmap(buf, 2 * page);
}

/* Child: node 3 exporter that gets killed. */
static int run_exporter(int in, int out) {
  rsmapi_controller_handle_t sci;
  rsm_memseg_export_handle_t ex;
  rsm_memseg_id_t id = 0x400777;
  char* buf = alloc_pages(1);
  role = "exporter";
  strcpy(buf, "doomed");
  CHECK_RC(rsm_get_controller("sci0", &sci), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_create(sci, &ex, buf, page, 0), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_export_publish(ex, &id, NULL, 0), RSM_SUCCESS);
  send_byte(out, 'r');
  recv_byte(in);
  pause();
  return 0;
}

static void test_killed_exporter(const char* dir) {
  rsmapi_controller_handle_t sci;
  rsm_memseg_import_handle_t im;
  rsmapi_barrier_t bar;
  char data[8];
  int to, from;
  pid_t pid = spawn("exporter", "3", &to, &from);
  CHECK(recv_byte(from) == 'r');
  CHECK_RC(rsm_get_controller("sci0", &sci), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_connect(sci, 3, 0x400777, RSM_PERM_RDWR, &im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_init_barrier(im, RSM_BARRIER_NODE, &bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_get(im, 0, data, 7), RSM_SUCCESS);
  CHECK(strcmp(data, "doomed") == 0);
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSM_SUCCESS);
  CHECK(stray_files(dir) == 0);
  kill(pid, SIGKILL);
  wait_child(pid);
  CHECK_RC(rsm_memseg_import_open_barrier(&bar), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_CONN_ABORTED);
  CHECK(stray_files(dir) == 0);
  CHECK_RC(rsm_memseg_import_disconnect(im), RSM_SUCCESS);
  CHECK_RC(rsm_memseg_import_connect(sci, 3, 0x400777, RSM_PERM_RDWR, &im), RSMERR_SEG_NOT_PUBLISHED);
  rsm_release_controller(sci);
}

static void test_segmentid_range(const char* dir) {
  char path[4200];
  rsm_memseg_id_t base;
  uint32_t len;
  FILE* f;
  snprintf(path, sizeof path, "%s/segids", dir);
  /* the variable is read once at first use: this test relies on being set before */
  f = fopen(path, "w");
  fprintf(f, "# comment\n   # indented comment\nreserved SUNWfoo 0x600000 1000\nother bar 0x1 2\n");
  fclose(f);
  CHECK_RC(rsm_get_segmentid_range(NULL, &base, &len), RSMERR_BAD_ADDR);
  CHECK_RC(rsm_get_segmentid_range("sunwfoo", &base, &len), RSM_SUCCESS);
  CHECK(base == 0x600000 && len == 1000);
  CHECK_RC(rsm_get_segmentid_range("bar", &base, &len), RSMERR_BAD_CONF);
  CHECK_RC(rsm_get_segmentid_range("nothere", &base, &len), RSMERR_BAD_APPID);
  f = fopen(path, "w");
  fprintf(f, "reserved a 0x10 1\n\nreserved b 0x20 2\n");
  fclose(f);
  CHECK_RC(rsm_get_segmentid_range("b", &base, &len), RSMERR_BAD_CONF);
  unlink(path);
  CHECK_RC(rsm_get_segmentid_range("a", &base, &len), RSMERR_BAD_CONF);
}

static void remove_dir(const char* dir) {
  DIR* d = opendir(dir);
  struct dirent* e;
  char path[4200];
  if (!d) return;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

int main(int argc, char** argv) {
  char dir[256], segids[300];
  page = (size_t)sysconf(_SC_PAGESIZE);
  if (readlink("/proc/self/exe", self_path, sizeof self_path - 1) < 0) return 2;
  if (argc == 4 && strcmp(argv[1], "importer") == 0) return run_importer(atoi(argv[2]), atoi(argv[3]));
  if (argc == 4 && strcmp(argv[1], "exporter") == 0) return run_exporter(atoi(argv[2]), atoi(argv[3]));

  snprintf(dir, sizeof dir, "/dev/shm/rsmsim-selftest-%d", (int)getpid());
  snprintf(segids, sizeof segids, "%s/segids", dir);
  setenv("RSM_SIM_DIR", dir, 1);
  setenv("RSM_SIM_NODE", "1", 1);
  setenv("RSM_SIM_SEGMENTID_FILE", segids, 1);

  test_controllers();
  test_topology();
  test_export_errors();
  test_loopback_data();
  test_permissions();
  test_fork();
  test_other_users();
  test_two_nodes();
  test_killed_exporter(dir);
  test_segmentid_range(dir);
  CHECK(stray_files(dir) == 0);

  remove_dir(dir);
  printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
