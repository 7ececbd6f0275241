/*
 * The driver's and the generic plug-in's rules, checked in C against
 * librsmsim.so (docs/semantics.md §4.2, §4.3, §4.5, §4.7, §4.9, §4.10).
 * Run by test/driver-rules.test.js with this topology:
 *
 *   node 1: sci0, sci1, sci5 (max_export_segments=2, tot_export_segment_size=3 pages)
 *   node 2: sci0, sci1, sci5 (max_import_segments=1)
 *   node 3: wrsm7
 *   links: 1 sci0 - 2 sci0, 1 sci1 - 2 sci1, 1 sci5 - 2 sci5, 1 sci1 - 3 wrsm7 (down)
 *
 *   rsm_c_driver_rules                   node 1: exports, then runs node 2
 *   rsm_c_driver_rules import ID...      node 2, the remote importer
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmapi.h"

static int failures;

static void expect_rc(const char *what, int line, int got, int want)
{
	if (got != want) {
		fprintf(stderr, "driver_rules.c:%d: %s returned %d, expected %d\n", line, what, got, want);
		failures++;
	}
}
#define EXPECT_RC(call, want) expect_rc(#call, __LINE__, (call), (want))
#define CHECK(call) EXPECT_RC(call, RSM_SUCCESS)
#define EXPECT(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "driver_rules.c:%d: expected %s\n", __LINE__, #cond);     \
			failures++;                                                                \
		}                                                                              \
	} while (0)

static size_t page;

static void *pages(size_t n)
{
	void *p = valloc(n * page);
	if (p == NULL) {
		perror("valloc");
		exit(2);
	}
	memset(p, 0, n * page);
	return p;
}

static rsmapi_controller_handle_t controller(const char *name)
{
	rsmapi_controller_handle_t c = NULL;
	if (rsm_get_controller((char *)name, &c) != RSM_SUCCESS) {
		fprintf(stderr, "no controller %s\n", name ? name : "loopback");
		exit(2);
	}
	return c;
}

/* Creates and publishes an export of n pages; its id, or 0 on failure. */
static rsm_memseg_id_t publish(rsmapi_controller_handle_t c, size_t n, rsmapi_access_entry_t *acl, uint_t acl_len,
    rsm_memseg_export_handle_t *seg, void **mem)
{
	rsm_memseg_id_t id = 0;
	*mem = pages(n);
	CHECK(rsm_memseg_export_create(c, seg, *mem, n * page, 0));
	CHECK(rsm_memseg_export_publish(*seg, &id, acl, acl_len));
	return id;
}

/* A connect that must fail with `want`. */
static void refuse(rsmapi_controller_handle_t c, rsm_node_id_t node, rsm_memseg_id_t id, int want, int line)
{
	rsm_memseg_import_handle_t im = NULL;
	int rc = rsm_memseg_import_connect(c, node, id, RSM_PERM_RDWR, &im);
	expect_rc("rsm_memseg_import_connect", line, rc, want);
	if (rc == RSM_SUCCESS)
		rsm_memseg_import_disconnect(im);
}
#define REFUSE(c, node, id, want) refuse((c), (node), (id), (want), __LINE__)

static int one_transfer(rsm_memseg_import_handle_t im, int put, int io_type, void *local, size_t offset, size_t len)
{
	rsm_iovec_t io;
	rsm_scat_gath_t sg;
	memset(&io, 0, sizeof(io));
	memset(&sg, 0, sizeof(sg));
	io.io_type = io_type;
	if (io_type == RSM_HANDLE_TYPE)
		io.local.handle = (rsm_localmemory_handle_t)local;
	else
		io.local.vaddr = (caddr_t)local;
	io.remote_offset = offset;
	io.transfer_length = len;
	sg.io_request_count = 1;
	sg.remote_handle = im;
	sg.iovec = &io;
	return put ? rsm_memseg_import_putv(&sg) : rsm_memseg_import_getv(&sg);
}

