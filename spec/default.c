/* SPDX-License-Identifier: Apache-2.0 */
/* spec/default.c: `hull spec` — the default config.json, as `runc spec` writes it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "spec/spec.h"

struct mount_template {
	const char *destination, *type, *source;
	const char *options[7];    /* NULL-terminated */
};

static const struct mount_template default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

/* Without CAP_SYS_ADMIN over the network namespace a fresh sysfs cannot be
 * mounted, so rootless containers get the host's /sys bound read-only. */
static const struct mount_template rootless_sys =
	{ "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro" } };

static const char *const default_caps[] = {
	"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL,
};
static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL,
};
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
	"/proc/scsi", "/sys/devices/virtual/powercap", NULL,
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static void put_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void put_key_str(yajl_gen g, const char *key, const char *value)
{
	put_str(g, key);
	put_str(g, value);
}

static void put_key_int(yajl_gen g, const char *key, long long value)
{
	put_str(g, key);
	yajl_gen_integer(g, value);
}

static void put_key_bool(yajl_gen g, const char *key, bool value)
{
	put_str(g, key);
	yajl_gen_bool(g, value);
}

static void put_key_strs(yajl_gen g, const char *key, const char *const *values)
{
	put_str(g, key);
	yajl_gen_array_open(g);
	for (; *values; values++)
		put_str(g, *values);
	yajl_gen_array_close(g);
}

