/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for runtime/ logic that needs no namespaces: signal names,
 * container IDs, the state store, safe path creation inside a root. */
#include "runtime/container.h"
#include "runtime/state.h"
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static void test_signals(void)
{
	UNIT_GROUP("parse_signal");
	CHECK_INT(parse_signal("9"), SIGKILL);
	CHECK_INT(parse_signal("KILL"), SIGKILL);
	CHECK_INT(parse_signal("SIGKILL"), SIGKILL);
	CHECK_INT(parse_signal("sigterm"), SIGTERM);
	CHECK_INT(parse_signal("TERM"), SIGTERM);
	CHECK_INT(parse_signal("USR1"), SIGUSR1);
	CHECK_INT(parse_signal("SIGHUP"), SIGHUP);
	CHECK_INT(parse_signal("RTMIN+1"), SIGRTMIN + 1);
	CHECK_INT(parse_signal("RTMAX-2"), SIGRTMAX - 2);
	CHECK_INT(parse_signal("FOO"), -EINVAL);
	CHECK_INT(parse_signal("0"), 0);
	CHECK_INT(parse_signal("SIG0"), -EINVAL);
	CHECK_INT(parse_signal("65"), -EINVAL);
	CHECK_INT(parse_signal("-9"), -EINVAL);
	CHECK_INT(parse_signal(""), -EINVAL);
	CHECK_INT(parse_signal("RTMIN+99"), -EINVAL);
}

static void test_ids(void)
{
	struct hull_err e;
	UNIT_GROUP("state_validate_id");
	CHECK_INT(state_validate_id("abc", &e), 0);
	CHECK_INT(state_validate_id("a-b_c.d+e9", &e), 0);
	CHECK_INT(state_validate_id("", &e), -EINVAL);
	CHECK_INT(state_validate_id(".", &e), -EINVAL);
	CHECK_INT(state_validate_id("..", &e), -EINVAL);
	CHECK_INT(state_validate_id("a/b", &e), -EINVAL);
	CHECK(strstr(e.msg, "\"a/b\"") != NULL);
	CHECK_INT(state_validate_id("a b", &e), -EINVAL);
	CHECK_INT(state_validate_id("../x", &e), -EINVAL);
}

