/* SPDX-License-Identifier: Apache-2.0 */
/* Commands on a container's cgroups: update, pause, resume, events. */
#include "runtime/container.h"
#include "runtime/log.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

/* Open a container that is alive (created, running or paused). */
static int open_live(const char *root, const char *id, int *rootfd, int *dirfd, struct cstate *st,
		     enum cstatus *s, struct hull_err *e)
{
	int r = container_open(root, id, 0, rootfd, dirfd, st, e);
	if (r < 0)
		return r;
	*s = state_status(*dirfd, st);
	if (*s == ST_STOPPED || *s == ST_CREATING) {
		state_free(st);
		return hull_errf(e, EINVAL, "container \"%s\" is %s", id, state_status_name(*s));
	}
	return 0;
}

int container_update(const char *root, const char *id, struct spec_resources *res, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cstate st;
	enum cstatus s;
	int r = open_live(root, id, &rootfd, &dirfd, &st, &s, e);
	if (r < 0)
		return r;
	/* The container's config holds what an update must keep: memory's
	 * checkBeforeUpdate. */
	struct spec *cfg = NULL;
	bool need_cfg = res->memory && res->memory->has_limit && !res->memory->has_check_before_update;
	if (need_cfg && (r = container_config(&st, &cfg, e)) < 0) {
		state_free(&st);
		return r;
	}
	const struct spec_resources *cr = cfg && cfg->linux_ ? cfg->linux_->resources : NULL;
	if (res->memory && cr && cr->memory && cr->memory->has_check_before_update && !res->memory->has_check_before_update) {
		res->memory->has_check_before_update = true;
		res->memory->check_before_update = cr->memory->check_before_update;
	}
	r = cgroup_apply(&st.cg, res, true, e);
	if (r == 0 && res->n_devices)
		r = cgroup_devices(&st.cg, res->devices, res->n_devices, e);
	/* systemd must keep the new limits when it rewrites the scope's cgroup. */
	if (r == 0 && st.unit)
		r = systemd_sync_resources(st.unit, &st.cg, e);
	spec_free(cfg);
	state_free(&st);
	return r;
}

int container_pause(const char *root, const char *id, bool pause, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cstate st;
	enum cstatus s;
	int r = open_live(root, id, &rootfd, &dirfd, &st, &s, e);
	if (r < 0)
		return r;
	if (pause && s != ST_RUNNING)
		r = hull_errf(e, EINVAL, "cannot pause container \"%s\": it is %s, not running", id, state_status_name(s));
	else if (!pause && s != ST_PAUSED)
		r = hull_errf(e, EINVAL, "cannot resume container \"%s\": it is %s, not paused", id, state_status_name(s));
	else
		r = cgroup_freeze(&st.cg, pause, e);
	state_free(&st);
	return r;
}

/* The fd that becomes readable when the memory controller sees an OOM:
 * an eventfd registered on memory.oom_control (v1), or memory.events
 * itself, which signals POLLPRI on change (v2).  *pri says which. */
static int oom_notifier(const struct cgroup_set *cg, bool *pri)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->ctrls[i][0] || !strstr(cg->ctrls[i], "memory"))
			continue;
		char path[1500], reg[64];
		snprintf(path, sizeof path, "%s/memory.oom_control", cg->dirs[i]);
		int ctl = open(path, O_RDONLY | O_CLOEXEC);
		int efd = eventfd(0, EFD_CLOEXEC);
		snprintf(path, sizeof path, "%s/cgroup.event_control", cg->dirs[i]);
		snprintf(reg, sizeof reg, "%d %d", efd, ctl);
		bool ok = ctl >= 0 && efd >= 0 && write_file(path, reg) == 0;
		if (ctl >= 0)
			close(ctl);
		if (!ok) {
			if (efd >= 0)
				close(efd);
			return -1;
		}
		*pri = false;
		return efd;
	}
	if (cg->v2 < 0)
		return -1;
	char path[1500];
	snprintf(path, sizeof path, "%s/memory.events", cg->dirs[cg->v2]);
	*pri = true;
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void print_line(const char *s)
{
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

int container_events(const char *root, const char *id, bool stats_once, long interval_ms, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1, pidfd = -1, oomfd = -1;
	struct cstate st;
	enum cstatus s;
	int r = open_live(root, id, &rootfd, &dirfd, &st, &s, e);
	if (r < 0)
		return r;
	if (stats_once) {
		char *json = cgroup_stats_json(&st.cg, id);
		if (json)
			print_line(json);
		free(json);
		state_free(&st);
		return json ? 0 : hull_errf(e, ENOMEM, "out of memory");
	}
	pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	bool pri = false;
	oomfd = oom_notifier(&st.cg, &pri);
	uint64_t ooms = 0, now;
	cgroup_oom_count(&st.cg, &ooms);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = oomfd, .events = pri ? POLLPRI : POLLIN } };
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long wait = (long)((next.tv_sec - t.tv_sec) * 1000 + (next.tv_nsec - t.tv_nsec) / 1000000);
		if (wait <= 0) {
			char *json = cgroup_stats_json(&st.cg, id);
			if (json)
				print_line(json);
			free(json);
			next.tv_sec += interval_ms / 1000;
			next.tv_nsec += (interval_ms % 1000) * 1000000;
			if (next.tv_nsec >= 1000000000) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000;
			}
			continue;
		}
		int n = poll(p, 2, (int)wait);
		if (n < 0 && errno != EINTR) {
			r = hull_syserr(e, errno, "events: poll");
			break;
		}
		if (n > 0 && p[1].revents) {
			if (!pri) {
				uint64_t c;
				if (read(oomfd, &c, sizeof c) < 0)
					c = 0;
			}
			/* The notifier fires on any change of memory.events: only
			 * a grown oom_kill count is an OOM. */
			if (cgroup_oom_count(&st.cg, &now) == 0 && (now > ooms || !pri)) {
				ooms = now;
				char line[1200];
				snprintf(line, sizeof line, "{\"type\":\"oom\",\"id\":\"%s\"}", id);
				print_line(line);
			}
		}
		if (pidfd < 0 || (n > 0 && p[0].revents)) {
			/* The container is gone: so is the stream. */
			break;
		}
	}
	state_free(&st);
	return r;
}
