/*
 * rsmapi.h - the illumos/Solaris Remote Shared Memory API (librsm) as this
 * project declares it: types, struct layouts, constants and prototypes.
 *
 * The layouts match illumos LP64 (amd64/sparcv9); layout.h pins the sizes and
 * offsets and abi_assert.h checks them at compile time. On illumos the same
 * numbers are checked against the system <rsmapi.h> (abi_check_system.c).
 *
 * A C program written for illumos includes <rsmapi.h> and links with -lrsm;
 * on other hosts it includes this file and links with -lrsmsim, unchanged.
 */
#ifndef RSMAPI_ABI_RSMAPI_H
#define RSMAPI_ABI_RSMAPI_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Scalar types that illumos has and other hosts may lack. */
#if !defined(__sun)
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef long long offset_t;
typedef char *caddr_t; /* the same type as glibc's, so a repeat is legal */
#endif

#ifndef MAXNAMELEN
#define MAXNAMELEN 256
#endif

#ifndef POLLRDNORM
#define POLLRDNORM 0x0040
#endif

/* ---- scalar typedefs (docs/semantics.md §2.1) ---- */
typedef uint64_t rsm_addr_t;
typedef uint32_t rsm_node_id_t;
typedef uint32_t rsm_memseg_id_t;
typedef uint32_t rsm_permission_t;
typedef uint16_t rsm_gnum_t;

typedef struct __rsm_memseg_import_handle *rsm_memseg_import_handle_t;
typedef struct __rsm_memseg_export_handle *rsm_memseg_export_handle_t;
typedef struct __rsmapi_controller_handle *rsmapi_controller_handle_t;
typedef struct __rsm_localmemory_handle *rsm_localmemory_handle_t;

/* ---- enumerations (docs/semantics.md §2.2) ---- */
typedef enum {
	RSM_MAP_NONE = 0x0,
	RSM_MAP_FIXED = 0x1,
	RSM_MAP_RESERVED = 0x2
} rsm_attribute_t;

typedef enum {
	RSM_BARRIER_SEGMENT = 0x01,
	RSM_BARRIER_NODE = 0x02,
	RSM_BARRIER_SEGMENT_THREAD = 0x11,
	RSM_BARRIER_NODE_THREAD = 0x12
} rsm_barrier_type_t;

typedef enum {
	RSM_BARRIER_MODE_EXPLICIT,
	RSM_BARRIER_MODE_IMPLICIT
} rsm_barrier_mode_t;

typedef enum {
	RSM_DAS8 = 1,
	RSM_DAS16 = 2,
	RSM_DAS32 = 4,
	RSM_DAS64 = 8
} rsm_access_size_t;

/* ---- structures (docs/semantics.md §2.3 - 2.7) ---- */
typedef struct {
	uint_t attr_direct_access_sizes;
	uint_t attr_atomic_sizes;
	size_t attr_page_size;
	size_t attr_max_export_segment_size;
	size_t attr_tot_export_segment_size;
	ulong_t attr_max_export_segments;
	size_t attr_max_import_map_size;
	size_t attr_tot_import_map_size;
	ulong_t attr_max_import_segments;
} rsmapi_controller_attr_t;

typedef struct {
	rsm_node_id_t ae_node;
	rsm_permission_t ae_permission;
} rsmapi_access_entry_t;

typedef struct {
	void *seg;
	uint16_t gnum;
	void *privdata;
} rsmapi_barrier_t;

typedef union {
	uint64_t u64;
	int64_t i64;
	uint32_t u32[2];
	int32_t i32[2];
	uint16_t u16[4];
	int16_t i16[4];
	uint8_t u8[8];
	int8_t i8[8];
	unsigned char uc[8];
	char c[8];
	void *vp;
} rsm_barrier_component_t;

typedef struct {
	rsm_barrier_component_t comp[4];
} rsm_barrier_t;

#define RSM_HANDLE_TYPE 0x01
#define RSM_VA_TYPE 0x02

typedef struct {
	int io_type;
	union {
		rsm_localmemory_handle_t handle;
		caddr_t vaddr;
	} local;
	size_t local_offset;
	size_t remote_offset;
	size_t transfer_length;
} rsm_iovec_t;