static void test_state_roundtrip(const char *tmp)
{
	struct hull_err e;
	char root[512];
	snprintf(root, sizeof root, "%s/root", tmp);
	UNIT_GROUP("state store");
	int rootfd = state_open_root(root, &e);
	if (!CHECK(rootfd >= 0))
		return;
	int dirfd = -1;
	CHECK_INT(state_create_dir(rootfd, "c1", &dirfd, &e), 0);
	int dup = -1;
	CHECK_INT(state_create_dir(rootfd, "c1", &dup, &e), -EEXIST);
	CHECK_STR(e.msg, "container \"c1\" already exists");

	struct spec_kv ann[] = { { "k", "v" }, { "x.y", "z \"q\"" } };
	struct cstate st = { .id = "c1", .bundle = "/b", .rootfs = "/b/rootfs",
			     .created = "2026-01-01T00:00:00.000000000Z", .pid = getpid(),
			     .start_time = proc_start_time(getpid()), .annotations = ann,
			     .n_annotations = 2 };
	st.cg.v2 = 1;
	st.cg.n = 2;
	st.cg.dirs[0] = "/sys/fs/cgroup/cpu/hull/c1";
	st.cg.bases[0] = "/sys/fs/cgroup/cpu";
	st.cg.ctrls[0] = "cpu";
	st.cg.dirs[1] = "/sys/fs/cgroup/unified/hull/c1";
	st.cg.bases[1] = "/sys/fs/cgroup/unified";
	st.cg.ctrls[1] = "";
	CHECK_INT(state_write(dirfd, &st, &e), 0);

	struct cstate rd;
	if (CHECK_INT(state_read(dirfd, "c1", &rd, &e), 0)) {
		CHECK_STR(rd.id, "c1");
		CHECK_STR(rd.bundle, "/b");
		CHECK_STR(rd.rootfs, "/b/rootfs");
		CHECK_INT(rd.pid, getpid());
		CHECK_UINT(rd.start_time, st.start_time);
		CHECK_INT(rd.n_annotations, 2);
		CHECK_STR(rd.annotations[1].value, "z \"q\"");
		CHECK_INT(rd.cg.n, 2);
		CHECK_INT(rd.cg.v2, 1);
		CHECK_STR(rd.cg.dirs[1], "/sys/fs/cgroup/unified/hull/c1");
		CHECK_STR(rd.cg.ctrls[0], "cpu");
		/* This process is alive and there is no exec.fifo: running. */
		CHECK_INT(state_status(dirfd, &rd), ST_RUNNING);
		CHECK(mkfifoat(dirfd, "exec.fifo", 0622) == 0);
		CHECK_INT(state_status(dirfd, &rd), ST_CREATED);
		rd.start_time++;
		CHECK_INT(state_status(dirfd, &rd), ST_STOPPED);
		char *json = state_oci_json(&rd, ST_RUNNING, false);
		CHECK(json && strstr(json, "\"status\":\"running\"") && strstr(json, "\"ociVersion\":\"1.3.0\""));
		CHECK(json && !strstr(json, "hull"));
		free(json);
		/* `hull state`'s layout: yajl_gen's beautify, two spaces a level. */
		rd.pid = 42;
		json = state_oci_json(&rd, ST_STOPPED, true);
		CHECK_STR(json, "{\n  \"ociVersion\": \"1.3.0\",\n  \"id\": \"c1\",\n  \"status\": \"stopped\",\n"
				"  \"pid\": 42,\n  \"bundle\": \"/b\",\n  \"rootfs\": \"/b/rootfs\",\n"
				"  \"created\": \"2026-01-01T00:00:00.000000000Z\",\n  \"owner\": \"\",\n"
				"  \"annotations\": {\n    \"k\": \"v\",\n    \"x.y\": \"z \\\"q\\\"\"\n  }\n}\n");
		free(json);
		state_free(&rd);
	}
	/* Creating: its creator (this process) read back and told apart from
	 * a later process of its pid (another start time). */
	st.creating = true;
	st.creator = getpid();
	st.creator_start = proc_start_time(getpid());
	CHECK_INT(state_write(dirfd, &st, &e), 0);
	if (CHECK_INT(state_read(dirfd, "c1", &rd, &e), 0)) {
		CHECK_INT(rd.creator, getpid());
		CHECK_UINT(rd.creator_start, st.creator_start);
		CHECK_INT(state_status(dirfd, &rd), ST_CREATING);
		rd.creator_start++;
		CHECK_INT(state_status(dirfd, &rd), ST_STOPPED);
		state_free(&rd);
	}
	st.creating = false;
	st.creator = 0;
	/* Strings escaped as JSON wants them, negative numbers, no cgroup2. */
	struct spec_kv odd[] = { { "q\"k\\", "nl\n tab\t ctl\001 del\177 slash/ back\\ \xc3\xa9" } };
	st.annotations = odd;
	st.n_annotations = 1;
	st.cg.v2 = -1;
	st.pid = -7;
	CHECK_INT(state_write(dirfd, &st, &e), 0);
	char *raw = NULL;
	if (CHECK_INT(read_file_at(dirfd, "state.json", &raw, NULL), 0)) {
		CHECK(strstr(raw, "\"annotations\":{\"q\\\"k\\\\\":\"nl\\n tab\\t ctl\\u0001 del\177 slash/ back\\\\ \xc3\xa9\"}") != NULL);
		CHECK(strstr(raw, "\"pid\":-7,") != NULL);
		CHECK(strstr(raw, "\"cgroupV2\":-1,") != NULL);
		free(raw);
	}
	if (CHECK_INT(state_read(dirfd, "c1", &rd, &e), 0)) {
		CHECK_STR(rd.annotations[0].key, odd[0].key);
		CHECK_STR(rd.annotations[0].value, odd[0].value);
		CHECK_INT(rd.cg.v2, -1);
		state_free(&rd);
	}
	/* Larger than the reader's own memory (the file and yajl's blocks then
	 * come from the heap, partly or whole): still read whole. */
	static const size_t sizes[] = { 100, 300, 2000 };
	for (size_t big = 0; big < 3; big++) {
		size_t nb = sizes[big];
		struct spec_kv *many = calloc(nb, sizeof *many);
		char (*names)[24] = calloc(nb, sizeof *names);
		for (size_t i = 0; many && names && i < nb; i++) {
			snprintf(names[i], sizeof names[i], "k%zu", i);
			many[i].key = names[i];
			many[i].value = "a value of some length, to fill the file";
		}
		st.annotations = many;
		st.n_annotations = many && names ? nb : 0;
		CHECK_INT(state_write(dirfd, &st, &e), 0);
		if (CHECK_INT(state_read(dirfd, "c1", &rd, &e), 0)) {
			CHECK_INT(rd.n_annotations, nb);
			if (rd.n_annotations == nb) {
				CHECK_STR(rd.annotations[nb - 1].key, names[nb - 1]);
				CHECK_STR(rd.annotations[nb - 1].value, many[nb - 1].value);
			}
			CHECK_STR(rd.id, "c1");
			state_free(&rd);
		}
		free(many);
		free(names);
	}
	st.annotations = odd;
	st.n_annotations = 1;
	/* A corrupt document is refused, not half read. */
	CHECK_INT(write_file_atomic(dirfd, "state.json", "{\"id\":", 6, 0600), 0);
	CHECK_INT(state_read(dirfd, "c1", &rd, &e), -EINVAL);
	CHECK_STR(e.msg, "state of \"c1\" is corrupt");
	/* A string the file cuts short with a NUL (\u0000), or a path longer
	 * than hull's path buffers take, is refused, naming it. */
	static const char nul[] = "{\"id\":\"c1\",\"bundle\":\"/b\\u0000/x\",\"rootfs\":\"/r\",\"created\":\"t\"}";
	CHECK_INT(write_file_atomic(dirfd, "state.json", nul, sizeof nul - 1, 0600), 0);
	CHECK_INT(state_read(dirfd, "c1", &rd, &e), -EINVAL);
	CHECK_STR(e.msg, "state of \"c1\" is corrupt: state.json: bundle: string contains a NUL byte");
	static const struct {
		const char *doc, *msg;
	} cut[] = {
		{ "{\"id\":\"c\\u00001\"}", "id: string contains a NUL byte" },
		{ "{\"id\":\"c1\",\"annotations\":{\"a\":\"1\",\"org.b\":\"x\\u0000\"}}",
		  "annotations[\"org.b\"]: string contains a NUL byte" },
		{ "{\"annotations\":{\"a\\u0000\":\"1\"}}", "annotations: key contains a NUL byte" },
		{ "{\"hull\":{\"systemdUnit\":\"a\\u0000.scope\"}}", "hull.systemdUnit: string contains a NUL byte" },
		{ "{\"hull\":{\"cgroups\":[{\"dir\":\"/a\",\"base\":\"/\",\"controllers\":\"\"},{\"dir\":\"/sys\\u0000\"}]}}",
		  "hull.cgroups[1].dir: string contains a NUL byte" },
		{ "{\"x\\u0000\":1}", "key contains a NUL byte" },
	};
	for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
		char want[256];
		snprintf(want, sizeof want, "state of \"c1\" is corrupt: state.json: %s", cut[i].msg);
		CHECK_INT(state_parse(cut[i].doc, strlen(cut[i].doc), "c1", false, &rd, &e), -EINVAL);
		CHECK_STR(e.msg, want);
	}
	size_t big = 2 * PATH_MAX;
	char *longpath = malloc(big + 200);
	for (int field = 0; field < 3; field++) {
		for (size_t len = PATH_MAX - 1; len <= PATH_MAX; len++) {
			static const char *const pre[] = {
				"{\"id\":\"c1\",\"rootfs\":\"/r\",\"created\":\"t\",\"bundle\":\"",
				"{\"id\":\"c1\",\"bundle\":\"/b\",\"created\":\"t\",\"rootfs\":\"",
				"{\"id\":\"c1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"created\":\"t\","
				"\"hull\":{\"cgroups\":[{\"base\":\"/\",\"controllers\":\"\",\"dir\":\"",
			};
			static const char *const post[] = { "\"}", "\"}", "\"}]}}" };
			static const char *const name[] = { "bundle", "rootfs", "hull.cgroups[0].dir" };
			size_t n = strlen(pre[field]);
			memcpy(longpath, pre[field], n);
			memset(longpath + n, 'a', len);
			strcpy(longpath + n + len, post[field]);
			int r = state_parse(longpath, strlen(longpath), "c1", false, &rd, &e);
			if (len < PATH_MAX) {
				CHECK_INT(r, 0);
				state_free(&rd);
				continue;
			}
			char want[256];
			snprintf(want, sizeof want, "state of \"c1\" is corrupt: state.json: %s: path longer than PATH_MAX allows (4095 bytes)",
				 name[field]);
			CHECK_INT(r, -EINVAL);
			CHECK_STR(e.msg, want);
		}
	}
	free(longpath);

	CHECK_INT(state_remove_dir(rootfd, dirfd, "c1"), 0);
	close(dirfd);
	CHECK_INT(state_open_dir(rootfd, "c1", 0, &dirfd, &e), -ENOENT);
	CHECK_STR(e.msg, "container \"c1\" does not exist");
	close(rootfd);
}

