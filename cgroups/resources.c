/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources written into the container's cgroup files, on cgroup v1,
 * v2, and hybrid hosts (each controller where it is mounted).  Values given
 * in the OCI (v1-style) units are converted for v2 the way runc and crun do.
 *
 * A zero means what it means to runc 1.1 (engines write zeros for what the
 * user did not ask for: Docker sends "blockIO": {"weight": 0} with every
 * create and "cpu": {"shares": 0, "quota": 0, "period": 0} with every
 * update): nothing is written for a zero memory limit, reservation or swap,
 * cpu shares, quota, period, realtimePeriod or realtimeRuntime, pids limit,
 * blockIO weight or leafWeight (the device ones too), network classID, nor
 * for disableOOMKiller false; a zero burst or idle (the kernel's default) is
 * written where the kernel has the file.  Swappiness 0, a zero throttle
 * rate, hugepage or rdma limit are values like any other, as in runc. */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Where a controller's files are for this container. */
struct loc {
	const char *dir;
	bool v2;
};

/* Whether the cgroup2 hierarchy offers ctrl to the container's directory:
 * listed in the base's cgroup.controllers, then enabled in subtree_control
 * on every level from the base down to the container's parent. */
static int v2_enable(const struct cgroup_set *cg, const char *ctrl, bool *ok, struct hull_err *e)
{
	*ok = false;
	if (cg->v2 < 0)
		return 0;
	const char *dir = cg->dirs[cg->v2], *base = cg->bases[cg->v2];
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	if (read_file(path, &s, NULL) == 0) {
		/* Already enabled for the container's directory. */
		for (char *sv, *t = strtok_r(s, " \n", &sv); t && !*ok; t = strtok_r(NULL, " \n", &sv))
			*ok = strcmp(t, ctrl) == 0;
		free(s);
		if (*ok)
			return 0;
	}
	snprintf(path, sizeof path, "%s/cgroup.controllers", base);
	bool avail = false;
	if (read_file(path, &s, NULL) == 0) {
		for (char *sv, *t = strtok_r(s, " \n", &sv); t && !avail; t = strtok_r(NULL, " \n", &sv))
			avail = strcmp(t, ctrl) == 0;
		free(s);
	}
	if (!avail)
		return 0;
	char plus[32];
	snprintf(plus, sizeof plus, "+%s", ctrl);
	size_t bl = strlen(base);
	char level[1400];
	snprintf(level, sizeof level, "%s", base);
	/* base, then each directory down to the container's parent. */
	for (const char *p = dir + bl; ; ) {
		snprintf(path, sizeof path, "%s/cgroup.subtree_control", level);
		int r = write_file(path, plus);
		if (r < 0)
			return hull_syserr(e, -r, "enabling the %s controller in %s (is that cgroup delegated and free of processes?)",
					   ctrl, level);
		const char *next = strchr(p + 1, '/');
		if (!next)
			break;
		snprintf(level, sizeof level, "%.*s", (int)(next - dir), dir);
		p = next;
	}
	*ok = true;
	return 0;
}

int cgroup_v2_enable_all(const struct cgroup_set *cg, struct hull_err *e)
{
	/* Only on pure v2 hosts: there every statistic and limit lives in the
	 * one hierarchy.  A hybrid host's cgroup2 root is the machine's own;
	 * hull enables a controller there only when a resource needs it. */
	if (cg->v2 < 0 || cg->n != 1)
		return 0;
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/cgroup.controllers", cg->bases[cg->v2]);
	if (read_file(path, &s, NULL) < 0)
		return 0;
	int r = 0;
	for (char *sv, *t = strtok_r(s, " \n", &sv); t && r == 0; t = strtok_r(NULL, " \n", &sv)) {
		bool ok;
		r = v2_enable(cg, t, &ok, e);
	}
	free(s);
	return r;
}

/* v1 hierarchy first (hybrid hosts keep most controllers there), then v2. */
static int locate(const struct cgroup_set *cg, const char *v1name, const char *v2name, struct loc *l,
		  struct hull_err *e)
{
	int d = v1name ? cg_v1_dir(cg, v1name) : -1;
	if (d >= 0) {
		l->dir = cg->dirs[d];
		l->v2 = false;
		return 1;
	}
	bool ok = false;
	int r = v2name ? v2_enable(cg, v2name, &ok, e) : 0;
	if (r < 0)
		return r;
	if (!ok)
		return 0;
	l->dir = cg->dirs[cg->v2];
	l->v2 = true;
	return 1;
}

static bool file_exists(const struct loc *l, const char *file)
{
	char path[1500];
	snprintf(path, sizeof path, "%s/%s", l->dir, file);
	return access(path, F_OK) == 0;
}

/* An update that fails half way puts back what it changed: each write of an
 * update first records the file's old value here. */
static struct undo {
	char path[1500];
	char *old;
} journal[64];
static size_t njournal;
static bool journaling;

static void journal_record(const char *path)
{
	if (!journaling || njournal >= sizeof journal / sizeof *journal)
		return;
	char *old = NULL;
	if (read_file(path, &old, NULL) < 0)
		return;
	snprintf(journal[njournal].path, sizeof journal[njournal].path, "%s", path);
	journal[njournal++].old = old;
}

static void journal_end(bool rollback)
{
	while (njournal > 0) {
		struct undo *u = &journal[--njournal];
		/* Multi-line files (io.max, devices) cannot be written back
		 * whole; the single values that updates change can. */
		char *nl = strchr(u->old, '\n');
		bool one_line = !nl || !nl[1];
		if (rollback && one_line)
			write_file(u->path, u->old);
		free(u->old);
	}
	journaling = false;
}

static int put(const struct loc *l, const char *file, const char *field, struct hull_err *e, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int put(const struct loc *l, const char *file, const char *field, struct hull_err *e, const char *fmt, ...)
{
	char val[512], path[1500];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof val, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/%s", l->dir, file);
	journal_record(path);
	int r = write_file(path, val);
	if (r < 0)
		return hull_syserr(e, -r, "linux.resources.%s: writing \"%s\" to %s", field, val, path);
	return 0;
}

static int missing(const char *field, const char *what, struct hull_err *e)
{
	return hull_errf(e, ENOTSUP, "linux.resources.%s: %s", field, what);
}

static void limit_str(int64_t v, char *buf, size_t cap)
{
	if (v < 0)
		snprintf(buf, cap, "max");
	else
		snprintf(buf, cap, "%lld", (long long)v);
}

static int read_u64(const struct loc *l, const char *file, uint64_t *out)
{
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/%s", l->dir, file);
	int r = read_file(path, &s, NULL);
	if (r < 0)
		return r;
	*out = strtoull(s, NULL, 10);
	free(s);
	return 0;
}

static int apply_memory(const struct cgroup_set *cg, const struct spec_memory *m, bool update, struct hull_err *e)
{
	struct loc l;
	int r = locate(cg, "memory", "memory", &l, e);
	if (r <= 0)
		return r < 0 ? r : missing("memory", "no memory controller on this host", e);
	char v[32];
	/* zero: not set (runc) */
	bool has_limit = m->has_limit && m->limit != 0, has_swap = m->has_swap && m->swap != 0;
	bool has_reservation = m->has_reservation && m->reservation != 0;
	int64_t swap = m->swap;
	if (update && has_limit && m->has_check_before_update && m->check_before_update && m->limit > 0) {
		uint64_t usage;
		if (read_u64(&l, l.v2 ? "memory.current" : "memory.usage_in_bytes", &usage) == 0 &&
		    (uint64_t)m->limit < usage)
			return hull_errf(e, EBUSY, "linux.resources.memory.limit: %lld is below the current usage %llu (checkBeforeUpdate)",
					 (long long)m->limit, (unsigned long long)usage);
	}
	if (l.v2) {
		if (m->has_swappiness && m->swappiness != (uint64_t)-1)
			return missing("memory.swappiness", "not supported on cgroup v2", e);
		if (m->has_disable_oom_killer && m->disable_oom_killer)
			return missing("memory.disableOOMKiller", "not supported on cgroup v2", e);
		if (has_reservation) {
			limit_str(m->reservation, v, sizeof v);
			if ((r = put(&l, "memory.low", "memory.reservation", e, "%s", v)) < 0)
				return r;
		}
		if (has_limit) {
			limit_str(m->limit, v, sizeof v);
			if ((r = put(&l, "memory.max", "memory.limit", e, "%s", v)) < 0)
				return r;
		}
		/* An unlimited memory without a swap: swap unlimited too (runc),
		 * where the host accounts swap. */
		if (has_limit && m->limit < 0 && !has_swap && file_exists(&l, "memory.swap.max"))
			has_swap = true, swap = -1;
		if (has_swap) {
			/* OCI's swap is memory+swap; v2's swap.max is swap alone. */
			if (swap < 0)
				snprintf(v, sizeof v, "max");
			else if (!has_limit || m->limit < 0)
				return hull_errf(e, EINVAL, "linux.resources.memory.swap: needs memory.limit on cgroup v2");
			else if (swap < m->limit)
				return hull_errf(e, EINVAL, "linux.resources.memory.swap: %lld is below memory.limit %lld (swap counts memory+swap)",
						 (long long)swap, (long long)m->limit);
			else
				snprintf(v, sizeof v, "%lld", (long long)(swap - m->limit));
			if (!file_exists(&l, "memory.swap.max"))
				return missing("memory.swap", "swap accounting is off on this host", e);
			if ((r = put(&l, "memory.swap.max", "memory.swap", e, "%s", v)) < 0)
				return r;
		}
		return 0;
	}
	if (m->has_use_hierarchy)
		put(&l, "memory.use_hierarchy", "memory.useHierarchy", e, "%d", m->use_hierarchy);  /* deprecated: best effort */
	if (has_reservation && (r = put(&l, "memory.soft_limit_in_bytes", "memory.reservation", e, "%lld",
					 (long long)m->reservation)) < 0)
		return r;
	if (has_limit || has_swap) {
		bool swap_ok = file_exists(&l, "memory.memsw.limit_in_bytes");
		if (has_swap && !swap_ok)
			return missing("memory.swap", "swap accounting is off on this host", e);
		/* An unlimited memory without a swap: swap unlimited too (runc). */
		if (has_limit && m->limit < 0 && !has_swap && swap_ok)
			has_swap = true, swap = -1;
		/* memsw must stay >= the limit: raising, swap goes first. */
		struct hull_err e2;
		if (has_limit && put(&l, "memory.limit_in_bytes", "memory.limit", &e2, "%lld", (long long)m->limit) < 0) {
			if (!has_swap)
				return hull_errf(e, e2.code, "%s", e2.msg);
			if ((r = put(&l, "memory.memsw.limit_in_bytes", "memory.swap", e, "%lld", (long long)swap)) < 0 ||
			    (r = put(&l, "memory.limit_in_bytes", "memory.limit", e, "%lld", (long long)m->limit)) < 0)
				return r;
		} else if (has_swap &&
			   (r = put(&l, "memory.memsw.limit_in_bytes", "memory.swap", e, "%lld", (long long)swap)) < 0) {
			return r;
		}
	}
	if (m->has_swappiness && m->swappiness != (uint64_t)-1 &&
	    (r = put(&l, "memory.swappiness", "memory.swappiness", e, "%llu", (unsigned long long)m->swappiness)) < 0)
		return r;
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    (r = put(&l, "memory.oom_control", "memory.disableOOMKiller", e, "1")) < 0)
		return r;
	return 0;
}

static int apply_cpu(const struct cgroup_set *cg, const struct spec_cpu *c, struct hull_err *e)
{
	struct loc l;
	int r;
	/* zero: not set (runc) */
	bool has_shares = c->has_shares && c->shares, has_quota = c->has_quota && c->quota,
	     has_period = c->has_period && c->period, has_rt_period = c->has_realtime_period && c->realtime_period,
	     has_rt_runtime = c->has_realtime_runtime && c->realtime_runtime;
	bool any_cpu = has_shares || has_quota || has_period || c->has_burst || c->has_idle || has_rt_period ||
		       has_rt_runtime;
	if (any_cpu) {
		if ((r = locate(cg, "cpu", "cpu", &l, e)) <= 0)
			return r < 0 ? r : missing("cpu", "no cpu controller on this host", e);
		if (l.v2) {
			if (has_rt_period || has_rt_runtime)
				return missing("cpu.realtimeRuntime", "not supported on cgroup v2", e);
			if (has_shares &&
			    (r = put(&l, "cpu.weight", "cpu.shares", e, "%llu",
				     1 + ((unsigned long long)(c->shares < 2 ? 2 : c->shares > 262144 ? 262144 : c->shares) - 2) * 9999 / 262142)) < 0)
				return r;
			if (has_quota || has_period) {
				char quota[32] = "max";
				unsigned long long period = has_period ? c->period : 100000;
				if (has_quota && c->quota > 0)
					snprintf(quota, sizeof quota, "%lld", (long long)c->quota);
				if (!has_quota || !has_period) {
					/* Keep the half that was not given. */
					char path[1500], *cur = NULL;
					snprintf(path, sizeof path, "%s/cpu.max", l.dir);
					if (read_file(path, &cur, NULL) == 0) {
						char q[32];
						unsigned long long p;
						if (sscanf(cur, "%31s %llu", q, &p) == 2) {
							if (!has_quota)
								snprintf(quota, sizeof quota, "%s", q);
							if (!has_period)
								period = p;
						}
						free(cur);
					}
				}
				if ((r = put(&l, "cpu.max", "cpu.quota", e, "%s %llu", quota, period)) < 0)
					return r;
			}
			if (c->has_burst && (c->burst || file_exists(&l, "cpu.max.burst")) &&
			    (r = put(&l, "cpu.max.burst", "cpu.burst", e, "%llu", (unsigned long long)c->burst)) < 0)
				return r;
		} else {
			if (has_shares &&
			    (r = put(&l, "cpu.shares", "cpu.shares", e, "%llu", (unsigned long long)c->shares)) < 0)
				return r;
			/* A shorter period may be refused (EINVAL) until the new
			 * quota is in: then it is written again after it (runc). */
			struct hull_err e2;
			bool period_again = false;
			if (has_period && put(&l, "cpu.cfs_period_us", "cpu.period", &e2, "%llu", (unsigned long long)c->period) < 0) {
				if (e2.code != EINVAL || !has_quota)
					return hull_errf(e, e2.code, "%s", e2.msg);
				period_again = true;
			}
			if (has_quota && (r = put(&l, "cpu.cfs_quota_us", "cpu.quota", e, "%lld", (long long)(c->quota > 0 ? c->quota : -1))) < 0)
				return r;
			if (period_again &&
			    (r = put(&l, "cpu.cfs_period_us", "cpu.period", e, "%llu", (unsigned long long)c->period)) < 0)
				return r;
			if (c->has_burst && (c->burst || file_exists(&l, "cpu.cfs_burst_us")) &&
			    (r = put(&l, "cpu.cfs_burst_us", "cpu.burst", e, "%llu", (unsigned long long)c->burst)) < 0)
				return r;
			if ((has_rt_period || has_rt_runtime) && !file_exists(&l, "cpu.rt_runtime_us"))
				return missing("cpu.realtimeRuntime", "this kernel has no realtime group scheduling", e);
			if (has_rt_period &&
			    (r = put(&l, "cpu.rt_period_us", "cpu.realtimePeriod", e, "%llu", (unsigned long long)c->realtime_period)) < 0)
				return r;
			if (has_rt_runtime &&
			    (r = put(&l, "cpu.rt_runtime_us", "cpu.realtimeRuntime", e, "%lld", (long long)c->realtime_runtime)) < 0)
				return r;
		}
		if (c->has_idle && (c->idle || file_exists(&l, "cpu.idle")) &&
		    (r = put(&l, "cpu.idle", "cpu.idle", e, "%lld", (long long)c->idle)) < 0)
			return r;
	}
	if (c->cpus || c->mems) {
		if ((r = locate(cg, "cpuset", "cpuset", &l, e)) <= 0)
			return r < 0 ? r : missing("cpu.cpus", "no cpuset controller on this host", e);
		if (c->cpus && *c->cpus && (r = put(&l, "cpuset.cpus", "cpu.cpus", e, "%s", c->cpus)) < 0)
			return r;
		if (c->mems && *c->mems && (r = put(&l, "cpuset.mems", "cpu.mems", e, "%s", c->mems)) < 0)
			return r;
	}
	return 0;
}

/* Whether a blockIO asks for anything: zero weights are not set (runc). */
static bool blockio_set(const struct spec_blockio *b)
{
	if ((b->has_weight && b->weight) || (b->has_leaf_weight && b->leaf_weight) || b->n_throttle_read_bps ||
	    b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops)
		return true;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *d = &b->weight_device[i];
		if ((d->has_weight && d->weight) || (d->has_leaf_weight && d->leaf_weight))
			return true;
	}
	return false;
}

