/*
 * The error codes a JavaScript program can never provoke through the
 * rsmapi facade, because the facade never passes what causes them: NULL
 * pointers, handles of the wrong kind, a handle used by a forked child.
 * Each line of output is "<RSMERR name> <function> <got>"; a mismatch exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmapi.h"

static int failures = 0;

static void expect(const char *name, int want, const char *function, int got) {
	printf("%s %s %d\n", name, function, got);
	if (got != want) {
		fprintf(stderr, "%s: expected %s (%d), got %d\n", function, name, want, got);
		failures++;
	}
}
#define EXPECT(code, function, call) expect(#code, code, function, (call))

int main(void) {
	long page = sysconf(_SC_PAGESIZE);
	rsmapi_controller_handle_t ctl = NULL, spare = NULL;
	rsm_memseg_export_handle_t seg = NULL;
	rsm_memseg_id_t id = 0;
	void *mem = NULL;
	rsm_localmemory_handle_t local = NULL;

	if (rsm_get_controller("sci0", &ctl) != RSM_SUCCESS) return 2;
	if (posix_memalign(&mem, (size_t)page, (size_t)page) != 0) return 2;
	memset(mem, 0, (size_t)page);

	EXPECT(RSMERR_BAD_CTLR_HNDL, "rsm_get_controller", rsm_get_controller("sci0", NULL));
	if (rsm_get_controller("sci0", &spare) != RSM_SUCCESS) return 2;
	rsm_release_controller(spare);
	/* The second handle is the same reference-counted record: release it twice more. */
	rsm_release_controller(ctl);
	EXPECT(RSMERR_BAD_CTLR_HNDL, "rsm_release_controller", rsm_release_controller(ctl));
	if (rsm_get_controller("sci0", &ctl) != RSM_SUCCESS) return 2;

	EXPECT(RSMERR_BAD_CTLR_HNDL, "rsm_memseg_export_create", rsm_memseg_export_create(NULL, &seg, mem, (size_t)page, 0));
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_export_create", rsm_memseg_export_create(ctl, NULL, mem, (size_t)page, 0));
	EXPECT(RSMERR_BAD_ADDR, "rsm_memseg_export_create", rsm_memseg_export_create(ctl, &seg, NULL, (size_t)page, 0));
	/* The facade refuses a size that is not a page multiple before the call. */
	EXPECT(RSMERR_BAD_MEM_ALIGNMENT, "rsm_memseg_export_create",
	    rsm_memseg_export_create(ctl, &seg, mem, (size_t)page / 2, 0));
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_export_destroy", rsm_memseg_export_destroy(NULL));
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_export_unpublish", rsm_memseg_export_unpublish(NULL));
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_import_disconnect", rsm_memseg_import_disconnect(NULL));
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_import_put", rsm_memseg_import_put(NULL, 0, mem, 1));
	EXPECT(RSMERR_BAD_TOPOLOGY_PTR, "rsm_get_interconnect_topology", rsm_get_interconnect_topology(NULL));
	EXPECT(RSMERR_BAD_SGIO, "rsm_memseg_import_putv", rsm_memseg_import_putv(NULL));
	EXPECT(RSMERR_BAD_SGIO, "rsm_memseg_import_getv", rsm_memseg_import_getv(NULL));
	EXPECT(RSMERR_BAD_LOCALMEM_HNDL, "rsm_create_localmemory_handle",
	    rsm_create_localmemory_handle(ctl, NULL, (caddr_t)mem, (size_t)page));
	EXPECT(RSMERR_BAD_LOCALMEM_HNDL, "rsm_free_localmemory_handle", rsm_free_localmemory_handle(ctl, NULL));
	EXPECT(RSMERR_BAD_ADDR, "rsm_create_localmemory_handle",
	    rsm_create_localmemory_handle(ctl, &local, (caddr_t)mem + 1, (size_t)page));
	EXPECT(RSMERR_BAD_ADDR, "rsm_get_segmentid_range", rsm_get_segmentid_range(NULL, &id, NULL));

	if (rsm_memseg_export_create(ctl, &seg, mem, (size_t)page, RSM_ALLOW_REBIND) != RSM_SUCCESS) return 2;
	EXPECT(RSMERR_BAD_SEGID, "rsm_memseg_export_publish", rsm_memseg_export_publish(seg, NULL, NULL, 0));
	EXPECT(RSMERR_BAD_ACL, "rsm_memseg_export_publish", rsm_memseg_export_publish(seg, &id, NULL, 2));
	EXPECT(RSMERR_BAD_ADDR, "rsm_memseg_export_rebind", rsm_memseg_export_rebind(seg, NULL, 0, (size_t)page));
	/* An export handle where an import is expected. */
	EXPECT(RSMERR_BAD_SEG_HNDL, "rsm_memseg_import_map",
	    rsm_memseg_import_map((rsm_memseg_import_handle_t)seg, &mem, RSM_MAP_NONE, RSM_PERM_RDWR, 0, (size_t)page));

	/* A forked child inherits the handle but did not create the segment. */
	pid_t child = fork();
	if (child == 0) {
		rsm_memseg_id_t cid = 0;
		int rc = rsm_memseg_export_publish(seg, &cid, NULL, 0);
		_exit(rc == RSMERR_NOT_CREATOR ? 0 : 1);
	}
	int status = 0;
	waitpid(child, &status, 0);
	expect("RSMERR_NOT_CREATOR", 0, "rsm_memseg_export_publish",
	    WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);

	rsm_memseg_export_destroy(seg);
	rsm_release_controller(ctl);
	free(mem);
	if (failures == 0) printf("rsm_c_null_args: ok\n");
	return failures == 0 ? 0 : 1;
}