/* root_mkdir_all must never leave the root, whatever the symlinks say. */
static void test_mkdir_in_root(const char *tmp)
{
	char root[512], outside[512], path[1024];
	struct stat sb;
	snprintf(root, sizeof root, "%s/rootfs", tmp);
	snprintf(outside, sizeof outside, "%s/outside", tmp);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(path, sizeof path, "%s/evil", root);
	CHECK(symlink(outside, path) == 0);          /* absolute link out */
	snprintf(path, sizeof path, "%s/up", root);
	CHECK(symlink("../outside", path) == 0);     /* relative link out */
	int rootfd = open(root, O_PATH | O_DIRECTORY);

	UNIT_GROUP("root_mkdir_all");
	int fd = root_mkdir_all(rootfd, "/a/b/c", 0755);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/a/b/c", root);
	CHECK(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));

	fd = root_mkdir_all(rootfd, "/evil/x", 0755);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/x", outside);
	CHECK(stat(path, &sb) < 0);                  /* nothing made on the host side */

	fd = root_mkdir_all(rootfd, "/up/y", 0755);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/y", outside);
	CHECK(stat(path, &sb) < 0);

	fd = root_mkdir_all(rootfd, "/../../z", 0755);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/z", tmp);
	CHECK(stat(path, &sb) < 0);
	snprintf(path, sizeof path, "%s/../z", tmp);
	CHECK(stat(path, &sb) < 0);
	close(rootfd);
}