static int apply_blockio(const struct cgroup_set *cg, const struct spec_blockio *b, struct hull_err *e)
{
	struct loc l;
	if (!blockio_set(b))
		return 0;
	int r = locate(cg, "blkio", "io", &l, e);
	if (r <= 0)
		return r < 0 ? r : missing("blockIO", "no blkio/io controller on this host", e);
	/* bfq takes the OCI range (10-1000) as it is; io.weight wants 1-10000. */
	bool bfq = file_exists(&l, l.v2 ? "io.bfq.weight" : "blkio.bfq.weight");
	const char *wfile = l.v2 ? (bfq ? "io.bfq.weight" : "io.weight") : (bfq ? "blkio.bfq.weight" : "blkio.weight");
#define IOW(w) (l.v2 && !bfq ? 1 + ((unsigned)(w) < 10 ? 0 : ((unsigned)(w) - 10)) * 9999 / 990 : (unsigned)(w))
	if (b->has_weight && b->weight) {
		if (!file_exists(&l, wfile))
			return missing("blockIO.weight", "this kernel's I/O scheduler has no weights", e);
		if ((r = put(&l, wfile, "blockIO.weight", e, "%u", IOW(b->weight))) < 0)
			return r;
	}
	if (b->has_leaf_weight && b->leaf_weight && !l.v2 &&
	    (r = put(&l, "blkio.leaf_weight", "blockIO.leafWeight", e, "%u", b->leaf_weight)) < 0)
		return r;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *d = &b->weight_device[i];
		if (d->has_weight && d->weight) {
			const char *f = l.v2 ? wfile : (bfq ? "blkio.bfq.weight_device" : "blkio.weight_device");
			if ((r = put(&l, f, "blockIO.weightDevice", e, "%lld:%lld %u", (long long)d->major,
				     (long long)d->minor, IOW(d->weight))) < 0)
				return r;
		}
		if (d->has_leaf_weight && d->leaf_weight && !l.v2 &&
		    (r = put(&l, "blkio.leaf_weight_device", "blockIO.weightDevice", e, "%lld:%lld %u", (long long)d->major,
			     (long long)d->minor, d->leaf_weight)) < 0)
			return r;
	}
