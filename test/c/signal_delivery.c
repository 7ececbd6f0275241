/*
 * Interrupt-signal delivery from C, against librsmsim.so (test/signal-delivery.test.js
 * drives it). Each mode is one side; sides talk to the test by lines on
 * stdin/stdout.
 *
 *   export ID [CTLR]            export a page under ID; then commands:
 *                               "post N", "unpublish", "publish", "quit"
 *   storm NODE ID N EXPECTED    import (NODE, ID) N times, watch all N poll
 *                               descriptors and consume events until
 *                               EXPECTED were taken; prints the figures
 *   fanout NODE ID CTLR...      one import of (NODE, ID) per controller; then
 *                               "connect CTLR", "count" (take and count every
 *                               pending event per handle), "wait I MS"
 *                               (rsm_intr_signal_wait on handle I), "quit"
 *   pollmask                    rsm_intr_signal_wait_pollfd on an entry asking
 *                               POLLIN|POLLRDNORM, in one process
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rsmapi.h"

#define CHECK(call)                                                         \
	do {                                                                    \
		int rc_ = (call);                                                   \
		if (rc_ != RSM_SUCCESS) {                                           \
			fprintf(stderr, "%s:%d: %s returned %d\n", __FILE__, __LINE__, \
			    #call, rc_);                                                \
			exit(1);                                                        \
		}                                                                   \
	} while (0)

#define EXPECT(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__,    \
			    #cond);                                                     \
			exit(1);                                                        \
		}                                                                   \
	} while (0)

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int export_side(rsm_memseg_id_t id, const char *ctlr_name)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	rsmapi_controller_handle_t ctl;
	rsm_memseg_export_handle_t exp;
	void *mem = valloc(page);
	char line[128];

	EXPECT(mem != NULL);
	CHECK(rsm_get_controller((char *)ctlr_name, &ctl));
	CHECK(rsm_memseg_export_create(ctl, &exp, mem, page, 0));
	CHECK(rsm_memseg_export_publish(exp, &id, NULL, 0));
	say("published\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		int n;
		if (sscanf(line, "post %d", &n) == 1) {
			for (int i = 0; i < n; i++)
				CHECK(rsm_intr_signal_post(exp, 0));
		} else if (strncmp(line, "unpublish", 9) == 0) {
			CHECK(rsm_memseg_export_unpublish(exp));
		} else if (strncmp(line, "publish", 7) == 0) {
			CHECK(rsm_memseg_export_publish(exp, &id, NULL, 0));
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		}
		say("ok\n");
	}
	rsm_memseg_export_destroy(exp);
	rsm_release_controller(ctl);
	free(mem);
	return 0;
}

static int storm_side(rsm_node_id_t node, rsm_memseg_id_t id, int n, long expected)
{
	rsmapi_controller_handle_t ctl;
	rsm_memseg_import_handle_t *imp = calloc((size_t)n, sizeof *imp);
	struct pollfd *fds = calloc((size_t)n, sizeof *fds);
	long *taken = calloc((size_t)n, sizeof *taken);
	long total = 0;
	int woken = 0, numfds;
	long long deadline;

	EXPECT(imp != NULL && fds != NULL && taken != NULL);
	CHECK(rsm_get_controller("sci0", &ctl));
	for (int i = 0; i < n; i++) {
		CHECK(rsm_memseg_import_connect(ctl, node, id, RSM_PERM_RDWR, &imp[i]));
		CHECK(rsm_memseg_get_pollfd(imp[i], &fds[i]));
	}
	say("ready %d\n", n);
	/* Only the poll descriptors say when to look: an event whose doorbell
	 * was lost would never be taken. */
	deadline = now_ms() + 60000;
	while (total < expected && now_ms() < deadline) {
		int rc = rsm_intr_signal_wait_pollfd(fds, (nfds_t)n, 1000, &numfds);
		if (rc == RSMERR_TIMEOUT)
			continue;
		CHECK(rc);
		for (int i = 0; i < n; i++) {
			if (fds[i].revents == POLLRDNORM) {
				if (taken[i]++ == 0)
					woken++;
				total++;
			}
			fds[i].revents = 0;
		}
	}
	/* Nothing more than was posted. */
	if (total == expected)
		EXPECT(rsm_intr_signal_wait_pollfd(fds, (nfds_t)n, 200, &numfds) == RSMERR_TIMEOUT);
	say("woke %d of %d descriptors, took %ld of %ld events\n", woken, n, total, expected);
	for (int i = 0; i < n; i++) {
		CHECK(rsm_memseg_release_pollfd(imp[i]));
		CHECK(rsm_memseg_import_disconnect(imp[i]));
	}
	rsm_release_controller(ctl);
	free(imp);
	free(fds);
	free(taken);
	return total == expected ? 0 : 2;
}

#define MAX_FANOUT 16