static void test_util(const char *tmp)
{
	uint64_t v;
	UNIT_GROUP("util");
	CHECK_INT(parse_u64("42", &v), 0);
	CHECK_UINT(v, 42);
	CHECK_INT(parse_u64("18446744073709551615", &v), 0);
	CHECK_UINT(v, UINT64_MAX);
	CHECK_INT(parse_u64("18446744073709551616", &v), -EINVAL);
	CHECK_INT(parse_u64("-1", &v), -EINVAL);
	CHECK_INT(parse_u64("1x", &v), -EINVAL);
	CHECK_INT(parse_u64("", &v), -EINVAL);
	char path[512];
	snprintf(path, sizeof path, "%s/m/n/o", tmp);
	CHECK_INT(mkdir_p(path, 0755), 0);
	CHECK_INT(mkdir_p(path, 0755), 0);
	int dfd = open(tmp, O_PATH | O_DIRECTORY);
	CHECK_INT(write_file_atomic(dfd, "f", "hello", 5, 0644), 0);
	char *s = NULL;
	CHECK_INT(read_file_at(dfd, "f", &s, NULL), 0);
	CHECK_STR(s, "hello");
	free(s);
	close(dfd);
	struct hull_err e;
	CHECK_INT(hull_syserr(&e, ENOENT, "open %s", "x"), -ENOENT);
	CHECK_STR(e.msg, "open x: No such file or directory");
	CHECK(proc_start_time(getpid()) > 0);
	CHECK_UINT(proc_start_time(0x7ffffff0), 0);
}

