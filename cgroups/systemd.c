/* The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
 * transient scope that systemd creates with the init's pid in it (runc's
 * "slice:prefix:name" cgroupsPath), delegated so that hull writes the
 * resources itself.  libsystemd is loaded only when this driver is used, so
 * the common start path links no more libraries than it needs. */
#include "cgroups/cgroups.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
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
	if (sd.read(m, "uoss", &id, &path, &unit, &result) >= 0 && strcmp(path, w->path) == 0) {
		snprintf(w->result, sizeof w->result, "%s", result);
		w->done = true;
	}
	return 0;
}

int systemd_start_scope(const char *slice, const char *unit, pid_t pid, struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	sd_bus *bus = NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct job_wait w = { 0 };
	if ((r = sd.open_system(&bus)) < 0) {
		hull_syserr(e, -r, "--systemd-cgroup: connecting to the system bus");
		goto out;
	}
	/* Listen before asking, so the job's end cannot be missed. */
	if ((r = sd.match_signal(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				 "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w)) < 0) {
		hull_syserr(e, -r, "--systemd-cgroup: subscribing to JobRemoved");
		goto out;
	}
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
	const char *job;
	if ((r = sd.read(reply, "o", &job)) < 0) {
		hull_syserr(e, -r, "--systemd-cgroup: reading the job of %s", unit);
		goto out;
	}
	w.path = job;
	for (int i = 0; !w.done && i < 200; i++) {
		if ((r = sd.process(bus, NULL)) < 0)
			break;
		if (r == 0 && (r = sd.wait(bus, 50 * 1000)) < 0)
			break;
	}
	if (!w.done || strcmp(w.result, "done") != 0) {
		r = hull_errf(e, EIO, "--systemd-cgroup: the job starting %s ended with \"%s\"", unit,
			      w.done ? w.result : "no answer");
		goto out;
	}
	r = 0;
out:
	if (sd.lib) {
		sd.error_free(&err);
		if (reply)
			sd.msg_unref(reply);
		if (m)
			sd.msg_unref(m);
		if (bus)
			sd.flush_close_unref(bus);
	}
	return r < 0 ? r : 0;
}

int systemd_stop_unit(const char *unit, struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	sd_bus *bus = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	if ((r = sd.open_system(&bus)) >= 0) {
		r = sd.call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				   "org.freedesktop.systemd1.Manager", "StopUnit", &err, NULL, "ss", unit, "replace");
		/* Gone already (its processes died): that is what we wanted. */
		if (r < 0 && err.name && strcmp(err.name, "org.freedesktop.systemd1.NoSuchUnit") == 0)
			r = 0;
		if (r < 0)
			hull_errf(e, -r, "--systemd-cgroup: stopping %s: %s", unit, err.message ? err.message : strerror(-r));
		sd.flush_close_unref(bus);
	} else {
		hull_syserr(e, -r, "--systemd-cgroup: connecting to the system bus");
	}
	sd.error_free(&err);
	return r < 0 ? r : 0;
}
