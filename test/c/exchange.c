/*
 * A C program written against rsmapi.h as it would be for illumos, linked
 * against librsmsim.so. The parent (node 1) exports valloc'd memory and
 * publishes it; a child process (node 2) imports it, reads it with get and
 * through a mapping, and writes a reply with put that the parent then finds
 * in its own memory, at the same address.
 *
 *   rsm_c_exchange                  run both sides; exit 0 on success
 *   rsm_c_exchange import NODE ID   the importing side (run by the parent)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmapi.h"

#define CONTROLLER "sci0"
static const char reply[] = "hello from node 2";

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

static unsigned char pattern_byte(size_t i) { return (unsigned char)(i * 13 + 5); }

static int import_side(rsm_node_id_t node, rsm_memseg_id_t id)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = 2 * page;
	rsmapi_controller_handle_t ctl;
	rsm_memseg_import_handle_t imp;
	rsmapi_barrier_t barrier;
	unsigned char *buf = malloc(size);
	void *addr = NULL;

	EXPECT(buf != NULL);
	CHECK(rsm_get_controller(CONTROLLER, &ctl));
	/* An id nobody published is refused. */
	EXPECT(rsm_memseg_import_connect(ctl, node, id + 1, RSM_PERM_RDWR, &imp) ==
	    RSMERR_SEG_NOT_PUBLISHED);
	CHECK(rsm_memseg_import_connect(ctl, node, id, RSM_PERM_RDWR, &imp));

	/* Implicit barrier mode: put/get need a barrier first. */
	EXPECT(rsm_memseg_import_get(imp, 0, buf, size) == RSMERR_BARRIER_UNINITIALIZED);
	CHECK(rsm_memseg_import_init_barrier(imp, RSM_BARRIER_SEGMENT, &barrier));
	CHECK(rsm_memseg_import_get(imp, 0, buf, size));
	for (size_t i = 0; i < page; i++)
		EXPECT(buf[i] == pattern_byte(i));
	CHECK(rsm_memseg_import_put(imp, (off_t)page, (void *)reply, sizeof(reply)));

	/* The implicit mapping must go before an explicit one. */
	EXPECT(rsm_memseg_import_map(imp, &addr, RSM_MAP_NONE, RSM_PERM_RDWR, 0, size) ==
	    RSMERR_SEG_ALREADY_MAPPED);
	CHECK(rsm_memseg_import_unmap(imp));
	CHECK(rsm_memseg_import_map(imp, &addr, RSM_MAP_NONE, RSM_PERM_READ, 0, size));
	EXPECT(memcmp(addr, buf, page) == 0);
	EXPECT(rsm_memseg_import_disconnect(imp) == RSMERR_SEG_STILL_MAPPED);
	CHECK(rsm_memseg_import_unmap(imp));
	CHECK(rsm_memseg_import_destroy_barrier(&barrier));
	CHECK(rsm_memseg_import_disconnect(imp));
	CHECK(rsm_release_controller(ctl));
	free(buf);
	return 0;
}

static int export_side(const char *self)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = 2 * page;
	rsmapi_controller_handle_t ctl;
	rsm_memseg_export_handle_t seg;
	rsm_memseg_id_t id = 0;
	rsmapi_access_entry_t acl[1] = {{2, 0666}};
	unsigned char *mem = valloc(size);
	char node_arg[16], id_arg[16];
	int status;
	pid_t child;

	EXPECT(mem != NULL);
	for (size_t i = 0; i < size; i++)
		mem[i] = pattern_byte(i);
	CHECK(rsm_get_controller(CONTROLLER, &ctl));
	EXPECT(rsm_memseg_export_create(ctl, &seg, mem + 1, page, 0) == RSMERR_BAD_MEM_ALIGNMENT);
	CHECK(rsm_memseg_export_create(ctl, &seg, mem, size, 0));
	/* The memory keeps its address and its contents. */
	for (size_t i = 0; i < size; i++)
		EXPECT(mem[i] == pattern_byte(i));
	CHECK(rsm_memseg_export_publish(seg, &id, acl, 1));
	EXPECT(id >= RSM_USER_APP_ID_BASE);

	snprintf(node_arg, sizeof(node_arg), "%s", getenv("RSM_SIM_NODE") ? getenv("RSM_SIM_NODE") : "1");
	snprintf(id_arg, sizeof(id_arg), "%u", id);
	child = fork();
	EXPECT(child >= 0);
	if (child == 0) {
		setenv("RSM_SIM_NODE", "2", 1);
		execl(self, self, "import", node_arg, id_arg, (char *)NULL);
		_exit(127);
	}
	EXPECT(waitpid(child, &status, 0) == child);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* The child's put landed in this process's own memory. */
	EXPECT(memcmp(mem + page, reply, sizeof(reply)) == 0);
	CHECK(rsm_memseg_export_unpublish(seg));
	CHECK(rsm_memseg_export_destroy(seg));
	/* After destroy the pages are still this process's memory. */
	EXPECT(memcmp(mem + page, reply, sizeof(reply)) == 0);
	mem[0] = 1;
	CHECK(rsm_release_controller(ctl));
	free(mem);
	printf("rsm_c_exchange: ok (segment 0x%x)\n", id);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "import") == 0)
		return import_side((rsm_node_id_t)strtoul(argv[2], NULL, 10),
		    (rsm_memseg_id_t)strtoul(argv[3], NULL, 10));
	if (argc == 1)
		return export_side(argv[0]);
	fprintf(stderr, "usage: %s [import NODE ID]\n", argv[0]);
	return 2;
}