static int fanout_side(rsm_node_id_t node, rsm_memseg_id_t id, int nctlr, char **ctlrs)
{
	rsmapi_controller_handle_t ctl[MAX_FANOUT];
	rsm_memseg_import_handle_t imp[MAX_FANOUT];
	int count = 0;
	char line[128], name[64];

	for (int i = 0; i < nctlr && count < MAX_FANOUT; i++, count++) {
		CHECK(rsm_get_controller(ctlrs[i], &ctl[count]));
		CHECK(rsm_memseg_import_connect(ctl[count], node, id, RSM_PERM_RDWR, &imp[count]));
	}
	say("ready\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		int which, ms;
		if (sscanf(line, "connect %63s", name) == 1 && count < MAX_FANOUT) {
			CHECK(rsm_get_controller(name, &ctl[count]));
			CHECK(rsm_memseg_import_connect(ctl[count], node, id, RSM_PERM_RDWR, &imp[count]));
			count++;
			say("ok\n");
		} else if (strncmp(line, "count", 5) == 0) {
			for (int i = 0; i < count; i++) {
				int events = 0;
				while (rsm_intr_signal_wait(imp[i], 0) == RSM_SUCCESS)
					events++;
				say(i == 0 ? "%d" : " %d", events);
			}
			say("\n");
		} else if (sscanf(line, "wait %d %d", &which, &ms) == 2 && which >= 0 && which < count) {
			say("%d\n", rsm_intr_signal_wait(imp[which], ms));
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			say("?\n");
		}
	}
	for (int i = 0; i < count; i++) {
		rsm_memseg_import_disconnect(imp[i]);
		rsm_release_controller(ctl[i]);
	}
	return 0;
}

static int pollmask_side(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	rsmapi_controller_handle_t ctl;
	rsm_memseg_export_handle_t exp;
	rsm_memseg_import_handle_t imp;
	rsm_memseg_id_t id = 0;
	struct pollfd fds[2];
	int numfds, pipefd[2];
	void *mem = valloc(page);
	char *node_env = getenv("RSM_SIM_NODE");
	rsm_node_id_t self = node_env ? (rsm_node_id_t)atoi(node_env) : 1;

	EXPECT(mem != NULL && pipe(pipefd) == 0);
	CHECK(rsm_get_controller("sci0", &ctl));
	CHECK(rsm_memseg_export_create(ctl, &exp, mem, page, 0));
	CHECK(rsm_memseg_export_publish(exp, &id, NULL, 0));
	CHECK(rsm_memseg_import_connect(ctl, self, id, RSM_PERM_RDWR, &imp));
	CHECK(rsm_memseg_get_pollfd(imp, &fds[0]));
	EXPECT(fds[0].events == POLLRDNORM);

	/* Asking for POLLIN too: the segment still reports only POLLRDNORM,
	 * and the event is consumed. */
	CHECK(rsm_intr_signal_post(exp, 0));
	fds[0].events = POLLIN | POLLRDNORM;
	fds[0].revents = 0;
	numfds = -1;
	CHECK(rsm_intr_signal_wait_pollfd(fds, 1, 1000, &numfds));
	EXPECT(numfds == 1);
	EXPECT(fds[0].revents == POLLRDNORM);
	EXPECT(rsm_intr_signal_wait_pollfd(fds, 1, 0, &numfds) == RSMERR_TIMEOUT);
	EXPECT(rsm_intr_signal_wait(imp, 0) == RSMERR_TIMEOUT);

	/* Two posts, two calls, one event each; an ordinary descriptor next to
	 * it keeps whatever poll said about it. */
	CHECK(rsm_intr_signal_post(exp, 0));
	CHECK(rsm_intr_signal_post(exp, 0));
	EXPECT(write(pipefd[1], "x", 1) == 1);
	fds[1].fd = pipefd[0];
	fds[1].events = POLLIN | POLLRDNORM;
	for (int round = 0; round < 2; round++) {
		fds[0].revents = fds[1].revents = 0;
		CHECK(rsm_intr_signal_wait_pollfd(fds, 2, 1000, &numfds));
		EXPECT(numfds == 2);
		EXPECT(fds[0].revents == POLLRDNORM);
		EXPECT(fds[1].revents == (POLLIN | POLLRDNORM));
	}
	fds[0].revents = 0;
	EXPECT(rsm_intr_signal_wait_pollfd(fds, 1, 0, &numfds) == RSMERR_TIMEOUT);
	EXPECT(fds[0].revents == 0);

	CHECK(rsm_memseg_release_pollfd(imp));
	CHECK(rsm_memseg_import_disconnect(imp));
	CHECK(rsm_memseg_export_destroy(exp));
	CHECK(rsm_release_controller(ctl));
	close(pipefd[0]);
	close(pipefd[1]);
	free(mem);
	say("pollmask: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "export") == 0)
		return export_side((rsm_memseg_id_t)strtoul(argv[2], NULL, 0), argc >= 4 ? argv[3] : "sci0");
	if (argc == 6 && strcmp(argv[1], "storm") == 0)
		return storm_side((rsm_node_id_t)atoi(argv[2]), (rsm_memseg_id_t)strtoul(argv[3], NULL, 0),
		    atoi(argv[4]), atol(argv[5]));
	if (argc >= 5 && strcmp(argv[1], "fanout") == 0)
		return fanout_side((rsm_node_id_t)atoi(argv[2]), (rsm_memseg_id_t)strtoul(argv[3], NULL, 0),
		    argc - 4, argv + 4);
	if (argc == 2 && strcmp(argv[1], "pollmask") == 0)
		return pollmask_side();
	fprintf(stderr, "usage: see the comment at the top of signal_delivery.c\n");
	return 64;
}
