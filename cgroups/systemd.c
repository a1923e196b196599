/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
 * transient scope that systemd creates with the init's pid in it (runc's
 * "slice:prefix:name" cgroupsPath), delegated so that hull writes the
 * resources itself.  libsystemd is loaded only when this driver is used, so
 * the common start path links no more libraries than it needs. */
#include "cgroups/cgroups.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

bool systemd_booted(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

static struct {
	void *lib;
	int (*open_system)(sd_bus **);
	sd_bus *(*flush_close_unref)(sd_bus *);
	int (*new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *);
	int (*append)(sd_bus_message *, const char *, ...);
	int (*open_container)(sd_bus_message *, char, const char *);
	int (*close_container)(sd_bus_message *);
	int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
	int (*read)(sd_bus_message *, const char *, ...);
	sd_bus_message *(*msg_unref)(sd_bus_message *);
	void (*error_free)(sd_bus_error *);
	int (*match_signal)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,
			    sd_bus_message_handler_t, void *);
	int (*process)(sd_bus *, sd_bus_message **);
	int (*wait)(sd_bus *, uint64_t);
	int (*call_method)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
			   sd_bus_message **, const char *, ...);
	int (*append_array)(sd_bus_message *, char, const void *, size_t);
} sd;

static int load(struct hull_err *e)
{
	if (sd.lib)
		return 0;
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return hull_errf(e, ENOENT, "--systemd-cgroup: cannot load libsystemd.so.0: %s", dlerror());
#define SYM(field, name) if (!(*(void **)&sd.field = dlsym(h, name))) goto missing
	SYM(open_system, "sd_bus_open_system");
	SYM(flush_close_unref, "sd_bus_flush_close_unref");
	SYM(new_method_call, "sd_bus_message_new_method_call");
	SYM(append, "sd_bus_message_append");
	SYM(open_container, "sd_bus_message_open_container");
	SYM(close_container, "sd_bus_message_close_container");
	SYM(call, "sd_bus_call");
	SYM(read, "sd_bus_message_read");
	SYM(msg_unref, "sd_bus_message_unref");
	SYM(error_free, "sd_bus_error_free");
	SYM(match_signal, "sd_bus_match_signal");
	SYM(process, "sd_bus_process");
	SYM(wait, "sd_bus_wait");
	SYM(call_method, "sd_bus_call_method");
	SYM(append_array, "sd_bus_message_append_array");
#undef SYM
	sd.lib = h;
	return 0;
missing:
	dlclose(h);
	return hull_errf(e, ENOSYS, "--systemd-cgroup: libsystemd.so.0 lacks sd-bus");
}

int systemd_parse_path(const char *cgroups_path, const char *id, char *slice, size_t scap, char *unit,
		       size_t ucap, struct hull_err *e)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", cgroups_path ? cgroups_path : "");
	const char *sl = "", *prefix = "hull", *name = id;
	if (*buf) {
		char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return hull_errf(e, EINVAL, "linux.cgroupsPath: \"%s\" is not slice:prefix:name (needed by --systemd-cgroup)",
					 cgroups_path);
		*c1 = *c2 = 0;
		sl = buf;
		prefix = c1 + 1;
		name = c2 + 1;
	}
	if (*sl && (strchr(sl, '/') || strlen(sl) < 7 || strcmp(sl + strlen(sl) - 6, ".slice")))
		return hull_errf(e, EINVAL, "linux.cgroupsPath: \"%s\" is not a slice name", sl);
	snprintf(slice, scap, "%s", *sl ? sl : "system.slice");
	if (strchr(name, '/') || !*name)
		return hull_errf(e, EINVAL, "linux.cgroupsPath: bad unit name \"%s\"", name);
	/* runc: a name that is already a unit is used as it is. */
	size_t nl = strlen(name);
	if (nl > 6 && (strcmp(name + nl - 6, ".scope") == 0 || strcmp(name + nl - 6, ".slice") == 0))
		snprintf(unit, ucap, "%s", name);
	else
		snprintf(unit, ucap, "%s%s%s.scope", prefix, *prefix ? "-" : "", name);
	return 0;
}

