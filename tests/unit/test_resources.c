/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cgroups/resources.c: which cgroup files linux.resources
 * writes, and what, on stand-in cgroup directories (plain directories of
 * empty files, a v1 set and a v2 one).  Above all the zeros engines write for
 * what the user did not ask for: each means what it means to runc 1.1 (not
 * set), so nothing is written for it. */
#include "cgroups/cgroups.h"
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The stand-in hierarchies: directory name, controllers, files. */
static const struct fake_dir {
	const char *name, *ctrls;
	const char *files[12];
} v1_dirs[] = {
	{ "memory", "memory", { "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
				"memory.swappiness", "memory.oom_control", "memory.usage_in_bytes" } },
	{ "cpu", "cpu,cpuacct", { "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.rt_period_us",
				  "cpu.rt_runtime_us" } },
	{ "pids", "pids", { "pids.max" } },
	{ "blkio", "blkio", { "blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.leaf_weight_device",
			      "blkio.throttle.read_bps_device" } },
	{ "net_cls", "net_cls,net_prio", { "net_cls.classid", "net_prio.ifpriomap" } },
	{ "cpuset", "cpuset", { "cpuset.cpus", "cpuset.mems" } },
}, v2_dirs[] = {
	{ "unified", "", { "cgroup.controllers", "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max",
			   "io.weight", "pids.max", "cpuset.cpus", "cpuset.mems" } },
};

struct fake {
	struct cgroup_set cg;
	const struct fake_dir *dirs;
	size_t n;
};

/* Every file of the stand-in set empty again (cgroup.controllers listing
 * the v2 controllers, all enabled for the container's directory). */
static void fake_reset(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++)
		for (size_t k = 0; f->dirs[i].files[k]; k++) {
			char path[1200];
			snprintf(path, sizeof path, "%s/%s", f->cg.dirs[i], f->dirs[i].files[k]);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				continue;
			if (!strcmp(f->dirs[i].files[k], "cgroup.controllers"))
				(void)!write(fd, "cpuset cpu io memory pids\n", 26);
			close(fd);
		}
}

static void fake_init(struct fake *f, const char *tmp, const struct fake_dir *dirs, size_t n, bool v2)
{
	memset(f, 0, sizeof *f);
	f->dirs = dirs;
	f->n = n;
	f->cg.n = n;
	f->cg.v2 = v2 ? 0 : -1;
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", tmp, dirs[i].name);
		mkdir(path, 0755);
		f->cg.dirs[i] = strdup(path);
		f->cg.bases[i] = strdup(path);
		f->cg.ctrls[i] = strdup(dirs[i].ctrls);
	}
	fake_reset(f);
}

static void fake_free(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->cg.dirs[i]);
		free(f->cg.bases[i]);
		free(f->cg.ctrls[i]);
	}
}

/* What hull wrote into FILE ("" for nothing; the last write of several). */
static const char *got(struct fake *f, const char *file)
{
	static char buf[256];
	buf[0] = 0;
	for (size_t i = 0; i < f->n; i++) {
		char path[1200], *s = NULL;
		snprintf(path, sizeof path, "%s/%s", f->cg.dirs[i], file);
		if (read_file(path, &s, NULL) == 0) {
			snprintf(buf, sizeof buf, "%s", s);
			free(s);
			return buf;
		}
	}
	return "(no such file)";
}

/* The names of the files that are not empty, "" when none is. */
static const char *written(struct fake *f)
{
	static char buf[1024];
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = 0; f->dirs[i].files[j]; j++) {
			struct stat st;
			char path[1200];
			if (!strcmp(f->dirs[i].files[j], "cgroup.controllers"))
				continue;
			snprintf(path, sizeof path, "%s/%s", f->cg.dirs[i], f->dirs[i].files[j]);
			if (stat(path, &st) == 0 && st.st_size > 0 && k < sizeof buf - 1)
				k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? " " : "", f->dirs[i].files[j]);
		}
	return buf;
}

/* Parse JSON as a linux.resources object and apply it (update or create)
 * to the freshly emptied set; the result, e filled on failure. */
static int apply_json(struct fake *f, const char *json, bool update, struct hull_err *e)
{
	struct spec_resources *res = NULL;
	void *mem = NULL;
	struct spec_err serr;
	fake_reset(f);
	e->code = 0;
	e->msg[0] = 0;
	if (spec_resources_parse(json, strlen(json), "test", &res, &mem, &serr) < 0) {
		snprintf(e->msg, sizeof e->msg, "%s", serr.msg);
		return -EINVAL;
	}
	int r = cgroup_apply(&f->cg, res, update, e);
	spec_process_free(mem);
	return r;
}