/* Node 2: ids of node 1's segments A (sci0), B (sci1), L (loopback), R (sci0, read-only for node 2), P1, P3 (sci5). */
static int import_side(rsm_memseg_id_t a, rsm_memseg_id_t b, rsm_memseg_id_t l, rsm_memseg_id_t r, rsm_memseg_id_t p1,
    rsm_memseg_id_t p3)
{
	rsmapi_controller_handle_t sci0 = controller("sci0"), sci1 = controller("sci1"), sci5 = controller("sci5");
	rsm_memseg_import_handle_t im = NULL, im2 = NULL;
	rsm_localmemory_handle_t handle = NULL;
	char *buf = pages(1);
	char back[16];

	/* §4.3 step 14: only segments published on the importer's interconnect. */
	CHECK(rsm_memseg_import_connect(sci0, 1, a, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_disconnect(im));
	REFUSE(sci0, 1, b, RSMERR_SEG_NOT_PUBLISHED);
	REFUSE(sci0, 1, l, RSMERR_SEG_NOT_PUBLISHED);
	REFUSE(sci1, 1, a, RSMERR_SEG_NOT_PUBLISHED);
	CHECK(rsm_memseg_import_connect(sci1, 1, b, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_disconnect(im));

	/* §4.5: a read-only connection writes with putv where the node is granted write. */
	CHECK(rsm_memseg_import_connect(sci0, 1, a, RSM_PERM_READ, &im));
	memcpy(buf, "by address", 11);
	CHECK(one_transfer(im, 1, RSM_VA_TYPE, buf, 64, 11));
	CHECK(rsm_create_localmemory_handle(sci0, &handle, buf, 16));
	memcpy(buf, "by handle", 10);
	CHECK(one_transfer(im, 1, RSM_HANDLE_TYPE, handle, 128, 10));
	CHECK(one_transfer(im, 0, RSM_VA_TYPE, back, 128, 10));
	EXPECT(memcmp(back, "by handle", 10) == 0);
	/* A handle that is not a live local memory handle is refused by the driver. */
	EXPECT_RC(one_transfer(im, 1, RSM_HANDLE_TYPE, buf, 0, 1), RSMERR_BAD_SGIO);
	CHECK(rsm_free_localmemory_handle(sci0, handle));
	EXPECT_RC(one_transfer(im, 1, RSM_HANDLE_TYPE, handle, 0, 1), RSMERR_BAD_SGIO);
	CHECK(rsm_memseg_import_disconnect(im));
	CHECK(rsm_memseg_import_connect(sci0, 1, r, RSM_PERM_READ, &im));
	EXPECT_RC(one_transfer(im, 1, RSM_VA_TYPE, buf, 0, 1), RSMERR_PERM_DENIED);
	CHECK(one_transfer(im, 0, RSM_VA_TYPE, back, 0, 1));
	CHECK(rsm_memseg_import_disconnect(im));

	/* §4.2: the interconnect's own import limit, met at connect; a shared connection is not a new one. */
	CHECK(rsm_memseg_import_connect(sci5, 1, p1, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_connect(sci5, 1, p1, RSM_PERM_RDWR, &im2));
	REFUSE(sci5, 1, p3, RSMERR_INSUFFICIENT_RESOURCES);
	CHECK(rsm_memseg_import_disconnect(im2));
	CHECK(rsm_memseg_import_disconnect(im));

	rsm_release_controller(sci0);
	rsm_release_controller(sci1);
	rsm_release_controller(sci5);
	return failures == 0 ? 0 : 1;
}

static void topology_names(void)
{
	rsm_topology_t *t = NULL;
	int seen = 0;
	CHECK(rsm_get_interconnect_topology(&t));
	if (t == NULL)
		return;
	for (uint_t i = 0; i < t->topology_hdr.local_cntlr_count; i++) {
		rsm_connections_t *c = t->connections[i];
		if (strcmp(c->hdr.cntlr_name, "sci1") != 0)
			continue;
		EXPECT(c->hdr.remote_cntlr_count == 2);
		for (int k = 0; k < c->hdr.remote_cntlr_count; k++) {
			rsm_remote_cntlr_t *r = &c->remote_cntlr[k];
			/* The local driver's name, the remote instance number. */
			if (r->remote_nodeid == 3) {
				EXPECT(strcmp(r->remote_cntlrname, "sci7") == 0);
				EXPECT(r->connection_state == 1);
				seen++;
			} else if (r->remote_nodeid == 2) {
				EXPECT(strcmp(r->remote_cntlrname, "sci1") == 0);
				seen++;
			}
		}
	}
	EXPECT(seen == 2);
	rsm_free_interconnect_topology(t);
}

/* §4.7: open and order fail on a generic controller once the mapping was used after a forced disconnect. */
static void barriers_after_disconnect(const char *name)
{
	rsmapi_controller_handle_t c = controller(name);
	int generic = name != NULL;
	rsmapi_access_entry_t self = {1, 0600};
	rsm_memseg_export_handle_t seg;
	rsm_memseg_import_handle_t im = NULL;
	rsmapi_barrier_t bar;
	void *mem, *addr = NULL;
	char byte = 1;
	rsm_memseg_id_t id = publish(c, 1, &self, 1, &seg, &mem);

	CHECK(rsm_memseg_import_connect(c, 1, id, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_init_barrier(im, RSM_BARRIER_NODE, &bar));
	CHECK(rsm_memseg_import_set_mode(im, RSM_BARRIER_MODE_EXPLICIT));
	CHECK(rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, page));
	CHECK(rsm_memseg_import_open_barrier(&bar));
	CHECK(rsm_memseg_import_put(im, 0, &byte, 1));
	CHECK(rsm_memseg_import_close_barrier(&bar));
	CHECK(rsm_memseg_export_unpublish(seg));
	/* Not used since: the driver still answers. */
	CHECK(rsm_memseg_import_open_barrier(&bar));
	CHECK(rsm_memseg_import_order_barrier(&bar));
	CHECK(rsm_memseg_import_put(im, 0, &byte, 1));
	EXPECT_RC(rsm_memseg_import_open_barrier(&bar), generic ? RSMERR_BARRIER_OPEN_FAILED : RSM_SUCCESS);
	EXPECT_RC(rsm_memseg_import_order_barrier(&bar), generic ? RSMERR_BARRIER_FAILURE : RSM_SUCCESS);
	EXPECT_RC(rsm_memseg_import_close_barrier(&bar), RSMERR_CONN_ABORTED);
	CHECK(rsm_memseg_import_unmap(im));
	CHECK(rsm_memseg_import_destroy_barrier(&bar));
	CHECK(rsm_memseg_import_disconnect(im));
	CHECK(rsm_memseg_export_destroy(seg));
	free(mem);
	rsm_release_controller(c);
}

static void local_memory(rsmapi_controller_handle_t sci0)
{
	rsm_memseg_export_handle_t x, y;
	rsm_localmemory_handle_t handle = NULL;
	void *xm, *ym;
	char *buf = pages(1);
	char *hole = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rsm_memseg_id_t before = publish(sci0, 1, NULL, 0, &x, &xm), after;

	EXPECT(hole != MAP_FAILED);
	CHECK(rsm_create_localmemory_handle(sci0, &handle, buf, 100));
	after = publish(sci0, 1, NULL, 0, &y, &ym);
	/* The handle is a surrogate segment published with the automatic id between them. */
	EXPECT(after == before + 2);
	CHECK(rsm_free_localmemory_handle(sci0, handle));
	EXPECT_RC(rsm_create_localmemory_handle(sci0, &handle, NULL, page), RSMERR_BAD_ADDR);
	munmap(hole, 2 * page);
	EXPECT_RC(rsm_create_localmemory_handle(sci0, &handle, hole, page), RSMERR_BAD_ADDR);
	CHECK(rsm_memseg_export_destroy(x));
	CHECK(rsm_memseg_export_destroy(y));
	free(xm);
	free(ym);
	free(buf);
}

static int export_side(const char *self)
{
	rsmapi_controller_handle_t sci0, sci1, sci5, lo;
	rsm_memseg_export_handle_t sa, sb, sl, sr, s5[4], sn;
	rsm_memseg_import_handle_t im = NULL;
	void *ma, *mb, *ml, *mr, *m5[4], *mn;
	rsmapi_access_entry_t nowhere = {9, 0666}, ro = {2, 0444}, both[2] = {{2, 0666}, {1, 0666}};
	rsm_memseg_id_t a, b, l, r, p[4] = {0}, id = 0;
	size_t sizes[4] = {1, 3, 1, 1};
	char args[6][16];
	pid_t child;
	int status;

	page = (size_t)sysconf(_SC_PAGESIZE);
	sci0 = controller("sci0");
	sci1 = controller("sci1");
	sci5 = controller("sci5");
	lo = controller(NULL);

	topology_names();

	/* §4.3 step 10: no path at all, or a path that is down. */
	REFUSE(sci0, 3, 0x400000, RSMERR_INTERNAL_ERROR);
	REFUSE(sci0, 9, 0x400000, RSMERR_INTERNAL_ERROR);
	REFUSE(sci0, 64, 0x400000, RSMERR_INTERNAL_ERROR);
	REFUSE(sci1, 3, 0x400000, RSMERR_REMOTE_NODE_UNREACHABLE);

	/* §4.2 step 10: an access list naming a node without a path. */
	mn = pages(1);
	CHECK(rsm_memseg_export_create(sci0, &sn, mn, page, 0));
	EXPECT_RC(rsm_memseg_export_publish(sn, &id, &nowhere, 1), RSMERR_INTERNAL_ERROR);
	CHECK(rsm_memseg_export_publish(sn, &id, both, 2));
	EXPECT_RC(rsm_memseg_export_republish(sn, &nowhere, 1), RSMERR_INTERNAL_ERROR);
	CHECK(rsm_memseg_export_destroy(sn));

	a = publish(sci0, 1, NULL, 0, &sa, &ma);
	b = publish(sci1, 1, NULL, 0, &sb, &mb);
	l = publish(lo, 1, NULL, 0, &sl, &ml);
	r = publish(sci0, 1, &ro, 1, &sr, &mr);
	/* Same-node imports match no controller. */
	CHECK(rsm_memseg_import_connect(sci0, 1, b, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_disconnect(im));
	CHECK(rsm_memseg_import_connect(sci0, 1, l, RSM_PERM_RDWR, &im));
	CHECK(rsm_memseg_import_disconnect(im));

	/* §4.2: nothing is counted at create; the interconnect's limits meet publish. */
	for (int i = 0; i < 4; i++) {
		m5[i] = pages(sizes[i]);
		CHECK(rsm_memseg_export_create(sci5, &s5[i], m5[i], sizes[i] * page, 0));
	}
	CHECK(rsm_memseg_export_publish(s5[0], &p[0], NULL, 0));
	EXPECT_RC(rsm_memseg_export_publish(s5[1], &p[1], NULL, 0), RSMERR_INSUFFICIENT_RESOURCES); /* bytes */
	CHECK(rsm_memseg_export_publish(s5[2], &p[2], NULL, 0));
	EXPECT_RC(rsm_memseg_export_publish(s5[3], &p[3], NULL, 0), RSMERR_INSUFFICIENT_RESOURCES); /* count */
	snprintf(args[0], 16, "%u", a);
	snprintf(args[1], 16, "%u", b);
	snprintf(args[2], 16, "%u", l);
	snprintf(args[3], 16, "%u", r);
	snprintf(args[4], 16, "%u", p[0]);
	snprintf(args[5], 16, "%u", p[2]);
	child = fork();
	if (child == 0) {
		setenv("RSM_SIM_NODE", "2", 1);
		execl(self, self, "import", args[0], args[1], args[2], args[3], args[4], args[5], (char *)NULL);
		_exit(127);
	}
	EXPECT(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The read-only connection's putv landed. */
	EXPECT(memcmp((char *)ma + 64, "by address", 11) == 0);
	EXPECT(memcmp((char *)ma + 128, "by handle", 10) == 0);

	local_memory(sci0);
	barriers_after_disconnect("sci0");
	barriers_after_disconnect(NULL);

	CHECK(rsm_memseg_export_destroy(sa));
	CHECK(rsm_memseg_export_destroy(sb));
	CHECK(rsm_memseg_export_destroy(sl));
	CHECK(rsm_memseg_export_destroy(sr));
	for (int i = 0; i < 4; i++) {
		CHECK(rsm_memseg_export_destroy(s5[i]));
		free(m5[i]);
	}
	free(ma);
	free(mb);
	free(ml);
	free(mr);
	free(mn);
	rsm_release_controller(sci0);
	rsm_release_controller(sci1);
	rsm_release_controller(sci5);
	rsm_release_controller(lo);
	if (failures)
		return 1;
	printf("rsm_c_driver_rules: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (argc == 8 && strcmp(argv[1], "import") == 0)
		return import_side((rsm_memseg_id_t)strtoul(argv[2], NULL, 10), (rsm_memseg_id_t)strtoul(argv[3], NULL, 10),
		    (rsm_memseg_id_t)strtoul(argv[4], NULL, 10), (rsm_memseg_id_t)strtoul(argv[5], NULL, 10),
		    (rsm_memseg_id_t)strtoul(argv[6], NULL, 10), (rsm_memseg_id_t)strtoul(argv[7], NULL, 10));
	if (argc == 1)
		return export_side(argv[0]);
	fprintf(stderr, "usage: %s [import A B L R P1 P3]\n", argv[0]);
	return 2;
}