typedef struct {
	rsm_node_id_t local_nodeid;
	ulong_t io_request_count;
	ulong_t io_residual_count;
	uint_t flags;
	rsm_memseg_import_handle_t remote_handle;
	rsm_iovec_t *iovec;
} rsm_scat_gath_t;

typedef struct {
	rsm_node_id_t local_nodeid;
	uint_t local_cntlr_count;
} rsm_topology_hdr_t;

typedef struct {
	char cntlr_name[MAXNAMELEN];
	rsm_addr_t local_hwaddr;
	int remote_cntlr_count;
} rsm_connections_hdr_t;

typedef struct {
	rsm_node_id_t remote_nodeid;
	char remote_cntlrname[MAXNAMELEN];
	rsm_addr_t remote_hwaddr;
	uint_t connection_state;
} rsm_remote_cntlr_t;

typedef struct {
	rsm_connections_hdr_t hdr;
	rsm_remote_cntlr_t remote_cntlr[1];
} rsm_connections_t;

typedef struct {
	rsm_topology_hdr_t topology_hdr;
	rsm_connections_t *connections[1];
} rsm_topology_t;

/* ---- return codes (docs/semantics.md §3.1) ---- */
#define RSM_SUCCESS 0
#define RSMERR_BAD_LIBRARY_VERSION 1
#define RSMERR_BAD_TOPOLOGY_PTR 2
#define RSMERR_BAD_CTLR_HNDL 3
#define RSMERR_CTLR_NOT_PRESENT 4
#define RSMERR_BAD_SEG_HNDL 5
#define RSMERR_SEG_ALREADY_PUBLISHED 6
#define RSMERR_SEG_NOT_PUBLISHED 7
#define RSMERR_SEG_NOT_PUBLISHED_TO_NODE 8
#define RSMERR_SEG_ALREADY_MAPPED 9
#define RSMERR_SEG_STILL_MAPPED 10
#define RSMERR_SEG_NOT_MAPPED 11
#define RSMERR_NOT_CREATOR 12
#define RSMERR_BAD_BARRIER_PTR 13
#define RSMERR_BAD_SGIO 14
#define RSMERR_BAD_LOCALMEM_HNDL 15
#define RSMERR_BAD_ADDR 16
#define RSMERR_BAD_MEM_ALIGNMENT 17
#define RSMERR_BAD_OFFSET 18
#define RSMERR_MISALIGNED_OFFSET 19
#define RSMERR_BAD_LENGTH 20
#define RSMERR_BAD_ACL 21
#define RSMERR_BAD_SEGID 22
#define RSMERR_RESERVED_SEGID 23
#define RSMERR_SEGID_IN_USE 24
#define RSMERR_BAD_MODE 25
#define RSMERR_BAD_PERMS 26
#define RSMERR_PERM_DENIED 27
#define RSMERR_LOCKS_NOT_SUPPORTED 28
#define RSMERR_LOCKS_NOT_ENABLED 29
#define RSMERR_REBIND_NOT_ALLOWED 30
#define RSMERR_INSUFFICIENT_RESOURCES 31
#define RSMERR_INSUFFICIENT_MEM 32
#define RSMERR_MAP_FAILED 33
#define RSMERR_POLLFD_IN_USE 34
#define RSMERR_BARRIER_UNINITIALIZED 35
#define RSMERR_BARRIER_OPEN_FAILED 36
#define RSMERR_BARRIER_NOT_OPENED 37
#define RSMERR_BARRIER_FAILURE 38
#define RSMERR_REMOTE_NODE_UNREACHABLE 39
#define RSMERR_CONN_ABORTED 40
#define RSMERR_INTERRUPTED 41
#define RSMERR_TIMEOUT 42
#define RSMERR_BAD_APPID 43
#define RSMERR_BAD_CONF 44
#define RSMERR_SEG_NOT_CONNECTED 45