static void test_procfs_paths(void)
{
	UNIT_GROUP("procfs");
	static const char *const cases[][2] = {
		{ "/proc/sys/net", "/proc/sys/net" }, { "//proc//sys/./net/", "/proc/sys/net" },
		{ "/tmp/../proc/sys", "/proc/sys" }, { "/../../proc", "/proc" }, { "/proc/..", "/" },
		{ "/", "/" }, { "/a/b/../../..", "/" }, { "/./proc/./", "/proc" }, { "/procx/..x", "/procx/..x" },
	};
	char out[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rootfs_clean_path(cases[i][0], out, sizeof out);
		CHECK_STR(out, cases[i][1]);
	}
	int root = procfs_root();
	if (!CHECK(root >= 0))
		return;
	int fd = procfs_open(root, "sys/kernel/ostype", O_RDONLY, true);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* "self" is a symlink (refused for sysctls, followed otherwise) */
	CHECK_INT(procfs_open(root, "self/status", O_RDONLY, true), -ELOOP);
	fd = procfs_open(root, "self/status", O_RDONLY, false);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* magic links and ".." out of /proc never */
	CHECK_INT(procfs_open(root, "self/exe", O_RDONLY, false), -ELOOP);
	CHECK_INT(procfs_open(root, "../etc/passwd", O_RDONLY, false), -EXDEV);
	CHECK_STR(procfs_why(-EXDEV), "crosses a mount");
	CHECK(procfs_why(-ENOENT) == NULL);
	close(root);
}

/* rfc3339_utc against glibc's gmtime_r + strftime over dates that test the
 * calendar: the epoch, before it, leap days, century years, far ahead. */
static void test_rfc3339(void)
{
	UNIT_GROUP("rfc3339_utc");
	const time_t t[] = { 0, -1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400 /* 2100-03-01 */,
			     4107456000, 1798761599, 1798761600, -86400 * 366LL, 253402300799 /* 9999-12-31 */, 1732700000 };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct timespec ts = { t[i], 123456789 };
		struct tm tm;
		char want[64], got[64];
		gmtime_r(&t[i], &tm);
		size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof want - n, ".%09ldZ", ts.tv_nsec);
		rfc3339_utc(&ts, got, sizeof got);
		CHECK_STR(got, want);
	}
	/* every day of four years, noon */
	int bad = 0;
	for (time_t d = 0; d < 4 * 366; d++) {
		time_t x = 1700000000 + d * 86400;
		struct timespec ts = { x, 0 };
		struct tm tm;
		char want[64], got[64];
		gmtime_r(&x, &tm);
		size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof want - n, ".%09ldZ", 0L);
		rfc3339_utc(&ts, got, sizeof got);
		bad += strcmp(got, want) != 0;
	}
	CHECK_INT(bad, 0);
}

