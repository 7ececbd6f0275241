/*
 * Compile-time proof that the declarations in scope have the illumos LP64
 * layout. Include after an rsmapi.h (ours, or the system's on illumos).
 */
#ifndef RSMAPI_ABI_ASSERT_H
#define RSMAPI_ABI_ASSERT_H

#include <stddef.h>
#include "layout.h"

#ifdef __cplusplus
#define RSMAPI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RSMAPI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#if defined(__LP64__) || defined(_LP64)
#define RSMAPI_ASSERT_SIZE(type, size) \
	RSMAPI_STATIC_ASSERT(sizeof(type) == (size), "sizeof(" #type ") must be " #size);
#define RSMAPI_ASSERT_OFFSET(type, field, off) \
	RSMAPI_STATIC_ASSERT(offsetof(type, field) == (off), \
	    "offsetof(" #type ", " #field ") must be " #off);
RSMAPI_FOR_EACH_LP64_SIZE(RSMAPI_ASSERT_SIZE)
RSMAPI_FOR_EACH_LP64_OFFSET(RSMAPI_ASSERT_OFFSET)
#undef RSMAPI_ASSERT_SIZE
#undef RSMAPI_ASSERT_OFFSET
#endif

#define RSMAPI_ASSERT_VALUE(name, value) \
	RSMAPI_STATIC_ASSERT((name) == (value), #name " must be " #value);
RSMAPI_FOR_EACH_ABI_VALUE(RSMAPI_ASSERT_VALUE)
#undef RSMAPI_ASSERT_VALUE

#endif /* RSMAPI_ABI_ASSERT_H */
