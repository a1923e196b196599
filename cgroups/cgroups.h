/* SPDX-License-Identifier: Apache-2.0 */
/* cgroups/: where a container's cgroups live and what is done to them.
 *
 * Hosts come in three shapes: pure cgroup v2, pure v1, and hybrid (v1
 * controllers plus a cgroup2 mount, often at /sys/fs/cgroup/unified).  A
 * container gets one directory per mounted hierarchy (each v1 controller
 * mount and the cgroup2 mount), all at the same relative path. */
#ifndef HULL_CGROUPS_H
#define HULL_CGROUPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/util.h"
#include "spec/spec.h"

#define CG_MAX_DIRS 16

struct cgroup_set {
	size_t n;
	int v2;                       /* index of the cgroup2 directory, -1 if none */
	char *dirs[CG_MAX_DIRS];      /* absolute directories of the container's cgroup */
	char *bases[CG_MAX_DIRS];     /* deepest ancestor that existed before create */
	char *ctrls[CG_MAX_DIRS];     /* controllers of the hierarchy ("cpu,cpuacct"), "" for v2 */
	int *fds;                     /* cgroup_create: O_PATH fds of dirs[] (-1: none), else NULL */
	uint64_t mnt_uid[CG_MAX_DIRS];/* the unique id the mount of dirs[] had when noted (0: unknown) */
};

/* Compute the container's directories from linux.cgroupsPath: absolute paths
 * are taken from each hierarchy's root, relative ones (and the default,
 * "hull/<id>") from the cgroup hull itself runs in.  cache_dir (hull's --root,
 * or NULL) keeps what /proc/self/mountinfo said about the cgroup mounts. */
int cgroup_plan(struct cgroup_set *cg, const char *cgroups_path, const char *id, const char *cache_dir,
		struct hull_err *e);
/* Drop what cache_dir noted about the cgroup mounts (cgroup_create found a
 * mount changed: -ESTALE, nothing made). */
void cgroup_forget_mounts(const char *cache_dir);
/* mkdir every directory (refusing one that already holds processes, unless
 * adopt: systemd made it with the init inside) and apply the resources.
 * 1 when a base moved up (parents had to be made: record the set again),
 * else 0.  On failure everything created is removed. */
int cgroup_create(struct cgroup_set *cg, const struct spec_linux *lx, bool adopt, struct hull_err *e);
/* On a pure cgroup v2 host, enable every available controller for the
 * container's directory (so its statistics exist without limits). */
int cgroup_v2_enable_all(const struct cgroup_set *cg, struct hull_err *e);
/* Write linux.resources into the cgroup files (update: only what r sets,
 * checking memory.checkBeforeUpdate).  Refuses what the host cannot do. */
int cgroup_apply(const struct cgroup_set *cg, const struct spec_resources *r, bool update, struct hull_err *e);
/* The device rules: deny all, the config's rules, hull's defaults (none for
 * the nodes of linux.devices, as with runc) - as devices.allow/deny writes
 * on v1, as an eBPF program on v2. */
int cgroup_devices(const struct cgroup_set *cg, const struct spec_device_rule *cfg, size_t ncfg,
		   struct hull_err *e);
/* O_PATH fd of the cgroup2 directory for clone3(CLONE_INTO_CGROUP), or -1. */
int cgroup_v2_open(const struct cgroup_set *cg);
/* Move pid into every hierarchy (skip_v2: it was born in the v2 one). */
int cgroup_enter(const struct cgroup_set *cg, pid_t pid, bool skip_v2, struct hull_err *e);
/* Send sig to every process of the container. */
int cgroup_signal_all(const struct cgroup_set *cg, int sig, struct hull_err *e);
/* The pids of every process of the container (malloc'd array). */
int cgroup_pids(const struct cgroup_set *cg, pid_t **pids, size_t *n, struct hull_err *e);
/* Whether the container's processes are frozen (v1 freezer, else cgroup.freeze). */
bool cgroup_frozen(const struct cgroup_set *cg);
/* Whether the processes of cg could not run now (frozen, or freezing: by
 * itself or through a parent); *dir names the frozen directory. */
bool cgroup_frozen_now(const struct cgroup_set *cg, const char **dir);
/* Freeze or thaw every process (v1 freezer, else cgroup.freeze), waiting
 * until the kernel says it is done. */
int cgroup_freeze(const struct cgroup_set *cg, bool frozen, struct hull_err *e);
/* One `events` line of type stats for the container (malloc'd JSON). */
char *cgroup_stats_json(const struct cgroup_set *cg, const char *id);
/* How many OOM kills the memory controller has seen in the container. */
int cgroup_oom_count(const struct cgroup_set *cg, uint64_t *count);
/* Whether any process is left. */
bool cgroup_populated(const struct cgroup_set *cg);
/* Kill what is left, wait for it to be gone, remove the directories and the
 * parents that create made. */
int cgroup_destroy(const struct cgroup_set *cg, struct hull_err *e);
void cgroup_set_free(struct cgroup_set *cg);

/* The systemd driver (cgroups/systemd.c). */
bool systemd_booted(void);
/* "slice:prefix:name" (or "" for system.slice and hull-<id>.scope). */
int systemd_parse_path(const char *cgroups_path, const char *id, char *slice, size_t scap, char *unit,
		       size_t ucap, struct hull_err *e);
/* The unit's cgroup path below the hierarchy root ("/system.slice/hull-x.scope"). */
int systemd_cgroup_path(const char *slice, const char *unit, char *out, size_t cap);
/* A transient, delegated scope holding pid; waits until systemd made it. */
int systemd_start_scope(const char *slice, const char *unit, pid_t pid, struct hull_err *e);
/* Stop the unit and wait until it is gone (a unit that is gone already is fine). */
int systemd_stop_unit(const char *unit, struct hull_err *e);
/* Give systemd the limits now in the unit's cgroup files (pure cgroup v2) as
 * the unit's properties, so that it does not put back its own defaults when
 * it rewrites the unit's cgroup (daemon-reload, set-property). */
int systemd_sync_resources(const char *unit, const struct cgroup_set *cg, struct hull_err *e);

#endif