static void test_systemd_paths(void)
{
	char slice[256], unit[256], path[512];
	struct hull_err e;
	UNIT_GROUP("systemd cgroupsPath");
	CHECK_INT(systemd_parse_path("system.slice:hull:abc", "id", slice, sizeof slice, unit, sizeof unit, &e), 0);
	CHECK_STR(slice, "system.slice");
	CHECK_STR(unit, "hull-abc.scope");
	CHECK_INT(systemd_parse_path("", "c1", slice, sizeof slice, unit, sizeof unit, &e), 0);
	CHECK_STR(slice, "system.slice");
	CHECK_STR(unit, "hull-c1.scope");
	CHECK_INT(systemd_parse_path(":pfx:n", "c1", slice, sizeof slice, unit, sizeof unit, &e), 0);
	CHECK_STR(slice, "system.slice");
	CHECK_STR(unit, "pfx-n.scope");
	CHECK_INT(systemd_parse_path("a-b.slice::x.scope", "c1", slice, sizeof slice, unit, sizeof unit, &e), 0);
	CHECK_STR(unit, "x.scope");
	CHECK_INT(systemd_parse_path("/abs/path", "c1", slice, sizeof slice, unit, sizeof unit, &e), -EINVAL);
	CHECK(strstr(e.msg, "slice:prefix:name") != NULL);
	CHECK_INT(systemd_parse_path("notaslice:p:n", "c1", slice, sizeof slice, unit, sizeof unit, &e), -EINVAL);
	CHECK_INT(systemd_parse_path("a.slice:p:n/x", "c1", slice, sizeof slice, unit, sizeof unit, &e), -EINVAL);
	systemd_cgroup_path("system.slice", "hull-c1.scope", path, sizeof path);
	CHECK_STR(path, "/system.slice/hull-c1.scope");
	systemd_cgroup_path("a-b-c.slice", "u.scope", path, sizeof path);
	CHECK_STR(path, "/a.slice/a-b.slice/a-b-c.slice/u.scope");
	systemd_cgroup_path("-.slice", "u.scope", path, sizeof path);
	CHECK_STR(path, "/u.scope");
}

static void test_spawn_what(void)
{
	char b[256];
	UNIT_GROUP("spawn_what (clone3's error)");
	spawn_what(b, sizeof b, CLONE_INTO_CGROUP | CLONE_NEWPID | CLONE_NEWNS, "/sys/fs/cgroup/unified/hull/c1", false);
	CHECK_STR(b, "clone3 into cgroup /sys/fs/cgroup/unified/hull/c1 with new pid,mount namespaces");
	/* refused (EBUSY) and tried again outside it: no cgroup named */
	spawn_what(b, sizeof b, CLONE_NEWNET, "/sys/fs/cgroup/hull/c1", false);
	CHECK_STR(b, "clone3 with new network namespace");
	spawn_what(b, sizeof b, CLONE_INTO_CGROUP, NULL, true);
	CHECK_STR(b, "clone3 in the joined user namespace");
	spawn_what(b, sizeof b, 0, NULL, false);
	CHECK_STR(b, "clone3");
	spawn_what(b, sizeof b, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS |
		   CLONE_NEWCGROUP | CLONE_NEWTIME, NULL, false);
	CHECK_STR(b, "clone3 with new user,pid,network,ipc,uts,mount,cgroup,time namespaces");
	/* cut short, still one NUL-terminated line */
	char s[24];
	spawn_what(s, sizeof s, CLONE_INTO_CGROUP | CLONE_NEWPID, "/a/very/long/cgroup/path", true);
	CHECK_STR(s, "clone3 into cgroup /a/v");
}

int main(void)
{
	char tmp[] = "/tmp/hull-unit.XXXXXX";
	if (!mkdtemp(tmp))
		return 1;
	test_signals();
	test_ids();
	test_state_roundtrip(tmp);
	test_mkdir_in_root(tmp);
	test_util(tmp);
	test_procfs_paths();
	test_rfc3339();
	test_systemd_paths();
	test_spawn_what();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return unit_done();
}
