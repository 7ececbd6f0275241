/*
 * Blocking calls and exhausted descriptors, in C against librsmsim.so.
 *   interrupt-connect   connect to a node that does not answer
 *                       (RSM_SIM_FAULTS=unresponsive=2), then a signal to
 *                       the blocked thread: RSMERR_INTERRUPTED.
 *   interrupt-publish   publish while out of resources (injected once
 *                       the segment exists), then a signal:
 *                       RSMERR_INTERRUPTED.
 *   descriptors         with every descriptor in use, connect and export
 *                       create fail with RSMERR_INSUFFICIENT_RESOURCES.
 * Prints "<what> <code>" lines; exits 0 when every code is the expected
 * one, 1 otherwise, 3 when a blocked call did not come back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

/* The simulator's fault injection (librsmsim.so only). */
int rsmsim_ext_fault(const char *name, int node, long long value, char *why, size_t why_len);

static rsmapi_controller_handle_t ctl;
static rsm_memseg_export_handle_t seg;
static volatile int done;
static int result;
static const char *mode;

static void on_signal(int sig) { (void)sig; }

static void *blocked_call(void *arg) {
	(void)arg;
	if (strcmp(mode, "interrupt-connect") == 0) {
		rsm_memseg_import_handle_t imp = NULL;
		result = rsm_memseg_import_connect(ctl, 2, 0x123456, RSM_PERM_RDWR, &imp);
		if (result == RSM_SUCCESS) rsm_memseg_import_disconnect(imp);
	} else {
		rsm_memseg_id_t id = 0;
		result = rsm_memseg_export_publish(seg, &id, NULL, 0);
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int expect(const char *what, int want, int got) {
	printf("%s %d\n", what, got);
	if (got != want) fprintf(stderr, "%s: expected %d, got %d\n", what, want, got);
	return got == want ? 0 : 1;
}

static int interrupt(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	char why[256];
	if (strcmp(mode, "interrupt-publish") == 0 && rsmsim_ext_fault("no_resources", 1, 1, why, sizeof why) != 0) return 2;
	pthread_t t;
	if (pthread_create(&t, NULL, blocked_call, NULL) != 0) return 2;
	sleep_ms(200);
	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "%s returned %d without blocking\n", mode, result);
		return 1;
	}
	/* A signal that lands between two waits is lost: send until it returns. */
	for (int i = 0; i < 300 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++) {
		pthread_kill(t, SIGUSR1);
		sleep_ms(10);
	}
	if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "%s still blocked after 3 s of signals\n", mode);
		return 3;
	}
	pthread_join(t, NULL);
	return expect(mode, RSMERR_INTERRUPTED, result);
}

static int descriptors(void) {
	rsm_memseg_id_t id = 0;
	if (rsm_memseg_export_publish(seg, &id, NULL, 0) != RSM_SUCCESS) return 2;
	struct rlimit rl = {64, 64};
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 2;
	while (open("/dev/null", O_RDONLY) >= 0) {
	}
	if (errno != EMFILE) return 2;
	int failures = 0;
	rsm_memseg_import_handle_t imp = NULL;
	failures += expect("connect", RSMERR_INSUFFICIENT_RESOURCES, rsm_memseg_import_connect(ctl, 1, id, RSM_PERM_RDWR, &imp));
	long page = sysconf(_SC_PAGESIZE);
	void *mem = NULL;
	if (posix_memalign(&mem, (size_t)page, (size_t)page) != 0) return 2;
	rsm_memseg_export_handle_t other = NULL;
	failures += expect("create", RSMERR_INSUFFICIENT_RESOURCES, rsm_memseg_export_create(ctl, &other, mem, (size_t)page, 0));
	return failures ? 1 : 0;
}

int main(int argc, char **argv) {
	if (argc != 2) return 2;
	mode = argv[1];
	long page = sysconf(_SC_PAGESIZE);
	void *mem = NULL;
	if (rsm_get_controller("sci0", &ctl) != RSM_SUCCESS) return 2;
	if (posix_memalign(&mem, (size_t)page, (size_t)page) != 0) return 2;
	memset(mem, 0, (size_t)page);
	if (rsm_memseg_export_create(ctl, &seg, mem, (size_t)page, 0) != RSM_SUCCESS) return 2;
	int rc = strcmp(mode, "descriptors") == 0 ? descriptors() : interrupt();
	if (rc != 3) {
		rsm_memseg_export_destroy(seg);
		rsm_release_controller(ctl);
	}
	return rc;
}
