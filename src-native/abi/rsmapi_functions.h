/*
 * The 42 entry points of librsm, in one list. Everything that must name all
 * of them - the prototypes, the backend table, the dlopen loader, the
 * simulator's exports - is generated from this list, so they cannot drift.
 *
 * X(return type, name, parenthesised parameter list)
 */
#ifndef RSMAPI_ABI_RSMAPI_FUNCTIONS_H
#define RSMAPI_ABI_RSMAPI_FUNCTIONS_H

#define RSMAPI_FOR_EACH_FUNCTION(X) \
	X(int, rsm_get_controller, (char *name, rsmapi_controller_handle_t *controller)) \
	X(int, rsm_get_controller_attr, (rsmapi_controller_handle_t chdl, rsmapi_controller_attr_t *attr)) \
	X(int, rsm_release_controller, (rsmapi_controller_handle_t controller)) \
	X(int, rsm_memseg_export_create, (rsmapi_controller_handle_t controller, rsm_memseg_export_handle_t *memseg, void *vaddr, size_t size, uint_t flags)) \
	X(int, rsm_memseg_export_destroy, (rsm_memseg_export_handle_t memseg)) \
	X(int, rsm_memseg_export_rebind, (rsm_memseg_export_handle_t memseg, void *vaddr, offset_t off, size_t size)) \
	X(int, rsm_memseg_export_publish, (rsm_memseg_export_handle_t memseg, rsm_memseg_id_t *segment_id, rsmapi_access_entry_t access_list[], uint_t access_list_length)) \
	X(int, rsm_memseg_export_unpublish, (rsm_memseg_export_handle_t memseg)) \
	X(int, rsm_memseg_export_republish, (rsm_memseg_export_handle_t memseg, rsmapi_access_entry_t access_list[], uint_t access_list_length)) \
	X(int, rsm_memseg_import_connect, (rsmapi_controller_handle_t controller, rsm_node_id_t node_id, rsm_memseg_id_t segment_id, rsm_permission_t perm, rsm_memseg_import_handle_t *im_memseg)) \
	X(int, rsm_memseg_import_disconnect, (rsm_memseg_import_handle_t im_memseg)) \
	X(int, rsm_memseg_import_get8, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint8_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_get16, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint16_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_get32, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint32_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_get64, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint64_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_get, (rsm_memseg_import_handle_t im_memseg, off_t offset, void *dst_addr, size_t length)) \
	X(int, rsm_memseg_import_put8, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint8_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_put16, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint16_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_put32, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint32_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_put64, (rsm_memseg_import_handle_t im_memseg, off_t offset, uint64_t *datap, ulong_t rep_cnt)) \
	X(int, rsm_memseg_import_put, (rsm_memseg_import_handle_t im_memseg, off_t offset, void *src_addr, size_t length)) \
	X(int, rsm_memseg_import_putv, (rsm_scat_gath_t *sg_io)) \
	X(int, rsm_memseg_import_getv, (rsm_scat_gath_t *sg_io)) \
	X(int, rsm_memseg_import_map, (rsm_memseg_import_handle_t im_memseg, void **address, rsm_attribute_t attr, rsm_permission_t perm, off_t offset, size_t length)) \
	X(int, rsm_memseg_import_unmap, (rsm_memseg_import_handle_t im_memseg)) \
	X(int, rsm_memseg_import_init_barrier, (rsm_memseg_import_handle_t im_memseg, rsm_barrier_type_t type, rsmapi_barrier_t *barrier)) \
	X(int, rsm_memseg_import_open_barrier, (rsmapi_barrier_t *barrier)) \
	X(int, rsm_memseg_import_order_barrier, (rsmapi_barrier_t *barrier)) \
	X(int, rsm_memseg_import_close_barrier, (rsmapi_barrier_t *barrier)) \
	X(int, rsm_memseg_import_destroy_barrier, (rsmapi_barrier_t *barrier)) \
	X(int, rsm_memseg_import_get_mode, (rsm_memseg_import_handle_t im_memseg, rsm_barrier_mode_t *mode)) \
	X(int, rsm_memseg_import_set_mode, (rsm_memseg_import_handle_t im_memseg, rsm_barrier_mode_t mode)) \
	X(int, rsm_intr_signal_post, (void *memseg, uint_t flags)) \
	X(int, rsm_intr_signal_wait, (void *memseg, int timeout)) \
	X(int, rsm_intr_signal_wait_pollfd, (struct pollfd fds[], nfds_t nfds, int timeout, int *numfdsp)) \
	X(int, rsm_memseg_get_pollfd, (void *memseg, struct pollfd *fd)) \
	X(int, rsm_memseg_release_pollfd, (void *memseg)) \
	X(int, rsm_get_interconnect_topology, (rsm_topology_t **topology_data)) \
	X(void, rsm_free_interconnect_topology, (rsm_topology_t *topology_data)) \
	X(int, rsm_create_localmemory_handle, (rsmapi_controller_handle_t controller, rsm_localmemory_handle_t *local_handle, caddr_t local_vaddr, size_t length)) \
	X(int, rsm_free_localmemory_handle, (rsmapi_controller_handle_t controller, rsm_localmemory_handle_t local_handle)) \
	X(int, rsm_get_segmentid_range, (const char *appid, rsm_memseg_id_t *baseid, uint32_t *length))

#endif /* RSMAPI_ABI_RSMAPI_FUNCTIONS_H */
