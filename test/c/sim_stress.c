/*
 * Stress for the simulator: threads creating, publishing, connecting,
 * transferring and tearing down segments concurrently, in two processes
 * sharing one cluster. Built as build/Release/rsm_c_sim_stress and run by
 * test/c-program.test.js with a small round count; the arguments, if any, are
 * the number of rounds per thread (default 300) and of threads per process
 * (default 4).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmapi.h"

#define MAX_THREADS 16

static size_t page;
static int rounds = 300;
static int threads = 4;
static int failures;
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char* what, int rc, int line) {
  pthread_mutex_lock(&fail_mu);
  if (failures++ < 20) fprintf(stderr, "[%d] line %d: %s -> %d\n", (int)getpid(), line, what, rc);
  pthread_mutex_unlock(&fail_mu);
}
#define OK(expr)                                 \
  do {                                           \
    int rc_ = (expr);                            \
    if (rc_ != RSM_SUCCESS) fail(#expr, rc_, __LINE__); \
  } while (0)

static void* worker(void* arg) {
  long t = (long)arg;
  rsmapi_controller_handle_t lb, sci;
  char* buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  OK(rsm_get_controller("loopback", &lb));
  OK(rsm_get_controller("sci0", &sci));
  for (int i = 0; i < rounds; i++) {
    rsm_memseg_export_handle_t ex;
    rsm_memseg_import_handle_t im;
    rsm_memseg_id_t id = 0;
    rsmapi_barrier_t bar;
    uint64_t v = ((uint64_t)t << 32) | (uint64_t)i, r = 0;
    size_t len = (size_t)(1 + i % 4) * page;
    /* An importer reaches a segment only through the controller it was
     * published on (docs/semantics.md §4.3). */
    rsmapi_controller_handle_t ctlr = i % 2 ? lb : sci;
    OK(rsm_memseg_export_create(ctlr, &ex, buf, len, 0));
    OK(rsm_memseg_export_publish(ex, &id, NULL, 0));
    OK(rsm_memseg_import_connect(ctlr, 1, id, RSM_PERM_RDWR, &im));
    OK(rsm_memseg_import_init_barrier(im, RSM_BARRIER_SEGMENT, &bar));
    OK(rsm_memseg_import_open_barrier(&bar));
    OK(rsm_memseg_import_put64(im, (off_t)(len - 8), &v, 1));
    OK(rsm_memseg_import_get64(im, (off_t)(len - 8), &r, 1));
    OK(rsm_memseg_import_close_barrier(&bar));
    if (r != v || *(uint64_t*)(buf + len - 8) != v) fail("data", (int)i, __LINE__);
    if (i % 5 == 0) {
      OK(rsm_memseg_export_unpublish(ex));
      if (rsm_memseg_import_close_barrier(&bar) != RSMERR_CONN_ABORTED) fail("abort", 0, __LINE__);
    }
    OK(rsm_memseg_import_disconnect(im));
    OK(rsm_memseg_export_destroy(ex));
    if (*(uint64_t*)(buf + len - 8) != v) fail("kept", (int)i, __LINE__);
  }
  rsm_release_controller(lb);
  rsm_release_controller(sci);
  munmap(buf, 4 * page);
  return NULL;
}

static int run(void) {
  pthread_t th[MAX_THREADS];
  for (long t = 0; t < threads; t++) pthread_create(&th[t], NULL, worker, (void*)t);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  return failures;
}

int main(int argc, char** argv) {
  char dir[128];
  page = (size_t)sysconf(_SC_PAGESIZE);
  if ((argc > 1 && (rounds = atoi(argv[1])) <= 0) ||
      (argc > 2 && ((threads = atoi(argv[2])) <= 0 || threads > MAX_THREADS))) {
    fprintf(stderr, "usage: %s [rounds per thread] [threads per process, 1..%d]\n", argv[0], MAX_THREADS);
    return 2;
  }
  snprintf(dir, sizeof dir, "/dev/shm/rsmsim-stress-%d", (int)getpid());
  setenv("RSM_SIM_DIR", dir, 1);
  setenv("RSM_SIM_NODE", "1", 1);
  pid_t pid = fork();
  int mine = run();
  if (pid == 0) _exit(mine ? 1 : 0);
  int st = 0;
  waitpid(pid, &st, 0);
  int leftovers = 0;
  DIR* d = opendir(dir);
  struct dirent* e;
  char path[400];
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    /* Segment memory is no file: only the registry may remain. */
    if (strcmp(e->d_name, "fabric") != 0) leftovers++;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  int bad = mine || !WIFEXITED(st) || WEXITSTATUS(st) || leftovers;
  printf("%s: parent failures %d, child status %d, leftover files %d\n", bad ? "FAIL" : "PASS", mine, st, leftovers);
  return bad;
}