#undef IOW
	static const struct { const char *v1, *v2key, *field; } thr[] = {
		{ "blkio.throttle.read_bps_device", "rbps", "blockIO.throttleReadBpsDevice" },
		{ "blkio.throttle.write_bps_device", "wbps", "blockIO.throttleWriteBpsDevice" },
		{ "blkio.throttle.read_iops_device", "riops", "blockIO.throttleReadIOPSDevice" },
		{ "blkio.throttle.write_iops_device", "wiops", "blockIO.throttleWriteIOPSDevice" },
	};
	const struct spec_throttle_device *lists[] = { b->throttle_read_bps, b->throttle_write_bps,
						       b->throttle_read_iops, b->throttle_write_iops };
	const size_t counts[] = { b->n_throttle_read_bps, b->n_throttle_write_bps, b->n_throttle_read_iops,
				  b->n_throttle_write_iops };
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < counts[k]; i++) {
			const struct spec_throttle_device *d = &lists[k][i];
			r = l.v2 ? put(&l, "io.max", thr[k].field, e, "%lld:%lld %s=%llu", (long long)d->major,
				       (long long)d->minor, thr[k].v2key, (unsigned long long)d->rate)
				 : put(&l, thr[k].v1, thr[k].field, e, "%lld:%lld %llu", (long long)d->major,
				       (long long)d->minor, (unsigned long long)d->rate);
			if (r < 0)
				return r;
		}
	return 0;
}

