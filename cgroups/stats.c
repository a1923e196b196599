/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics of a container's cgroups in runc's `events` format. */
#include "cgroups/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#define GS(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

static char *slurp(const char *dir, const char *file)
{
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return read_file(path, &s, NULL) == 0 ? s : NULL;
}

/* A single number file; "max" reads as UINT64_MAX, a missing file as 0. */
static uint64_t num(const char *dir, const char *file)
{
	char *s = slurp(dir, file);
	uint64_t v = 0;
	if (s)
		v = strncmp(s, "max", 3) == 0 ? UINT64_MAX : strtoull(s, NULL, 10);
	free(s);
	return v;
}

/* "key value" lines (cpu.stat, memory.stat, memory.events ...). */
static uint64_t keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; ) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static void kv(yajl_gen g, const char *k, uint64_t v)
{
	GS(g, k);
	/* yajl writes signed integers; beyond INT64_MAX (unlimited) use a number string. */
	if (v > INT64_MAX) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
		yajl_gen_number(g, buf, (size_t)n);
	} else {
		yajl_gen_integer(g, (long long)v);
	}
}

static const char *where(const struct cgroup_set *cg, const char *v1, bool *v2)
{
	int d = cg_v1_dir(cg, v1);
	*v2 = d < 0;
	if (d >= 0)
		return cg->dirs[d];
	return cg->v2 >= 0 ? cg->dirs[cg->v2] : NULL;
}