/* What Docker 20.10 writes into a create's config for `docker run` without
 * resource flags, and what it sends with every `docker update`. */
static const char docker_create[] =
	"{\"memory\": {\"limit\": 0, \"reservation\": 0, \"swap\": 0, \"kernel\": 0, \"kernelTCP\": 0,"
	" \"disableOOMKiller\": false},"
	" \"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0, \"realtimeRuntime\": 0, \"realtimePeriod\": 0,"
	" \"cpus\": \"\", \"mems\": \"\"},"
	" \"pids\": {\"limit\": 0}, \"blockIO\": {\"weight\": 0, \"leafWeight\": 0,"
	" \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 0, \"leafWeight\": 0}]},"
	" \"network\": {\"classID\": 0}}";
static const char docker_update[] =
	"{\"memory\": {\"limit\": 268435456, \"reservation\": 0, \"swap\": 0, \"kernel\": 0},"
	" \"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0}, \"blockIO\": {\"weight\": 0}}";

static void test_zeros(struct fake *f, const char *what)
{
	struct hull_err e;
	char group[64];
	snprintf(group, sizeof group, "zeros are not set (%s)", what);
	UNIT_GROUP(group);
	CHECK_INT(apply_json(f, docker_create, false, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(written(f), "");
	CHECK_INT(apply_json(f, docker_create, true, &e), 0);
	CHECK_STR(written(f), "");
	/* one field at a time, each alone in its section */
	static const char *one[] = {
		"{\"memory\": {\"limit\": 0}}", "{\"memory\": {\"reservation\": 0}}", "{\"memory\": {\"swap\": 0}}",
		"{\"memory\": {\"disableOOMKiller\": false}}", "{\"cpu\": {\"shares\": 0}}", "{\"cpu\": {\"quota\": 0}}",
		"{\"cpu\": {\"period\": 0}}", "{\"cpu\": {\"realtimePeriod\": 0}}", "{\"cpu\": {\"realtimeRuntime\": 0}}",
		"{\"cpu\": {\"cpus\": \"\", \"mems\": \"\"}}", "{\"cpu\": {\"burst\": 0, \"idle\": 0}}",
		"{\"pids\": {\"limit\": 0}}", "{\"blockIO\": {\"weight\": 0}}", "{\"blockIO\": {\"leafWeight\": 0}}",
		"{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 0}]}}",
		"{\"network\": {\"classID\": 0}}", "{\"hugepageLimits\": [], \"rdma\": {}, \"unified\": {}}",
	};
	for (size_t i = 0; i < sizeof one / sizeof *one; i++) {
		int r = apply_json(f, one[i], true, &e);
		if (!CHECK_INT(r, 0) || !CHECK_STR(written(f), ""))
			printf("#   resources: %s\n#   error: %s\n", one[i], e.msg);
	}
	/* Docker's update: the memory limit only */
	CHECK_INT(apply_json(f, docker_update, true, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(written(f), f->cg.v2 >= 0 ? "memory.max" : "memory.limit_in_bytes");
	CHECK_STR(got(f, f->cg.v2 >= 0 ? "memory.max" : "memory.limit_in_bytes"), "268435456");
}

static void test_values_v1(struct fake *f)
{
	struct hull_err e;
	UNIT_GROUP("values are written (v1)");
	CHECK_INT(apply_json(f, "{\"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000}}", false, &e), 0);
	CHECK_STR(written(f), "cpu.shares cpu.cfs_period_us cpu.cfs_quota_us");
	CHECK_STR(got(f, "cpu.cfs_quota_us"), "50000");
	/* a quota alone, and one of -1: no quota */
	CHECK_INT(apply_json(f, "{\"cpu\": {\"quota\": 20000, \"period\": 0}}", true, &e), 0);
	CHECK_STR(written(f), "cpu.cfs_quota_us");
	CHECK_INT(apply_json(f, "{\"cpu\": {\"quota\": -1}}", true, &e), 0);
	CHECK_STR(got(f, "cpu.cfs_quota_us"), "-1");
	CHECK_INT(apply_json(f, "{\"pids\": {\"limit\": -1}}", true, &e), 0);
	CHECK_STR(got(f, "pids.max"), "max");
	CHECK_INT(apply_json(f, "{\"pids\": {\"limit\": 7}}", true, &e), 0);
	CHECK_STR(got(f, "pids.max"), "7");
	CHECK_INT(apply_json(f, "{\"blockIO\": {\"weight\": 300, \"leafWeight\": 0}}", false, &e), 0);
	CHECK_STR(written(f), "blkio.weight");
	CHECK_INT(apply_json(f, "{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 0, \"leafWeight\": 20}]}}",
			     false, &e), 0);
	CHECK_STR(written(f), "blkio.leaf_weight_device");
	CHECK_STR(got(f, "blkio.leaf_weight_device"), "8:0 20");
	/* swappiness 0 is a value (runc), -1 is not set */
	CHECK_INT(apply_json(f, "{\"memory\": {\"swappiness\": 0}}", false, &e), 0);
	CHECK_STR(written(f), "memory.swappiness");
	CHECK_INT(apply_json(f, "{\"memory\": {\"swappiness\": -1}}", false, &e), -EINVAL);
	CHECK_INT(apply_json(f, "{\"memory\": {\"swappiness\": 18446744073709551615}}", false, &e), 0);
	CHECK_STR(written(f), "");
	CHECK_INT(apply_json(f, "{\"memory\": {\"disableOOMKiller\": true}}", false, &e), 0);
	CHECK_STR(got(f, "memory.oom_control"), "1");
	/* an unlimited memory without a swap: memory+swap unlimited too (runc) */
	CHECK_INT(apply_json(f, "{\"memory\": {\"limit\": -1, \"swap\": 0}}", true, &e), 0);
	CHECK_STR(written(f), "memory.limit_in_bytes memory.memsw.limit_in_bytes");
	CHECK_STR(got(f, "memory.memsw.limit_in_bytes"), "-1");
	CHECK_INT(apply_json(f, "{\"network\": {\"classID\": 1048577}}", false, &e), 0);
	CHECK_STR(got(f, "net_cls.classid"), "1048577");
}

static void test_values_v2(struct fake *f)
{
	struct hull_err e;
	UNIT_GROUP("values are written (v2)");
	CHECK_INT(apply_json(f, "{\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 0}}", false, &e), 0);
	CHECK_STR(written(f), "cpu.weight cpu.max");
	CHECK_STR(got(f, "cpu.max"), "50000 100000");
	CHECK_INT(apply_json(f, "{\"cpu\": {\"quota\": 0, \"period\": 200000}}", false, &e), 0);
	CHECK_STR(got(f, "cpu.max"), "max 200000");
	CHECK_INT(apply_json(f, "{\"memory\": {\"limit\": 1048576, \"swap\": 2097152}}", false, &e), 0);
	CHECK_STR(got(f, "memory.swap.max"), "1048576");
	/* -1 without a swap: swap.max too (runc) */
	CHECK_INT(apply_json(f, "{\"memory\": {\"limit\": -1}}", true, &e), 0);
	CHECK_STR(written(f), "memory.max memory.swap.max");
	CHECK_STR(got(f, "memory.swap.max"), "max");
	CHECK_INT(apply_json(f, "{\"memory\": {\"swap\": 2097152, \"limit\": 0}}", false, &e), -EINVAL);
	CHECK(strstr(e.msg, "linux.resources.memory.swap: needs memory.limit") != NULL);
	/* no realtime on v2: refused, but not for zeros */
	CHECK_INT(apply_json(f, "{\"cpu\": {\"realtimePeriod\": 1000}}", false, &e), -ENOTSUP);
	CHECK_INT(apply_json(f, "{\"cpu\": {\"realtimePeriod\": 0, \"realtimeRuntime\": 0}}", false, &e), 0);
	CHECK_INT(apply_json(f, "{\"pids\": {\"limit\": 0}, \"blockIO\": {\"weight\": 10}}", false, &e), 0);
	CHECK_STR(written(f), "io.weight");
	CHECK_STR(got(f, "io.weight"), "1");
}

int main(void)
{
	char tmp[] = "/tmp/hull-unit.XXXXXX";
	if (!mkdtemp(tmp))
		return 1;
	char d1[600], d2[600];
	snprintf(d1, sizeof d1, "%s/v1", tmp);
	snprintf(d2, sizeof d2, "%s/v2", tmp);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	struct fake v1, v2;
	fake_init(&v1, d1, v1_dirs, sizeof v1_dirs / sizeof *v1_dirs, false);
	fake_init(&v2, d2, v2_dirs, sizeof v2_dirs / sizeof *v2_dirs, true);
	test_zeros(&v1, "v1");
	test_zeros(&v2, "v2");
	test_values_v1(&v1);
	test_values_v2(&v2);
	fake_free(&v1);
	fake_free(&v2);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return unit_done();
}
