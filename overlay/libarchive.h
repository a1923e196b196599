/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/libarchive.h: libarchive, loaded when first needed.
 *
 * The image helper starts for every pull, and most of its start is the
 * dynamic loader mapping shared libraries; libarchive alone brings ten
 * (libxml2 with ICU and libstdc++, liblzma, liblz4, libbz2, libacl, ...),
 * which a pull of an image already in the store never uses.  So the helper
 * does not link it: the few functions overlay/ calls go through this table,
 * filled by dlopen("libarchive.so.13") on first use.  Include this instead
 * of <archive.h>; call archive_load() before any archive_* function. */
#ifndef HULL_OVERLAY_LIBARCHIVE_H
#define HULL_OVERLAY_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "runtime/util.h"

#define ARCHIVE_FUNCTIONS(X) \
	X(archive_error_string) X(archive_errno) X(archive_set_error) \
	X(archive_read_new) X(archive_read_free) X(archive_read_support_format_tar) \
	X(archive_read_support_filter_gzip) X(archive_read_support_filter_zstd) \
	X(archive_read_open) X(archive_read_open_filename) X(archive_read_next_header) \
	X(archive_read_data_block) \
	X(archive_entry_pathname) X(archive_entry_symlink) X(archive_entry_hardlink) \
	X(archive_entry_filetype) X(archive_entry_mode) X(archive_entry_size) \
	X(archive_entry_uid) X(archive_entry_gid) X(archive_entry_rdevmajor) X(archive_entry_rdevminor) \
	X(archive_entry_mtime) X(archive_entry_mtime_nsec) X(archive_entry_mtime_is_set) \
	X(archive_entry_atime) X(archive_entry_atime_nsec) X(archive_entry_atime_is_set) \
	X(archive_entry_xattr_reset) X(archive_entry_xattr_next)

struct archive_fns {
#define ARCHIVE_FN_FIELD(f) __typeof__(f) *f;
	ARCHIVE_FUNCTIONS(ARCHIVE_FN_FIELD)
#undef ARCHIVE_FN_FIELD
};
extern struct archive_fns archive_fns;

/* 0, or -ELIBACC and e naming what is missing.  Thread-safe, once. */
int archive_load(struct hull_err *e);

/* From here on, each name calls through the table. */
#ifndef ARCHIVE_FUNCTIONS_ONLY
#define archive_error_string (*archive_fns.archive_error_string)
#define archive_errno (*archive_fns.archive_errno)
#define archive_set_error (*archive_fns.archive_set_error)
#define archive_read_new (*archive_fns.archive_read_new)
#define archive_read_free (*archive_fns.archive_read_free)
#define archive_read_support_format_tar (*archive_fns.archive_read_support_format_tar)
#define archive_read_support_filter_gzip (*archive_fns.archive_read_support_filter_gzip)
#define archive_read_support_filter_zstd (*archive_fns.archive_read_support_filter_zstd)
#define archive_read_open (*archive_fns.archive_read_open)
#define archive_read_open_filename (*archive_fns.archive_read_open_filename)
#define archive_read_next_header (*archive_fns.archive_read_next_header)
#define archive_read_data_block (*archive_fns.archive_read_data_block)
#define archive_entry_pathname (*archive_fns.archive_entry_pathname)
#define archive_entry_symlink (*archive_fns.archive_entry_symlink)
#define archive_entry_hardlink (*archive_fns.archive_entry_hardlink)
#define archive_entry_filetype (*archive_fns.archive_entry_filetype)
#define archive_entry_mode (*archive_fns.archive_entry_mode)
#define archive_entry_size (*archive_fns.archive_entry_size)
#define archive_entry_uid (*archive_fns.archive_entry_uid)
#define archive_entry_gid (*archive_fns.archive_entry_gid)
#define archive_entry_rdevmajor (*archive_fns.archive_entry_rdevmajor)
#define archive_entry_rdevminor (*archive_fns.archive_entry_rdevminor)
#define archive_entry_mtime (*archive_fns.archive_entry_mtime)
#define archive_entry_mtime_nsec (*archive_fns.archive_entry_mtime_nsec)
#define archive_entry_mtime_is_set (*archive_fns.archive_entry_mtime_is_set)
#define archive_entry_atime (*archive_fns.archive_entry_atime)
#define archive_entry_atime_nsec (*archive_fns.archive_entry_atime_nsec)
#define archive_entry_atime_is_set (*archive_fns.archive_entry_atime_is_set)
#define archive_entry_xattr_reset (*archive_fns.archive_entry_xattr_reset)
#define archive_entry_xattr_next (*archive_fns.archive_entry_xattr_next)
#endif

#endif