static void put_mount(yajl_gen g, const struct mount_template *m, bool rootless)
{
	yajl_gen_map_open(g);
	put_key_str(g, "destination", m->destination);
	put_key_str(g, "type", m->type);
	put_key_str(g, "source", m->source);
	if (m->options[0]) {
		put_str(g, "options");
		yajl_gen_array_open(g);
		for (const char *const *o = m->options; *o; o++)
			/* Rootless: such ids would not be mapped in the user namespace. */
			if (!rootless || (strncmp(*o, "uid=", 4) && strncmp(*o, "gid=", 4)))
				put_str(g, *o);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

static void put_id_mapping(yajl_gen g, const char *key, unsigned host_id)
{
	put_str(g, key);
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	put_key_int(g, "containerID", 0);
	put_key_int(g, "hostID", host_id);
	put_key_int(g, "size", 1);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
}

/* Re-emit a parsed JSON value into g. */
static void put_tree(yajl_gen g, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			put_str(g, v->u.object.keys[i]);
			put_tree(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			put_tree(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		put_str(g, YAJL_GET_STRING(v));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		yajl_gen_null(g);
	}
}

/* An image's container gets the capabilities Podman and Docker give one
 * (a package manager's chown, setuid and chroot work), not runc's three. */
static const char *const image_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", NULL,
};

static void put_key_strv(yajl_gen g, const char *key, const char *const *values, size_t n)
{
	put_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		put_str(g, values[i]);
	yajl_gen_array_close(g);
}

static void put_default(yajl_gen g, bool rootless, yajl_val seccomp, const struct spec_overrides *o)
{
	yajl_gen_map_open(g);
	put_key_str(g, "ociVersion", SPEC_OCI_VERSION);

	put_str(g, "process");
	yajl_gen_map_open(g);
	put_key_bool(g, "terminal", o ? o->terminal : true);
	put_str(g, "user");
	yajl_gen_map_open(g);
	put_key_int(g, "uid", o ? o->uid : 0);
	put_key_int(g, "gid", o ? o->gid : 0);
	if (o && o->n_gids) {
		put_str(g, "additionalGids");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < o->n_gids; i++)
			yajl_gen_integer(g, o->gids[i]);
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	if (o)
		put_key_strv(g, "args", o->args, o->n_args);
	else
		put_key_strs(g, "args", (const char *const[]){ "sh", NULL });
	if (o)
		put_key_strv(g, "env", o->env, o->n_env);
	else
		put_key_strs(g, "env", default_env);
	put_key_str(g, "cwd", o && o->cwd ? o->cwd : "/");
	put_str(g, "capabilities");
	yajl_gen_map_open(g);
	const char *const *caps = o ? image_caps : default_caps;
	put_key_strs(g, "bounding", caps);
	put_key_strs(g, "effective", caps);
	put_key_strs(g, "permitted", caps);
	yajl_gen_map_close(g);
	put_str(g, "rlimits");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	put_key_str(g, "type", "RLIMIT_NOFILE");
	put_key_int(g, "hard", 1024);
	put_key_int(g, "soft", 1024);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	put_key_bool(g, "noNewPrivileges", !o);
	yajl_gen_map_close(g);

	put_str(g, "root");
	yajl_gen_map_open(g);
	put_key_str(g, "path", o && o->root_path ? o->root_path : "rootfs");
	put_key_bool(g, "readonly", o ? o->readonly : true);
	yajl_gen_map_close(g);
	put_key_str(g, "hostname", o && o->hostname ? o->hostname : "hull");

	put_str(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		const struct mount_template *m = &default_mounts[i];

		if (rootless && !strcmp(m->destination, "/sys"))
			m = &rootless_sys;
		put_mount(g, m, rootless);
	}
	for (size_t i = 0; o && i < o->n_binds; i++) {
		yajl_gen_map_open(g);
		put_key_str(g, "destination", o->binds[i].destination);
		put_key_str(g, "type", "bind");
		put_key_str(g, "source", o->binds[i].source);
		put_key_strs(g, "options", (const char *const[]){ "rbind", o->binds[i].readonly ? "ro" : "rw", NULL });
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	if (o && o->n_annotations) {
		put_str(g, "annotations");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < o->n_annotations; i++)
			put_key_str(g, o->annotations[i].key, o->annotations[i].value);
		yajl_gen_map_close(g);
	}

	put_str(g, "linux");
	yajl_gen_map_open(g);
	/* Rootless: an unprivileged user namespace can map only the caller's own
	 * ids, and without cgroup delegation no limits could be applied. */
	if (rootless) {
		put_id_mapping(g, "uidMappings", getuid());
		put_id_mapping(g, "gidMappings", getgid());
	} else {
		put_str(g, "resources");
		yajl_gen_map_open(g);
		put_str(g, "devices");
		yajl_gen_array_open(g);
		yajl_gen_map_open(g);
		put_key_bool(g, "allow", false);
		put_key_str(g, "access", "rwm");
		yajl_gen_map_close(g);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	/* Rootless: a new network namespace could not be given connectivity; the
	 * user namespace is what lets the others be created at all. */
	static const enum spec_ns_type namespaces[2][6] = {
		{ SPEC_NS_PID, SPEC_NS_NETWORK, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP },
		{ SPEC_NS_PID, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP, SPEC_NS_USER },
	};
	put_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof(namespaces[0]) / sizeof(namespaces[0][0]); i++) {
		yajl_gen_map_open(g);
		put_key_str(g, "type", spec_ns_name(namespaces[rootless][i]));
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	put_key_strs(g, "maskedPaths", masked_paths);
	put_key_strs(g, "readonlyPaths", readonly_paths);
	if (seccomp) {
		put_str(g, "seccomp");
		put_tree(g, seccomp);
	}
	yajl_gen_map_close(g);

	yajl_gen_map_close(g);
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Publish tmp as path unless path exists.  renameat2(RENAME_NOREPLACE)
 * where the filesystem has it, link() (also no-replace) where it does not. */
static int publish(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(tmp, path) < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

static int write_atomically(const char *dir, const char *path, const unsigned char *buf,
			    size_t len)
{
	char tmp[PATH_MAX];
	int fd = -1, rc;

	for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
		if (snprintf(tmp, sizeof(tmp), "%s/.config.json.%ld.%d", dir, (long)getpid(),
			     attempt) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	rc = write_all(fd, buf, len);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc)
		rc = publish(tmp, path);
	if (rc)
		unlink(tmp);
	return rc;
}

int spec_write_default(const char *dir, bool rootless, const char *seccomp, struct spec_err *err)
{
	return spec_write_config(dir, rootless, seccomp, NULL, err);
}

int spec_write_config(const char *dir, bool rootless, const char *seccomp, const struct spec_overrides *o,
		      struct spec_err *err)
{
	yajl_val sc = NULL;
	struct spec_err dummy;
	char path[PATH_MAX];
	const unsigned char *buf;
	size_t len;
	struct stat st;
	yajl_gen g;
	int rc;

	if (!err)
		err = &dummy;
	if (snprintf(path, sizeof(path), "%s/config.json", dir) >= (int)sizeof(path)) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	/* Checked here for an early, clear answer; publish() is what enforces it. */
	if (lstat(path, &st) == 0) {
		rc = -EEXIST;
		goto fail;
	}
	if (seccomp && !(sc = yajl_tree_parse(seccomp, NULL, 0))) {
		rc = -EINVAL;
		goto fail;
	}
	g = yajl_gen_alloc(NULL);
	if (!g) {
		rc = -ENOMEM;
		goto fail;
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	put_default(g, rootless, sc, o);
	rc = yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok
		     ? write_atomically(dir, path, buf, len) : -ENOMEM;
	yajl_gen_free(g);
fail:
	if (sc)
		yajl_tree_free(sc);
	if (!rc)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s/config.json: %s", dir,
		 rc == -EEXIST ? "file exists" : strerror(-rc));
	return rc;
}
