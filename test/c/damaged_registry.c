/*
 * A C program whose cluster registry is damaged under it: truncated to half
 * its size while this process has it mapped, then each entry point that
 * reads it. Every call returns RSMERR_BAD_CONF; none dies of SIGBUS.
 * Prints "<function> <code>" lines; exits 0 when every code is
 * RSMERR_BAD_CONF, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rsmapi.h"

static int expect(const char *function, int got) {
	printf("%s %d\n", function, got);
	if (got != RSMERR_BAD_CONF) fprintf(stderr, "%s: expected RSMERR_BAD_CONF, got %d\n", function, got);
	return got == RSMERR_BAD_CONF ? 0 : 1;
}

int main(void) {
	long page = sysconf(_SC_PAGESIZE);
	rsmapi_controller_handle_t ctl = NULL;
	rsm_memseg_export_handle_t seg = NULL, other = NULL;
	rsm_memseg_import_handle_t imp = NULL;
	rsm_memseg_id_t id = 0;
	void *mem = NULL, *more = NULL;
	const char *dir = getenv("RSM_SIM_DIR");
	char path[4096];
	struct stat st;

	if (!dir || snprintf(path, sizeof path, "%s/fabric", dir) >= (int)sizeof path) return 2;
	if (rsm_get_controller("sci0", &ctl) != RSM_SUCCESS) return 2;
	if (posix_memalign(&mem, (size_t)page, (size_t)page) != 0) return 2;
	if (posix_memalign(&more, (size_t)page, (size_t)page) != 0) return 2;
	memset(mem, 0, (size_t)page);
	memset(more, 0, (size_t)page);
	if (rsm_memseg_export_create(ctl, &seg, mem, (size_t)page, 0) != RSM_SUCCESS) return 2;
	if (stat(path, &st) != 0 || truncate(path, st.st_size / 2) != 0) return 2;

	int failures = 0;
	failures += expect("rsm_memseg_export_publish", rsm_memseg_export_publish(seg, &id, NULL, 0));
	failures += expect("rsm_memseg_export_create", rsm_memseg_export_create(ctl, &other, more, (size_t)page, 0));
	failures += expect("rsm_memseg_import_connect", rsm_memseg_import_connect(ctl, 1, 0x6a0100, RSM_PERM_RDWR, &imp));
	rsm_release_controller(ctl);
	failures += expect("rsm_get_controller", rsm_get_controller("sci0", &ctl));
	/* The export's own file goes with its destroy, registry or not. */
	if (rsm_memseg_export_destroy(seg) != RSM_SUCCESS) failures++;
	return failures ? 1 : 0;
}