/* Codes shared with the kernel RSMPI layer. */
#define RSMERR_INTERNAL_ERROR 100
#define RSMERR_BAD_DRIVER_VERSION 101
#define RSMERR_UNSUPPORTED_VERSION 102
#define RSMERR_DRIVER_NAME_IN_USE 103
#define RSMERR_DRIVER_NOT_REGISTERED 104
#define RSMERR_DRIVER_THREAD_RUNNING 105
#define RSMERR_NEED_THREAD_INIT 106
#define RSMERR_THREAD_NOT_INITED 107
#define RSMERR_CTLRS_REGISTERED 108
#define RSMERR_CTLR_NOT_REGISTERED 109
#define RSMERR_CTLR_ALREADY_REGISTERED 110
#define RSMERR_CTLR_IN_USE 111
#define RSMERR_NAME_TOO_LONG 112
#define RSMERR_SEG_PUBLISHED 113
#define RSMERR_SEG_NOT_PUBLISHED_TO_RSM_ADDR 114
#define RSMERR_SEG_IN_USE 115
#define RSMERR_BAD_SENDQ_HNDL 116
#define RSMERR_BAD_ARGS_ERRORS 117
#define RSMERR_BAD_MSTYPE 118
#define RSMERR_NO_BACKING_MEM 119
#define RSMERR_NOT_MEM 120
#define RSMERR_MEM_ALREADY_BOUND 121
#define RSMERR_MEM_NOT_BOUND 122
#define RSMERR_HANDLER_NOT_REGISTERED 123
#define RSMERR_NO_HANDLER 124
#define RSMERR_UNBIND_REBIND_NOT_ALLOWED 125
#define RSMERR_CALLBACKS_NOT_SUPPORTED 126
#define RSMERR_UNSUPPORTED_OPERATION 127
#define RSMERR_RSM_ADDR_UNREACHABLE 128
#define RSMERR_UNKNOWN_RSM_ADDR 129
#define RSMERR_BAD_BARRIER_HNDL 130
#define RSMERR_COMM_ERR_MAYBE_DELIVERED 131
#define RSMERR_COMM_ERR_NOT_DELIVERED 132
#define RSMERR_QUEUE_FENCE_UP 133
#define RSMERR_QUEUE_FULL 134

/* ---- permissions (docs/semantics.md §3.2) ---- */
#define RSM_PERM_NONE 0
#define RSM_PERM_READ 0400
#define RSM_PERM_WRITE 0200
#define RSM_PERM_RDWR (RSM_PERM_READ | RSM_PERM_WRITE)

/* ---- flags (docs/semantics.md §3.3, 2.8) ---- */
#define RSM_ALLOW_REBIND 0x01
#define RSM_CREATE_SEG_DONTWAIT 0x02
#define RSM_IMPLICIT_SIGPOST 0x01
#define RSM_SIGPOST_NO_ACCUMULATE 0x02
#define RSM_CONNECTION_ACTIVE 3
#define RSM_MAX_SGIOREQS 16

/* ---- segment-id space (docs/semantics.md §3.4) ---- */
#define RSM_DRIVER_PRIVATE_ID_BASE 0
#define RSM_DRIVER_PRIVATE_ID_END 0x0FFFFF
#define RSM_CLUSTER_TRANSPORT_ID_BASE 0x100000
#define RSM_CLUSTER_TRANSPORT_ID_END 0x1FFFFF
#define RSM_RSMLIB_ID_BASE 0x200000
#define RSM_RSMLIB_ID_END 0x2FFFFF
#define RSM_DLPI_ID_BASE 0x300000
#define RSM_DLPI_ID_END 0x3FFFFF
#define RSM_HPC_ID_BASE 0x400000
#define RSM_HPC_ID_END 0x4FFFFF
#define RSM_OPS_ID_BASE 0x500000
#define RSM_OPS_ID_END 0x5FFFFF
#define RSM_USER_APP_ID_BASE 0x80000000U
#define RSM_USER_APP_ID_END 0xFFFFFFFFU

/* ---- versions (docs/semantics.md §3.5) ---- */
#define RSM_VERSION 5
#define RSM_LIB_VERSION 1
#define RSM_LIB_FUNCS_VERSION 1

/* ---- the 42 entry points (docs/semantics.md §4), generated from the one list ---- */
#include "rsmapi_functions.h"

#define RSMAPI_DECLARE_PROTOTYPE(ret, name, params) ret name params;
RSMAPI_FOR_EACH_FUNCTION(RSMAPI_DECLARE_PROTOTYPE)
#undef RSMAPI_DECLARE_PROTOTYPE

#ifdef __cplusplus
}
#endif

#endif /* RSMAPI_ABI_RSMAPI_H */