int systemd_cgroup_path(const char *slice, const char *unit, char *out, size_t cap)
{
	/* "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice. */
	size_t n = 0;
	out[0] = 0;
	if (strcmp(slice, "-.slice") != 0) {
		char stem[256];
		snprintf(stem, sizeof stem, "%.*s", (int)(strlen(slice) - 6), slice);
		for (const char *dash = stem; ; dash++) {
			dash = strchr(dash, '-');
			size_t len = dash ? (size_t)(dash - stem) : strlen(stem);
			n += (size_t)snprintf(out + n, cap - n, "/%.*s.slice", (int)len, stem);
			if (!dash || n >= cap)
				break;
		}
	}
	snprintf(out + n, cap - n, "/%s", unit);
	return 0;
}

struct job_wait {
	const char *path;
	char result[64];
	bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	(void)err;
	struct job_wait *w = userdata;
	uint32_t id;
	const char *path, *unit, *result;
	if (w->path && sd.read(m, "uoss", &id, &path, &unit, &result) >= 0 && strcmp(path, w->path) == 0) {
		snprintf(w->result, sizeof w->result, "%s", result);
		w->done = true;
	}
	return 0;
}

/* The system bus (the D-Bus socket, where systemd is org.freedesktop.systemd1),
 * listening for JobRemoved before anything is asked, so that the end of a job
 * cannot be missed.  systemd sends JobRemoved to the client that queued the
 * job even when it has not called Subscribe. */
static int bus_open(sd_bus **bus, struct job_wait *w, struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	if ((r = sd.open_system(bus)) < 0)
		return hull_syserr(e, -r, "--systemd-cgroup: connecting to the system bus");
	if ((r = sd.match_signal(*bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				 "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, w)) < 0)
		return hull_syserr(e, -r, "--systemd-cgroup: subscribing to JobRemoved");
	return 0;
}

static void bus_close(sd_bus *bus, sd_bus_error *err, sd_bus_message *m, sd_bus_message *reply)
{
	if (!sd.lib)
		return;
	sd.error_free(err);
	if (reply)
		sd.msg_unref(reply);
	if (m)
		sd.msg_unref(m);
	if (bus)
		sd.flush_close_unref(bus);
}

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Wait for the job in reply (an object path) to end; a result other than
 * "done" ("failed", "canceled"...) is an error.  A scope's start or stop job is
 * quick, but a loaded machine (or an emulated one) may take seconds. */
static int wait_job(sd_bus *bus, sd_bus_message *reply, struct job_wait *w, const char *what, struct hull_err *e)
{
	const char *job;
	int r = sd.read(reply, "o", &job);
	if (r < 0)
		return hull_syserr(e, -r, "--systemd-cgroup: reading the job %s", what);
	w->path = job;
	uint64_t deadline = now_usec() + 60 * 1000000ULL;
	while (!w->done) {
		uint64_t now = now_usec();
		if (now >= deadline)
			return hull_errf(e, ETIMEDOUT, "--systemd-cgroup: no end of the job %s after 60 s", what);
		if ((r = sd.process(bus, NULL)) < 0)
			return hull_syserr(e, -r, "--systemd-cgroup: waiting for the job %s", what);
		if (r == 0 && (r = sd.wait(bus, deadline - now)) < 0)
			return hull_syserr(e, -r, "--systemd-cgroup: waiting for the job %s", what);
	}
	if (strcmp(w->result, "done") != 0)
		return hull_errf(e, EIO, "--systemd-cgroup: the job %s ended with \"%s\"", what, w->result);
	return 0;
}

int systemd_start_scope(const char *slice, const char *unit, pid_t pid, struct hull_err *e)
{
	sd_bus *bus = NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct job_wait w = { 0 };
	char what[600];
	snprintf(what, sizeof what, "starting %s", unit);
	int r = bus_open(&bus, &w, e);
	if (r < 0)
		goto out;
	r = sd.new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0) r = sd.append(m, "ss", unit, "fail");
	if (r >= 0) r = sd.open_container(m, 'a', "(sv)");
	if (r >= 0) r = sd.append(m, "(sv)", "Description", "s", "hull container");
	if (r >= 0) r = sd.append(m, "(sv)", "Slice", "s", slice);
	if (r >= 0) r = sd.append(m, "(sv)", "Delegate", "b", 1);
	if (r >= 0) r = sd.append(m, "(sv)", "DefaultDependencies", "b", 0);
	if (r >= 0) r = sd.append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0) r = sd.close_container(m);
	if (r >= 0) r = sd.append(m, "a(sa(sv))", 0);
	if (r < 0) {
		hull_syserr(e, -r, "--systemd-cgroup: building StartTransientUnit");
		goto out;
	}
	if ((r = sd.call(bus, m, 0, &err, &reply)) < 0) {
		hull_errf(e, -r, "--systemd-cgroup: starting %s in %s: %s", unit, slice,
			  err.message ? err.message : strerror(-r));
		goto out;
	}
	r = wait_job(bus, reply, &w, what, e);
out:
	bus_close(bus, &err, m, reply);
	return r < 0 ? r : 0;
}

int systemd_stop_unit(const char *unit, struct hull_err *e)
{
	sd_bus *bus = NULL;
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct job_wait w = { 0 };
	char what[600];
	snprintf(what, sizeof what, "stopping %s", unit);
	int r = bus_open(&bus, &w, e);
	if (r < 0)
		goto out;
	r = sd.call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			   "org.freedesktop.systemd1.Manager", "StopUnit", &err, &reply, "ss", unit, "replace");
	if (r < 0) {
		/* Gone already (systemd stops a scope once it is empty): that is
		 * what we wanted. */
		if (err.name && strcmp(err.name, "org.freedesktop.systemd1.NoSuchUnit") == 0)
			r = 0;
		else
			hull_errf(e, -r, "--systemd-cgroup: stopping %s: %s", unit, err.message ? err.message : strerror(-r));
		goto out;
	}
	/* Wait, so that the unit and its cgroup are gone when delete returns. */
	r = wait_job(bus, reply, &w, what, e);
out:
	bus_close(bus, &err, NULL, reply);
	return r < 0 ? r : 0;
}

