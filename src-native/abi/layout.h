/*
 * The illumos LP64 sizes and field offsets of every RSMAPI structure
 * (spec section 2). Checked against our declarations by abi_assert.h and, on
 * illumos, against the system header by abi_check_system.c.
 */
#ifndef RSMAPI_ABI_LAYOUT_H
#define RSMAPI_ABI_LAYOUT_H

/* X(type, size in bytes) */
#define RSMAPI_FOR_EACH_LP64_SIZE(X) \
	X(rsm_addr_t, 8) \
	X(rsm_node_id_t, 4) \
	X(rsm_memseg_id_t, 4) \
	X(rsm_permission_t, 4) \
	X(rsm_memseg_import_handle_t, 8) \
	X(rsm_memseg_export_handle_t, 8) \
	X(rsmapi_controller_handle_t, 8) \
	X(rsm_localmemory_handle_t, 8) \
	X(rsm_attribute_t, 4) \
	X(rsm_barrier_type_t, 4) \
	X(rsm_barrier_mode_t, 4) \
	X(rsm_access_size_t, 4) \
	X(rsmapi_controller_attr_t, 64) \
	X(rsmapi_access_entry_t, 8) \
	X(rsmapi_barrier_t, 24) \
	X(rsm_barrier_component_t, 8) \
	X(rsm_barrier_t, 32) \
	X(rsm_iovec_t, 40) \
	X(rsm_scat_gath_t, 48) \
	X(rsm_topology_hdr_t, 8) \
	X(rsm_connections_hdr_t, 272) \
	X(rsm_remote_cntlr_t, 280) \
	X(rsm_connections_t, 552) \
	X(rsm_topology_t, 16) \
	X(struct pollfd, 8)

/* X(type, field, offset in bytes) */
#define RSMAPI_FOR_EACH_LP64_OFFSET(X) \
	X(rsmapi_controller_attr_t, attr_direct_access_sizes, 0) \
	X(rsmapi_controller_attr_t, attr_atomic_sizes, 4) \
	X(rsmapi_controller_attr_t, attr_page_size, 8) \
	X(rsmapi_controller_attr_t, attr_max_export_segment_size, 16) \
	X(rsmapi_controller_attr_t, attr_tot_export_segment_size, 24) \
	X(rsmapi_controller_attr_t, attr_max_export_segments, 32) \
	X(rsmapi_controller_attr_t, attr_max_import_map_size, 40) \
	X(rsmapi_controller_attr_t, attr_tot_import_map_size, 48) \
	X(rsmapi_controller_attr_t, attr_max_import_segments, 56) \
	X(rsmapi_access_entry_t, ae_node, 0) \
	X(rsmapi_access_entry_t, ae_permission, 4) \
	X(rsmapi_barrier_t, seg, 0) \
	X(rsmapi_barrier_t, gnum, 8) \
	X(rsmapi_barrier_t, privdata, 16) \
	X(rsm_iovec_t, io_type, 0) \
	X(rsm_iovec_t, local, 8) \
	X(rsm_iovec_t, local_offset, 16) \
	X(rsm_iovec_t, remote_offset, 24) \
	X(rsm_iovec_t, transfer_length, 32) \
	X(rsm_scat_gath_t, local_nodeid, 0) \
	X(rsm_scat_gath_t, io_request_count, 8) \
	X(rsm_scat_gath_t, io_residual_count, 16) \
	X(rsm_scat_gath_t, flags, 24) \
	X(rsm_scat_gath_t, remote_handle, 32) \
	X(rsm_scat_gath_t, iovec, 40) \
	X(rsm_topology_hdr_t, local_nodeid, 0) \
	X(rsm_topology_hdr_t, local_cntlr_count, 4) \
	X(rsm_connections_hdr_t, cntlr_name, 0) \
	X(rsm_connections_hdr_t, local_hwaddr, 256) \
	X(rsm_connections_hdr_t, remote_cntlr_count, 264) \
	X(rsm_remote_cntlr_t, remote_nodeid, 0) \
	X(rsm_remote_cntlr_t, remote_cntlrname, 4) \
	X(rsm_remote_cntlr_t, remote_hwaddr, 264) \
	X(rsm_remote_cntlr_t, connection_state, 272) \
	X(rsm_connections_t, hdr, 0) \
	X(rsm_connections_t, remote_cntlr, 272) \
	X(rsm_topology_t, topology_hdr, 0) \
	X(rsm_topology_t, connections, 8) \
	X(struct pollfd, fd, 0) \
	X(struct pollfd, events, 4) \
	X(struct pollfd, revents, 6)

/* X(name, value): enumerators and constants whose numbers are ABI. */
#define RSMAPI_FOR_EACH_ABI_VALUE(X) \
	X(RSM_MAP_FIXED, 0x1) X(RSM_MAP_RESERVED, 0x2) \
	X(RSM_BARRIER_SEGMENT, 0x01) X(RSM_BARRIER_NODE, 0x02) \
	X(RSM_BARRIER_SEGMENT_THREAD, 0x11) X(RSM_BARRIER_NODE_THREAD, 0x12) \
	X(RSM_BARRIER_MODE_EXPLICIT, 0) X(RSM_BARRIER_MODE_IMPLICIT, 1) \
	X(RSM_DAS8, 1) X(RSM_DAS16, 2) X(RSM_DAS32, 4) X(RSM_DAS64, 8) \
	X(RSM_PERM_READ, 0400) X(RSM_PERM_WRITE, 0200) X(RSM_PERM_RDWR, 0600) \
	X(RSM_ALLOW_REBIND, 0x01) X(RSM_CREATE_SEG_DONTWAIT, 0x02) \
	X(RSM_IMPLICIT_SIGPOST, 0x01) X(RSM_SIGPOST_NO_ACCUMULATE, 0x02) \
	X(RSM_MAX_SGIOREQS, 16) X(RSM_CONNECTION_ACTIVE, 3) \
	X(RSMERR_SEG_NOT_CONNECTED, 45) X(RSMERR_BAD_ARGS_ERRORS, 117) \
	X(RSMERR_QUEUE_FULL, 134) X(POLLRDNORM, 0x0040)

#endif /* RSMAPI_ABI_LAYOUT_H */
