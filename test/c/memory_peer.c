/*
 * A node driven line by line over stdin/stdout, written against rsmapi.h and
 * linked against librsmsim.so, for the tests of how segment memory is shared
 * (test/memory-sharing.test.js). Every command answers one line: "ok ...",
 * or "rc <RSMERR number> <call>".
 *
 *   conf                         rsm_get_controller("sci0"): "ok" or the
 *                                code and the simulator's configuration error
 *   export <size> <id> <node> <perm>  create (rebind allowed) + publish with
 *                                one ACL entry (node -1: no ACL)
 *   unpublish | destroy | rebind  on the export (rebind: fresh pages, the
 *                                contents copied over first)
 *   xread <off> | xwrite <off> <byte>  the exporter's own memory
 *   connect <node> <id> <perm>   import connect
 *   map <perm>                   map the whole segment
 *   mread <off> | mwrite <off> <byte>  through the mapping
 *   get <off> | put <off> <byte>  rsm_memseg_import_get8/put8
 *   fdcheck                      for each descriptor of segment memory: its
 *                                access mode, and whether it can be mapped
 *                                shared-writable, reopened read-write or
 *                                truncated ("ok <n> <mode>:<mmapw>:<reopen>:<trunc> ...")
 *   churn <ms> <seed>            create/publish/connect/map/put/rebind/
 *                                destroy in a loop for <ms> milliseconds
 *                                (or until killed)
 *
 * RSM_TEST_UID / RSM_TEST_GID (with no supplementary groups) make it drop to
 * that identity first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

/* The simulator's own extension (librsmsim.so): why the configuration is unusable. */
extern const char* rsmsim_ext_config_error(void);

static size_t page;
static rsmapi_controller_handle_t ctl;
static rsm_memseg_export_handle_t ex;
static char* ex_mem;
static size_t ex_size;
static rsm_memseg_import_handle_t im;
static char* im_map;

static void answer_rc(int rc, const char* call) {
  if (rc == RSM_SUCCESS) printf("ok\n");
  else printf("rc %d %s\n", rc, call);
}

static char* pages(size_t len) {
  void* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : (char*)p;
}

static int controller(void) {
  if (ctl) return RSM_SUCCESS;
  return rsm_get_controller("sci0", &ctl);
}

static void fdcheck(void) {
  DIR* d = opendir("/proc/self/fd");
  char out[4096] = "";
  int n = 0;
  struct dirent* e;
  if (!d) {
    printf("rc -1 opendir\n");
    return;
  }
  while ((e = readdir(d)) != NULL) {
    char link[256], target[256];
    int fd = atoi(e->d_name);
    ssize_t len;
    if (e->d_name[0] == '.') continue;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    len = readlink(link, target, sizeof target - 1);
    if (len <= 0) continue;
    target[len] = '\0';
    if (!strstr(target, "memfd:rsmsim")) continue;
    {
      int flags = fcntl(fd, F_GETFL);
      const char* mode = (flags & O_ACCMODE) == O_RDONLY ? "ro" : (flags & O_ACCMODE) == O_RDWR ? "rw" : "wo";
      void* w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      int reopened = open(link, O_RDWR);
      int trunc = ftruncate(fd, 0) == 0;
      char item[64];
      if (w != MAP_FAILED) munmap(w, page);
      if (reopened >= 0) close(reopened);
      snprintf(item, sizeof item, " %s:%s:%s:%s", mode, w == MAP_FAILED ? "nomap" : "mapw", reopened >= 0 ? "reopen" : "noreopen",
               trunc ? "trunc" : "notrunc");
      strncat(out, item, sizeof out - strlen(out) - 1);
      n++;
    }
  }
  closedir(d);
  printf("ok %d%s\n", n, out);
}

static unsigned long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

/* One round of everything that creates or moves segment memory. */
static void churn_round(rsm_memseg_id_t id) {
  rsm_memseg_export_handle_t e;
  rsm_memseg_import_handle_t i;
  char* a = pages(2 * page);
  char* b = pages(2 * page);
  rsm_memseg_id_t got = id;
  if (!a || !b) return;
  if (rsm_memseg_export_create(ctl, &e, a, 2 * page, RSM_ALLOW_REBIND) == RSM_SUCCESS) {
    if (rsm_memseg_export_publish(e, &got, NULL, 0) == RSM_SUCCESS &&
        rsm_memseg_import_connect(ctl, (rsm_node_id_t)atoi(getenv("RSM_SIM_NODE") ? getenv("RSM_SIM_NODE") : "1"), got,
                                  RSM_PERM_RDWR, &i) == RSM_SUCCESS) {
      rsm_memseg_import_set_mode(i, RSM_BARRIER_MODE_EXPLICIT);
      rsm_memseg_import_put8(i, 0, (uint8_t*)"x", 1);
      rsm_memseg_export_rebind(e, b, 0, 2 * page);
      rsm_memseg_import_put8(i, 1, (uint8_t*)"y", 1);
      rsm_memseg_export_unpublish(e);
      rsm_memseg_import_disconnect(i);
    }
    rsm_memseg_export_destroy(e);
  }
  munmap(a, 2 * page);
  munmap(b, 2 * page);
}