/* A cgroup v2 value file: a number, or "max" (infinity, as systemd spells
 * it on the bus).  false if the file is missing (controller not enabled). */
static bool read_limit(const char *dir, const char *file, uint64_t *v)
{
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_file(path, &s, NULL) < 0)
		return false;
	s[strcspn(s, "\n")] = 0;
	bool ok = true;
	if (strcmp(s, "max") == 0)
		*v = UINT64_MAX;
	else
		ok = parse_u64(s, v) == 0;
	free(s);
	return ok;
}

/* cpuset.cpus / cpuset.mems ("0-3,6") as systemd's bitmask (bit n of byte
 * n/8); *n = 0 for an empty list (no restriction). */
static bool read_cpuset(const char *dir, const char *file, uint8_t *mask, size_t cap, size_t *n)
{
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_file(path, &s, NULL) < 0)
		return false;
	*n = 0;
	memset(mask, 0, cap);
	bool ok = true;
	for (char *p = s; ok && *p && *p != '\n'; ) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p) {
			ok = false;
			break;
		}
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p)
				ok = false;
		}
		for (unsigned long i = a; ok && i <= b; i++) {
			if (i / 8 >= cap) {
				ok = false;
				break;
			}
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
			if (i / 8 + 1 > *n)
				*n = i / 8 + 1;
		}
		p = end + (*end == ',');
	}
	free(s);
	return ok;
}