static void gen_cpu(yajl_gen g, const struct cgroup_set *cg)
{
	bool v2;
	const char *dir = where(cg, "cpuacct", &v2);
	const char *cdir = where(cg, "cpu", &v2);
	GS(g, "cpu");
	yajl_gen_map_open(g);
	GS(g, "usage");
	yajl_gen_map_open(g);
	if (v2 && cdir) {
		char *st = slurp(cdir, "cpu.stat");
		kv(g, "total", keyed(st, "usage_usec") * 1000);
		kv(g, "kernel", keyed(st, "system_usec") * 1000);
		kv(g, "user", keyed(st, "user_usec") * 1000);
		yajl_gen_map_close(g);
		GS(g, "throttling");
		yajl_gen_map_open(g);
		kv(g, "periods", keyed(st, "nr_periods"));
		kv(g, "throttledPeriods", keyed(st, "nr_throttled"));
		kv(g, "throttledTime", keyed(st, "throttled_usec") * 1000);
		free(st);
	} else {
		kv(g, "total", dir ? num(dir, "cpuacct.usage") : 0);
		GS(g, "percpu");
		yajl_gen_array_open(g);
		char *pc = dir ? slurp(dir, "cpuacct.usage_percpu") : NULL;
		for (char *p = pc, *end; p && *p; p = end) {
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				break;
			yajl_gen_integer(g, (long long)v);
		}
		free(pc);
		yajl_gen_array_close(g);
		/* cpuacct.stat counts USER_HZ ticks. */
		char *st = dir ? slurp(dir, "cpuacct.stat") : NULL;
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t tick_ns = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
		kv(g, "kernel", keyed(st, "system") * tick_ns);
		kv(g, "user", keyed(st, "user") * tick_ns);
		free(st);
		yajl_gen_map_close(g);
		GS(g, "throttling");
		yajl_gen_map_open(g);
		char *cs = cdir ? slurp(cdir, "cpu.stat") : NULL;
		kv(g, "periods", keyed(cs, "nr_periods"));
		kv(g, "throttledPeriods", keyed(cs, "nr_throttled"));
		kv(g, "throttledTime", keyed(cs, "throttled_time"));
		free(cs);
	}
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void mem_entry(yajl_gen g, const char *name, uint64_t usage, uint64_t max, uint64_t limit, uint64_t failcnt)
{
	GS(g, name);
	yajl_gen_map_open(g);
	kv(g, "usage", usage);
	kv(g, "max", max);
	kv(g, "limit", limit);
	kv(g, "failcnt", failcnt);
	yajl_gen_map_close(g);
}

static void gen_memory(yajl_gen g, const struct cgroup_set *cg)
{
	bool v2;
	const char *dir = where(cg, "memory", &v2);
	if (!dir)
		return;
	char *st = slurp(dir, "memory.stat");
	GS(g, "memory");
	yajl_gen_map_open(g);
	if (v2) {
		char *ev = slurp(dir, "memory.events");
		kv(g, "cache", keyed(st, "file"));
		mem_entry(g, "usage", num(dir, "memory.current"), num(dir, "memory.peak"), num(dir, "memory.max"),
			  keyed(ev, "max"));
		mem_entry(g, "swap", num(dir, "memory.swap.current"), num(dir, "memory.swap.peak"),
			  num(dir, "memory.swap.max"), keyed(ev, "swap_max"));
		free(ev);
	} else {
		kv(g, "cache", keyed(st, "cache"));
		mem_entry(g, "usage", num(dir, "memory.usage_in_bytes"), num(dir, "memory.max_usage_in_bytes"),
			  num(dir, "memory.limit_in_bytes"), num(dir, "memory.failcnt"));
		mem_entry(g, "swap", num(dir, "memory.memsw.usage_in_bytes"), num(dir, "memory.memsw.max_usage_in_bytes"),
			  num(dir, "memory.memsw.limit_in_bytes"), num(dir, "memory.memsw.failcnt"));
		mem_entry(g, "kernel", num(dir, "memory.kmem.usage_in_bytes"), num(dir, "memory.kmem.max_usage_in_bytes"),
			  num(dir, "memory.kmem.limit_in_bytes"), num(dir, "memory.kmem.failcnt"));
	}
	GS(g, "raw");
	yajl_gen_map_open(g);
	for (char *p = st, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		char *sp = strchr(p, ' ');
		if (!sp || (nl && sp > nl))
			break;
		yajl_gen_string(g, (const unsigned char *)p, (size_t)(sp - p));
		yajl_gen_integer(g, (long long)strtoull(sp + 1, NULL, 10));
	}
	yajl_gen_map_close(g);
	free(st);
	yajl_gen_map_close(g);
}

static void gen_pids(yajl_gen g, const struct cgroup_set *cg)
{
	bool v2;
	const char *dir = where(cg, "pids", &v2);
	if (!dir)
		return;
	GS(g, "pids");
	yajl_gen_map_open(g);
	kv(g, "current", num(dir, "pids.current"));
	uint64_t max = num(dir, "pids.max");
	kv(g, "limit", max == UINT64_MAX ? 0 : max);
	yajl_gen_map_close(g);
}

static void blk_entry(yajl_gen g, unsigned maj, unsigned min, const char *op, uint64_t v)
{
	yajl_gen_map_open(g);
	kv(g, "major", maj);
	kv(g, "minor", min);
	GS(g, "op");
	GS(g, op);
	kv(g, "value", v);
	yajl_gen_map_close(g);
}

static void gen_blkio(yajl_gen g, const struct cgroup_set *cg)
{
	bool v2;
	const char *dir = where(cg, "blkio", &v2);
	GS(g, "blkio");
	yajl_gen_map_open(g);
	static const char *v1files[] = { "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive" };
	static const char *names[] = { "ioServiceBytesRecursive", "ioServicedRecursive" };
	char *io = dir && v2 ? slurp(dir, "io.stat") : NULL;
	for (int k = 0; k < 2 && dir; k++) {
		GS(g, names[k]);
		yajl_gen_array_open(g);
		if (v2) {
			/* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." */
			for (char *p = io, *nl; p && *p; p = nl ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				unsigned maj, min;
				if (sscanf(p, "%u:%u", &maj, &min) != 2)
					continue;
				const char *rk = k ? "rios=" : "rbytes=", *wk = k ? "wios=" : "wbytes=";
				char *r = strstr(p, rk), *w = strstr(p, wk);
				if (r && (!nl || r < nl))
					blk_entry(g, maj, min, "Read", strtoull(r + strlen(rk), NULL, 10));
				if (w && (!nl || w < nl))
					blk_entry(g, maj, min, "Write", strtoull(w + strlen(wk), NULL, 10));
			}
		} else {
			char *s = slurp(dir, v1files[k]);
			for (char *p = s, *nl; p && *p; p = nl ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				unsigned maj, min;
				char op[16];
				unsigned long long v;
				if (sscanf(p, "%u:%u %15s %llu", &maj, &min, op, &v) == 4)
					blk_entry(g, maj, min, op, v);
			}
			free(s);
		}
		yajl_gen_array_close(g);
	}
	free(io);
	yajl_gen_map_close(g);
}

static void gen_hugetlb(yajl_gen g, const struct cgroup_set *cg)
{
	bool v2;
	const char *dir = where(cg, "hugetlb", &v2);
	GS(g, "hugetlb");
	yajl_gen_map_open(g);
	/* The page sizes the host has, from the files of the cgroup. */
	char path[1500];
	snprintf(path, sizeof path, "/sys/kernel/mm/hugepages");
	DIR *d = dir ? opendir(path) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		unsigned long kb;
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		char size[32], f[96];
		if (kb >= 1024 * 1024)
			snprintf(size, sizeof size, "%luGB", kb / (1024 * 1024));
		else if (kb >= 1024)
			snprintf(size, sizeof size, "%luMB", kb / 1024);
		else
			snprintf(size, sizeof size, "%luKB", kb);
		GS(g, size);
		yajl_gen_map_open(g);
		if (v2) {
			snprintf(f, sizeof f, "hugetlb.%s.current", size);
			kv(g, "usage", num(dir, f));
			snprintf(f, sizeof f, "hugetlb.%s.events", size);
			char *ev = slurp(dir, f);
			kv(g, "failcnt", keyed(ev, "max"));
			free(ev);
		} else {
			snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", size);
			kv(g, "usage", num(dir, f));
			snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", size);
			kv(g, "max", num(dir, f));
			snprintf(f, sizeof f, "hugetlb.%s.failcnt", size);
			kv(g, "failcnt", num(dir, f));
		}
		yajl_gen_map_close(g);
	}
	if (d)
		closedir(d);
	yajl_gen_map_close(g);
}

char *cgroup_stats_json(const struct cgroup_set *cg, const char *id)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	GS(g, "type");
	GS(g, "stats");
	GS(g, "id");
	GS(g, id);
	GS(g, "data");
	yajl_gen_map_open(g);
	gen_cpu(g, cg);
	gen_memory(g, cg);
	gen_pids(g, cg);
	gen_blkio(g, cg);
	gen_hugetlb(g, cg);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return json_gen_take(g);
}

int cgroup_oom_count(const struct cgroup_set *cg, uint64_t *count)
{
	bool v2;
	const char *dir = where(cg, "memory", &v2);
	if (!dir)
		return -ENOENT;
	char *s = slurp(dir, v2 ? "memory.events" : "memory.oom_control");
	if (!s)
		return -errno;
	*count = keyed(s, "oom_kill");
	free(s);
	return 0;
}