static int apply_hugetlb(const struct cgroup_set *cg, const struct spec_resources *res, struct hull_err *e)
{
	struct loc l;
	int r = locate(cg, "hugetlb", "hugetlb", &l, e);
	if (r <= 0)
		return r < 0 ? r : missing("hugepageLimits", "no hugetlb controller on this host", e);
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *h = &res->hugepage_limits[i];
		char f[128], rsvd[128];
		snprintf(f, sizeof f, l.v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size);
		snprintf(rsvd, sizeof rsvd, l.v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
		if (!file_exists(&l, f))
			return hull_errf(e, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: no %s huge pages on this host",
					 i, h->page_size);
		if ((r = put(&l, f, "hugepageLimits", e, "%llu", (unsigned long long)h->limit)) < 0)
			return r;
		/* The reservation limit keeps pages reserved at mmap time within bounds too. */
		if (file_exists(&l, rsvd) &&
		    (r = put(&l, rsvd, "hugepageLimits", e, "%llu", (unsigned long long)h->limit)) < 0)
			return r;
	}
	return 0;
}

static int apply_unified(const struct cgroup_set *cg, const struct spec_resources *res, struct hull_err *e)
{
	if (cg->v2 < 0)
		return missing("unified", "this host has no cgroup v2 hierarchy", e);
	struct loc l = { .dir = cg->dirs[cg->v2], .v2 = true };
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *k = res->unified[i].key;
		if (!*k || strchr(k, '/') || k[0] == '.')
			return hull_errf(e, EINVAL, "linux.resources.unified: invalid key \"%s\"", k);
		/* The controller a key belongs to must be enabled first. */
		char ctrl[64];
		snprintf(ctrl, sizeof ctrl, "%.*s", (int)strcspn(k, "."), k);
		bool ok;
		int r;
		if (strcmp(ctrl, "cgroup") && (r = v2_enable(cg, ctrl, &ok, e)) < 0)
			return r;
		if (!file_exists(&l, k))
			return hull_errf(e, ENOENT, "linux.resources.unified: \"%s\" is not a file of the container's cgroup v2 directory", k);
		char field[128];
		snprintf(field, sizeof field, "unified[\"%s\"]", k);
		if ((r = put(&l, k, field, e, "%s", res->unified[i].value)) < 0)
			return r;
	}
	return 0;
}

