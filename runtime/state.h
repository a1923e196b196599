/* SPDX-License-Identifier: Apache-2.0 */
/* The state store under --root: one directory per container holding
 * state.json (written atomically) and, between create and start, exec.fifo.
 * Mutating commands hold an flock on the directory; state and list read
 * without locks (renames make every read see a whole document). */
#ifndef HULL_STATE_H
#define HULL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/util.h"
#include "spec/spec.h"

enum { HOOK_POSTSTART = 1, HOOK_POSTSTOP = 2 };

enum cstatus { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

struct cstate {
	char *id;
	char *bundle;
	char *rootfs;
	char *created;          /* RFC 3339 with nanoseconds */
	char *owner;
	uid_t uid;              /* owner of state.json (the user who made the container) */
	pid_t pid;              /* 0 while creating */
	uint64_t start_time;    /* of pid, to tell pid reuse (0 where pid_ino says it) */
	uint64_t pid_ino;       /* pidfs inode of pid (pidfd_ino), 0 before kernel 6.9 */
	pid_t creator;          /* the hull process while status is creating */
	uint64_t creator_ino;   /* and how to tell it from a later process of */
	uint64_t creator_start; /* its pid, as pid_ino and start_time for pid */
	bool creating;
	unsigned hooks;         /* HOOK_* of the config, so start/delete parse it only when needed */
	char *unit;             /* the systemd scope (--systemd-cgroup), or NULL */
	uint64_t rootfs_mnt;    /* no mount namespace of its own: the id of the mount
				 * rootfs was on before create (delete unmounts what
				 * stacks above it); 0 otherwise */
	struct spec_kv *annotations;
	size_t n_annotations;
	struct cgroup_set cg;
	bool cg_unread;         /* read by state_read_light: cg is empty */
	void *mem_;             /* owner of the strings above */
};

int state_validate_id(const char *id, struct hull_err *e);
/* Open (creating with 0700 if needed) the root directory. */
int state_open_root(const char *root, struct hull_err *e);
/* Make the container directory and take its lock; EEXIST -> "already exists". */
int state_create_dir(int rootfd, const char *id, int *dirfd, struct hull_err *e);
/* Open the container's directory; lock: LOCK_EX, LOCK_SH or 0. */
int state_open_dir(int rootfd, const char *id, int lock, int *dirfd, struct hull_err *e);
int state_write(int dirfd, const struct cstate *st, struct hull_err *e);
int state_read(int dirfd, const char *id, struct cstate *st, struct hull_err *e);
/* For list: rootfd's ID/state.json, unlocked, without hull.cgroups
 * (cg_unread set): enough for a created or stopped container; a running
 * one may be paused, which needs state_read. */
int state_read_light(int rootfd, const char *id, struct cstate *st, struct hull_err *e);
/* The reader of state_read and state_read_light (light) on a document in
 * memory (for tests and tests/fuzz); uid is left 0. */
int state_parse(const char *buf, size_t len, const char *id, bool light, struct cstate *st, struct hull_err *e);
void state_free(struct cstate *st);
/* Remove the container directory (its files, then itself). */
int state_remove_dir(int rootfd, int dirfd, const char *id);
enum cstatus state_status(int dirfd, const struct cstate *st);
/* The same from the root directory (list). */
enum cstatus state_status_in(int rootfd, const char *id, const struct cstate *st);
/* A pidfd for the hull still creating the container, or -1 when it is gone
 * (or its pid now names another process). */
int state_creator_pidfd(const struct cstate *st);
const char *state_status_name(enum cstatus s);
/* The OCI state document (state.md) of a container, NUL-terminated, malloc'd. */
char *state_oci_json(const struct cstate *st, enum cstatus s, bool beautify);
/* Now as RFC 3339 with nanoseconds. */
void state_now(char *buf, size_t cap);

#endif