int systemd_sync_resources(const char *unit, const struct cgroup_set *cg, struct hull_err *e)
{
	/* Pure cgroup v2 only: there every limit is a file of the scope's one
	 * directory, with systemd's (v2) meaning. */
	if (cg->v2 < 0 || cg->n != 1)
		return 0;
	const char *dir = cg->dirs[cg->v2];
	static const struct { const char *file, *prop; } limits[] = {
		{ "memory.min", "MemoryMin" }, { "memory.low", "MemoryLow" }, { "memory.high", "MemoryHigh" },
		{ "memory.max", "MemoryMax" }, { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
		{ "cpu.weight", "CPUWeight" },
	};
	sd_bus *bus = NULL;
	sd_bus_message *m = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct job_wait w = { 0 };
	int r = bus_open(&bus, &w, e);
	if (r < 0)
		goto out;
	r = sd.new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "SetUnitProperties");
	if (r >= 0) r = sd.append(m, "sb", unit, 1);
	if (r >= 0) r = sd.open_container(m, 'a', "(sv)");
	for (size_t i = 0; r >= 0 && i < sizeof limits / sizeof *limits; i++) {
		uint64_t v;
		if (read_limit(dir, limits[i].file, &v))
			r = sd.append(m, "(sv)", limits[i].prop, "t", v);
	}
	/* cpu.max is "QUOTA PERIOD"; systemd takes the quota per second of
	 * CPU, keeps it (in the transient unit file, read again on
	 * daemon-reload) as a whole percentage, and writes back
	 * per_sec * PERIOD / 1 s.  So, as runc does, the quota is rounded up
	 * to the next 1% of a CPU, and written so at once: the value in the
	 * file is then the one systemd keeps. */
	char path[1500], *cpumax = NULL;
	snprintf(path, sizeof path, "%s/cpu.max", dir);
	if (r >= 0 && read_file(path, &cpumax, NULL) == 0) {
		char q[32];
		unsigned long long period;
		if (sscanf(cpumax, "%31s %llu", q, &period) == 2 && period > 0) {
			uint64_t quota, per_sec = UINT64_MAX;
			if (strcmp(q, "max") != 0 && parse_u64(q, &quota) == 0 && quota < UINT64_MAX / 1000000) {
				per_sec = (quota * 1000000 + period - 1) / period;
				per_sec = (per_sec + 9999) / 10000 * 10000;
				uint64_t kept = per_sec * period / 1000000;
				if (kept != quota) {
					char v[64];
					snprintf(v, sizeof v, "%llu %llu", (unsigned long long)kept, period);
					if ((r = write_file(path, v)) < 0) {
						free(cpumax);
						hull_syserr(e, -r, "%s: writing \"%s\"", path, v);
						goto out;
					}
				}
			}
			if (r >= 0)
				r = sd.append(m, "(sv)", "CPUQuotaPerSecUSec", "t", per_sec);
			if (r >= 0)
				r = sd.append(m, "(sv)", "CPUQuotaPeriodUSec", "t", (uint64_t)period);
		}
		free(cpumax);
	}
	static const struct { const char *file, *prop; } sets[] = {
		{ "cpuset.cpus", "AllowedCPUs" }, { "cpuset.mems", "AllowedMemoryNodes" },
	};
	for (size_t i = 0; r >= 0 && i < sizeof sets / sizeof *sets; i++) {
		uint8_t mask[1024];
		size_t n;
		if (!read_cpuset(dir, sets[i].file, mask, sizeof mask, &n))
			continue;
		if ((r = sd.open_container(m, 'r', "sv")) >= 0 && (r = sd.append(m, "s", sets[i].prop)) >= 0 &&
		    (r = sd.open_container(m, 'v', "ay")) >= 0 && (r = sd.append_array(m, 'y', mask, n)) >= 0 &&
		    (r = sd.close_container(m)) >= 0)
			r = sd.close_container(m);
	}
	if (r >= 0) r = sd.close_container(m);
	if (r < 0) {
		hull_syserr(e, -r, "--systemd-cgroup: building SetUnitProperties");
		goto out;
	}
	if ((r = sd.call(bus, m, 0, &err, NULL)) < 0)
		hull_errf(e, -r, "--systemd-cgroup: setting the limits of %s: %s", unit,
			  err.message ? err.message : strerror(-r));
out:
	bus_close(bus, &err, m, NULL);
	return r < 0 ? r : 0;
}