int main(void) {
  char line[512];
  const char* uid = getenv("RSM_TEST_UID");
  const char* gid = getenv("RSM_TEST_GID");
  page = (size_t)sysconf(_SC_PAGESIZE);
  if (uid) {
    if (setgroups(0, NULL) != 0 || setgid((gid_t)atoi(gid ? gid : uid)) != 0 || setuid((uid_t)atoi(uid)) != 0) return 3;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %d\n", (int)getpid());
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = "";
    long a = 0, b = 0, c = 0, d = 0;
    int n = sscanf(line, "%31s %li %li %li %li", cmd, &a, &b, &c, &d);
    int rc;
    if (n < 1) continue;
    if (strcmp(cmd, "conf") == 0) {
      rc = controller();
      if (rc == RSM_SUCCESS) printf("ok\n");
      else printf("rc %d %s\n", rc, rsmsim_ext_config_error() ? rsmsim_ext_config_error() : "");
    } else if (strcmp(cmd, "export") == 0) {
      rsm_memseg_id_t id = (rsm_memseg_id_t)b;
      rsmapi_access_entry_t acl[1] = {{(rsm_node_id_t)c, (rsm_permission_t)d}};
      rc = controller();
      if (rc != RSM_SUCCESS) {
        answer_rc(rc, "rsm_get_controller");
        continue;
      }
      ex_size = (size_t)a;
      ex_mem = pages(ex_size);
      rc = rsm_memseg_export_create(ctl, &ex, ex_mem, ex_size, RSM_ALLOW_REBIND);
      if (rc != RSM_SUCCESS) {
        answer_rc(rc, "rsm_memseg_export_create");
        continue;
      }
      rc = rsm_memseg_export_publish(ex, &id, acl, c < 0 ? 0 : 1);
      if (rc == RSM_SUCCESS) printf("ok %u\n", (unsigned)id);
      else answer_rc(rc, "rsm_memseg_export_publish");
    } else if (strcmp(cmd, "unpublish") == 0) {
      answer_rc(rsm_memseg_export_unpublish(ex), "rsm_memseg_export_unpublish");
    } else if (strcmp(cmd, "destroy") == 0) {
      answer_rc(rsm_memseg_export_destroy(ex), "rsm_memseg_export_destroy");
    } else if (strcmp(cmd, "rebind") == 0) {
      char* fresh = pages(ex_size);
      memcpy(fresh, ex_mem, ex_size);
      rc = rsm_memseg_export_rebind(ex, fresh, 0, ex_size);
      if (rc == RSM_SUCCESS) {
        munmap(ex_mem, ex_size);
        ex_mem = fresh;
      }
      answer_rc(rc, "rsm_memseg_export_rebind");
    } else if (strcmp(cmd, "xread") == 0) {
      printf("ok %d\n", (unsigned char)ex_mem[a]);
    } else if (strcmp(cmd, "xwrite") == 0) {
      ex_mem[a] = (char)b;
      printf("ok\n");
    } else if (strcmp(cmd, "connect") == 0) {
      rc = controller();
      if (rc == RSM_SUCCESS) rc = rsm_memseg_import_connect(ctl, (rsm_node_id_t)a, (rsm_memseg_id_t)b, (rsm_permission_t)c, &im);
      /* put/get without a barrier: implicit mode would want one */
      if (rc == RSM_SUCCESS) rsm_memseg_import_set_mode(im, RSM_BARRIER_MODE_EXPLICIT);
      answer_rc(rc, "rsm_memseg_import_connect");
    } else if (strcmp(cmd, "map") == 0) {
      void* addr = NULL;
      size_t size = 0;
      rc = rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, (rsm_permission_t)a, 0, page);
      (void)size;
      if (rc == RSM_SUCCESS) im_map = (char*)addr;
      answer_rc(rc, "rsm_memseg_import_map");
    } else if (strcmp(cmd, "mread") == 0) {
      printf("ok %d\n", (unsigned char)im_map[a]);
    } else if (strcmp(cmd, "mwrite") == 0) {
      im_map[a] = (char)b;
      printf("ok\n");
    } else if (strcmp(cmd, "get") == 0) {
      uint8_t v = 0;
      rc = rsm_memseg_import_get8(im, (off_t)a, &v, 1);
      if (rc == RSM_SUCCESS) printf("ok %d\n", v);
      else answer_rc(rc, "rsm_memseg_import_get8");
    } else if (strcmp(cmd, "put") == 0) {
      uint8_t v = (uint8_t)b;
      answer_rc(rsm_memseg_import_put8(im, (off_t)a, &v, 1), "rsm_memseg_import_put8");
    } else if (strcmp(cmd, "fdcheck") == 0) {
      fdcheck();
    } else if (strcmp(cmd, "churn") == 0) {
      unsigned long long end = now_ms() + (unsigned long long)a;
      unsigned rounds = 0;
      rc = controller();
      if (rc != RSM_SUCCESS) {
        answer_rc(rc, "rsm_get_controller");
        continue;
      }
      srand((unsigned)b);
      while (now_ms() < end) {
        churn_round(0);
        rounds++;
      }
      printf("ok %u\n", rounds);
    } else if (strcmp(cmd, "quit") == 0) {
      break;
    } else {
      printf("rc -1 unknown command %s\n", cmd);
    }
  }
  return 0;
}