static int apply(const struct cgroup_set *cg, const struct spec_resources *res, bool update, struct hull_err *e);

int cgroup_apply(const struct cgroup_set *cg, const struct spec_resources *res, bool update, struct hull_err *e)
{
	/* At create a failure removes the cgroup anyway; an update must leave
	 * the running container as it was. */
	journaling = update;
	int r = res ? apply(cg, res, update, e) : 0;
	journal_end(r < 0);
	return r;
}

static int apply(const struct cgroup_set *cg, const struct spec_resources *res, bool update, struct hull_err *e)
{
	int r = 0;
	struct loc l;
	if (res->memory && (r = apply_memory(cg, res->memory, update, e)) < 0)
		return r;
	if (res->cpu && (r = apply_cpu(cg, res->cpu, e)) < 0)
		return r;
	/* zero: not set (runc); below zero: no limit */
	if (res->has_pids_limit && res->pids_limit != 0) {
		if ((r = locate(cg, "pids", "pids", &l, e)) <= 0)
			return r < 0 ? r : missing("pids", "no pids controller on this host", e);
		char v[32];
		limit_str(res->pids_limit > 0 ? res->pids_limit : -1, v, sizeof v);
		if ((r = put(&l, "pids.max", "pids.limit", e, "%s", v)) < 0)
			return r;
	}
	if (res->block_io && (r = apply_blockio(cg, res->block_io, e)) < 0)
		return r;
	if (res->n_hugepage_limits && (r = apply_hugetlb(cg, res, e)) < 0)
		return r;
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct spec_rdma *d = &res->rdma[i];
		if ((r = locate(cg, "rdma", "rdma", &l, e)) <= 0)
			return r < 0 ? r : missing("rdma", "no rdma controller on this host", e);
		char v[160];
		int n = snprintf(v, sizeof v, "%s", d->device);
		if (d->has_hca_handles)
			n += snprintf(v + n, sizeof v - (size_t)n, " hca_handle=%u", d->hca_handles);
		if (d->has_hca_objects)
			snprintf(v + n, sizeof v - (size_t)n, " hca_object=%u", d->hca_objects);
		if ((r = put(&l, "rdma.max", "rdma", e, "%s", v)) < 0)
			return r;
	}
	if (res->network) {
		if (res->network->has_class_id && res->network->class_id) {
			if ((r = locate(cg, "net_cls", NULL, &l, e)) <= 0)
				return r < 0 ? r : missing("network.classID", "no net_cls hierarchy (cgroup v1 only)", e);
			if ((r = put(&l, "net_cls.classid", "network.classID", e, "%u", res->network->class_id)) < 0)
				return r;
		}
		for (size_t i = 0; i < res->network->n_priorities; i++) {
			if ((r = locate(cg, "net_prio", NULL, &l, e)) <= 0)
				return r < 0 ? r : missing("network.priorities", "no net_prio hierarchy (cgroup v1 only)", e);
			if ((r = put(&l, "net_prio.ifpriomap", "network.priorities", e, "%s %u",
				     res->network->priorities[i].name, res->network->priorities[i].priority)) < 0)
				return r;
		}
	}
	if (res->n_unified && (r = apply_unified(cg, res, e)) < 0)
		return r;
	return 0;
}
