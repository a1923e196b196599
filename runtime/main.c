/* SPDX-License-Identifier: Apache-2.0 */
/* The hull command line: runc's commands, flags and exit codes. */
#include "seccomp/seccomp.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/image.h"
#include "runtime/network.h"
#include "runtime/cni.h"
#include "overlay/store.h"
#include "runtime/log.h"
#include "runtime/tty.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef HULL_VERSION
#define HULL_VERSION "0.1.0"
#endif

/* ---- create / run ---------------------------------------------------- */

static const struct flag create_flags[] = {
	{ "bundle", 'b', 1, "path to the bundle (default: current directory)" },
	{ "pid-file", 0, 1, "write the container's init pid to this file" },
	{ "console-socket", 0, 1, "unix socket that receives the pty master (process.terminal)" },
	{ "no-pivot", 0, 0, "move the rootfs with MS_MOVE instead of pivot_root" },
	{ "no-new-keyring", 0, 0, "keep the caller's session keyring" },
	{ "preserve-fds", 0, 1, "pass N extra fds (from 3) to the container" },
	{ "pidfd-socket", 0, 1, "unix socket that receives a pidfd of the container's init" },
	{ "detach", 'd', 0, "run: do not wait for the container" },
	{ "keep", 0, 0, "run: keep the container after it exits" },
	{ "image", 0, 1, "run an image of the store (its config, an overlay of its layers); "
			 "a command after the ID replaces its Cmd", "IMAGE" },
	{ "env", 'e', 2, "--image: set KEY=VALUE in the environment (KEY alone: hull's own value)", "KEY[=VAL]" },
	{ "workdir", 'w', 1, "--image: the working directory", "DIR" },
	{ "user", 'u', 1, "--image: USER[:GROUP], names or numbers (names from the image's /etc/passwd)", "USER[:GRP]" },
	{ "volume", 'v', 2, "--image: bind /HOST/PATH:/CONTAINER/PATH[:ro|rw]", "HOST:CTR" },
	{ "read-only", 0, 0, "--image: a read-only root filesystem" },
	{ "entrypoint", 0, 1, "--image: the program to run instead of the image's Entrypoint (drops its Cmd)", "PROGRAM" },
	{ "tty", 't', 0, "--image: give the program a terminal" },
	{ "rm", 0, 0, "run: with --image, accepted as Podman's (run deletes the container when it exits, unless --keep)" },
	{ "network", 0, 2, "join network NAME (repeat: eth0, eth1, ...), or none (loopback only), host, ns:PATH",
	  "NAME" },
	{ "publish", 'p', 2, "publish a port of the container on the host", "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]" },
	{ "ip", 0, 1, "the IPv4 address on the first network", "IP" },
	{ "ip6", 0, 1, "the IPv6 address on the first network", "IP" },
	{ "mac-address", 0, 1, "the MAC address on the first network", "MAC" },
	{ "dns", 0, 2, "a nameserver for the container's /etc/resolv.conf", "IP" },
	{ "hostname", 0, 1, "the container's hostname (config.json's hostname)", "NAME" },
	{ "add-host", 0, 2, "a line of the container's /etc/hosts", "NAME:IP" },
	{ NULL, 0, 0, NULL },
};
enum { F_BUNDLE, F_PIDFILE, F_CONSOLE, F_NOPIVOT, F_NOKEYRING, F_PRESERVE, F_PIDFD, F_DETACH, F_KEEP,
       F_IMAGE, F_ENV, F_WORKDIR, F_USER, F_VOLUME, F_READONLY, F_ENTRYPOINT, F_TTY, F_RM, F_NFLAGS,
       F_NETWORK = F_NFLAGS, F_PUBLISH, F_IP, F_IP6, F_MAC, F_DNS, F_HOSTNAME, F_ADDHOST };

/* --image and its flags into ir and o (the bundle, the overlay); without
 * --image, its flags and a command after the ID are refused. */
static int image_opts(struct global *g, const struct parsed *p, struct create_opts *o, struct image_run *ir,
		      struct image_prepared *ip, const char *cmdname)
{
	memset(ir, 0, sizeof *ir);
	if (!p->set[F_IMAGE]) {
		for (int f = F_ENV; f < F_NFLAGS; f++)
			if (p->set[f])
				return cli_usage_error("%s: --%s goes with --image", cmdname, create_flags[f].name);
		if (p->argc > 1)
			return cli_usage_error("%s: wrong number of arguments (usage: hull %s <container-id>)", cmdname, cmdname);
		return 0;
	}
	if (p->set[F_BUNDLE])
		return cli_usage_error("%s: --bundle and --image exclude each other", cmdname);
	ir->image = p->val[F_IMAGE];
	ir->env = p->list[F_ENV];
	ir->n_env = p->nlist[F_ENV];
	ir->workdir = p->val[F_WORKDIR];
	ir->user = p->val[F_USER];
	ir->volumes = p->list[F_VOLUME];
	ir->n_volumes = p->nlist[F_VOLUME];
	ir->read_only = p->set[F_READONLY];
	ir->entrypoint = p->val[F_ENTRYPOINT];
	ir->tty = p->set[F_TTY];
	ir->cmd = p->argv + 1;
	ir->n_cmd = (size_t)(p->argc - 1);
	struct hull_err e;
	if (image_prepare(g, ir, o->id, o, ip, &e) < 0)
		return cli_fail(&e);
	return 0;
}

/* --preserve-fds N (absent: 0); -1 after printing the error. */
static int parse_preserve_fds(const char *v, int *out)
{
	uint64_t n = 0;
	if (v && (parse_u64(v, &n) < 0 || n > 1024)) {
		cli_usage_error("--preserve-fds: invalid value \"%s\"", v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* run/create's network flags (runtime/network.h). */
static void net_flags(const struct parsed *p, struct net_flags *f)
{
	*f = (struct net_flags){
		.network = p->list[F_NETWORK], .n_network = p->nlist[F_NETWORK],
		.publish = p->list[F_PUBLISH], .n_publish = p->nlist[F_PUBLISH],
		.ip = p->val[F_IP], .ip6 = p->val[F_IP6], .mac = p->val[F_MAC], .hostname = p->val[F_HOSTNAME],
		.dns = p->list[F_DNS], .n_dns = p->nlist[F_DNS],
		.add_host = p->list[F_ADDHOST], .n_add_host = p->nlist[F_ADDHOST],
	};
}

static int fill_create_opts(struct global *g, const struct parsed *p, struct create_opts *o, struct net_flags *nf)
{
	memset(o, 0, sizeof *o);
	net_flags(p, nf);
	o->net = nf;
	o->store = g->store;
	o->root = g->root;
	o->id = p->argv[0];
	o->bundle = p->val[F_BUNDLE];
	o->pid_file = p->val[F_PIDFILE];
	o->console_socket = p->val[F_CONSOLE];
	o->no_pivot = p->set[F_NOPIVOT];
	o->no_new_keyring = p->set[F_NOKEYRING];
	o->pidfd_socket = p->val[F_PIDFD];
	if (parse_preserve_fds(p->val[F_PRESERVE], &o->preserve_fds) < 0)
		return 1;
	o->systemd_cgroup = g->systemd_cgroup;
	return 0;
}

static int cmd_create(struct global *g, const struct parsed *p)
{
	struct create_opts o;
	struct net_flags nf;
	if (fill_create_opts(g, p, &o, &nf))
		return 1;
	if (p->set[F_DETACH] || p->set[F_KEEP] || p->set[F_RM])
		return cli_usage_error("create: --detach, --keep and --rm belong to run");
	struct image_run ir;
	struct image_prepared ip = { 0 };
	if (image_opts(g, p, &o, &ir, &ip, "create"))
		return 1;
	struct hull_err e;
	pid_t pid;
	int master;
	if (container_create(&o, &pid, &master, &e) < 0) {
		image_unprepare(&ip);
		return cli_fail(&e);
	}
	ip.made = false;   /* the container's now: delete removes it */
	image_unprepare(&ip);
	return 0;
}

/* The signals `run` and `exec` forward to the container's process. */
static void forwarded_signals(sigset_t *fwd)
{
	sigfillset(fwd);
	static const int keep[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTSTP, SIGTTIN, SIGTTOU };
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
		sigdelset(fwd, keep[i]);
}

static int cmd_run(struct global *g, const struct parsed *p)
{
	struct create_opts o;
	struct net_flags nf;
	if (fill_create_opts(g, p, &o, &nf))
		return 1;
	if (p->set[F_RM] && p->set[F_KEEP])
		return cli_usage_error("run: --rm and --keep exclude each other");
	struct image_run ir;
	struct image_prepared ip = { 0 };
	if (image_opts(g, p, &o, &ir, &ip, "run"))
		return 1;
	/* Block the signals to forward before the child exists, so none is
	 * lost; the child unblocks them for itself. */
	sigset_t fwd;
	forwarded_signals(&fwd);
	if (!p->set[F_DETACH])
		sigprocmask(SIG_BLOCK, &fwd, NULL);
	struct hull_err e;
	pid_t pid;
	int master;
	o.foreground = !p->set[F_DETACH];
	o.start = true;
	struct run_keep keep = { .rootfd = -1, .dirfd = -1 };
	if (!p->set[F_DETACH] && !p->set[F_KEEP])
		o.keep = &keep;
	pid = -1;
	if (container_create(&o, &pid, &master, &e) < 0) {
		/* Created but not started (pid set): gone as after a failed start. */
		if (pid > 0) {
			struct hull_err e2;
			if (master >= 0)
				close(master);
			container_delete(g->root, o.id, true, &e2);
		}
		image_unprepare(&ip);
		return cli_fail(&e);
	}
	if (p->set[F_DETACH] || p->set[F_KEEP]) {
		ip.made = false;   /* `hull delete` removes it */
		image_unprepare(&ip);
	}
	if (p->set[F_DETACH])
		return 0;
	int code = wait_relay(pid, &fwd, master);
	if (master >= 0)
		close(master);
	if (code < 0) {
		hlog(LOG_ERROR, "run: waiting for container \"%s\": %s", o.id, strerror(-code));
		code = 255;
	}
	if (!p->set[F_KEEP] && (keep.ok ? container_reap(&keep, o.id, &e) : container_delete(g->root, o.id, true, &e)) < 0)
		cli_fail(&e);
	image_unprepare(&ip);
	return code;
}

/* ---- start / state / kill / delete ----------------------------------- */

static int cmd_start(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	return container_start(g->root, p->argv[0], &e) < 0 ? cli_fail(&e) : 0;
}

static int cmd_state(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	struct cstate st;
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	if (container_open(g->root, p->argv[0], 0, &rootfd, &dirfd, &st, &e) < 0)
		return cli_fail(&e);
	enum cstatus s = state_status(dirfd, &st);
	if (s == ST_STOPPED)
		st.pid = 0;
	char *json = state_oci_json(&st, s, true);
	state_free(&st);
	if (!json)
		return cli_usage_error("out of memory");
	puts(json);
	free(json);
	return 0;
}

static const struct flag kill_flags[] = {
	{ "all", 'a', 0, "send the signal to every process of the container" },
	{ NULL, 0, 0, NULL },
};

static int cmd_kill(struct global *g, const struct parsed *p)
{
	int sig = SIGTERM;
	if (p->argc > 1 && (sig = parse_signal(p->argv[1])) < 0)
		return cli_usage_error("kill: unknown signal \"%s\"", p->argv[1]);
	struct hull_err e;
	return container_kill(g->root, p->argv[0], sig, p->set[0], &e) < 0 ? cli_fail(&e) : 0;
}

static const struct flag delete_flags[] = {
	{ "force", 'f', 0, "kill the container first if it is running" },
	{ NULL, 0, 0, NULL },
};

static int cmd_delete(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	int r = container_delete(g->root, p->argv[0], p->set[0], &e);
	/* runc: delete --force of an unknown container is not an error. */
	if (r == -ENOENT && p->set[0])
		return 0;
	return r < 0 ? cli_fail(&e) : 0;
}

/* ---- exec / ps --------------------------------------------------------- */

static const struct flag exec_flags[] = {
	{ "process", 'p', 1, "process.json to run (runtime-spec process object); other process flags are ignored" },
	{ "detach", 'd', 0, "do not wait for the process" },
	{ "pid-file", 0, 1, "write the process's pid to this file once it runs" },
	{ "console-socket", 0, 1, "unix socket that receives the pty master (with --tty)" },
	{ "tty", 't', 0, "allocate a pseudo terminal" },
	{ "cwd", 0, 1, "working directory in the container" },
	{ "env", 'e', 2, "set an environment variable (K=V), repeatable" },
	{ "user", 'u', 1, "UID[:GID] to run as" },
	{ "additional-gids", 'g', 2, "additional group ID, repeatable" },
	{ "cap", 'c', 2, "add a capability (CAP_...), repeatable" },
	{ "no-new-privs", 0, 0, "set no_new_privs" },
	{ "apparmor", 0, 1, "AppArmor profile" },
	{ "process-label", 0, 1, "SELinux label" },
	{ "preserve-fds", 0, 1, "pass N extra fds (from 3) to the process" },
	{ "ignore-paused", 0, 0, "exec even if the container is paused" },
	{ "cgroup", 0, 1, "run in this sub-cgroup of the container ([ctrl[,ctrl]:]path)" },
	{ "pidfd-socket", 0, 1, "unix socket that receives a pidfd of the process" },
	{ NULL, 0, 0, NULL },
};
enum { X_PROCESS, X_DETACH, X_PIDFILE, X_CONSOLE, X_TTY, X_CWD, X_ENV, X_USER, X_GIDS, X_CAP, X_NNP,
       X_APPARMOR, X_LABEL, X_PRESERVE, X_IGNORE_PAUSED, X_CGROUP, X_PIDFD };

static int cmd_exec(struct global *g, const struct parsed *p)
{
	struct exec_opts o = {
		.root = g->root, .id = p->argv[0], .process_file = p->val[X_PROCESS], .detach = p->set[X_DETACH],
		.tty = p->set[X_TTY], .no_new_privs = p->set[X_NNP], .ignore_paused = p->set[X_IGNORE_PAUSED],
		.pid_file = p->val[X_PIDFILE], .console_socket = p->val[X_CONSOLE], .pidfd_socket = p->val[X_PIDFD],
		.cwd = p->val[X_CWD], .user = p->val[X_USER], .apparmor = p->val[X_APPARMOR],
		.process_label = p->val[X_LABEL], .cgroup = p->val[X_CGROUP],
		.env = p->list[X_ENV], .n_env = p->nlist[X_ENV], .add_gids = p->list[X_GIDS],
		.n_add_gids = p->nlist[X_GIDS], .caps = p->list[X_CAP], .n_caps = p->nlist[X_CAP],
		.args = p->argv + 1, .n_args = (size_t)p->argc - 1,
	};
	if (parse_preserve_fds(p->val[X_PRESERVE], &o.preserve_fds) < 0)
		return 1;
	sigset_t fwd;
	forwarded_signals(&fwd);
	if (!o.detach)
		sigprocmask(SIG_BLOCK, &fwd, NULL);
	struct hull_err e;
	int status;
	/* A failure of hull's own exits 255, as runc's exec does, so that a
	 * caller can tell it from the program's status (usage errors above
	 * stay 1). */
	if (container_exec(&o, &fwd, &status, &e) < 0) {
		cli_fail(&e);
		return 255;
	}
	return status;
}

static const struct flag ps_flags[] = {
	{ "format", 'f', 1, "table or json" },
	{ NULL, 0, 0, NULL },
};

/* ps: JSON is the array of host pids; the table is ps(1)'s output (ps -ef,
 * or the args after the ID) cut to the container's processes. */
static int cmd_ps(struct global *g, const struct parsed *p)
{
	const char *fmt = p->val[0] ? p->val[0] : "table";
	if (strcmp(fmt, "json") && strcmp(fmt, "table"))
		return cli_usage_error("ps: unknown --format \"%s\" (table or json)", fmt);
	struct hull_err e;
	pid_t *pids;
	size_t n;
	if (container_pids(g->root, p->argv[0], &pids, &n, &e) < 0)
		return cli_fail(&e);
	if (strcmp(fmt, "json") == 0) {
		fputs("[", stdout);
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		fputs("]\n", stdout);
		free(pids);
		return 0;
	}
	/* `hull ps ID -- ARGS`: the "--" only ends hull's flags. */
	int skip = p->argc > 1 && strcmp(p->argv[1], "--") == 0 ? 2 : 1;
	int r = ps_table(pids, n, p->argc - skip, p->argv + skip);
	free(pids);
	return r;
}

/* ---- update / pause / resume / events ---------------------------------- */

static const struct flag update_flags[] = {
	{ "resources", 'r', 1, "linux.resources JSON from this file (- for stdin)" },
	{ "memory", 'm', 1, "memory limit (bytes, k/m/g suffixes; -1: unlimited)" },
	{ "memory-reservation", 0, 1, "memory soft limit" },
	{ "memory-swap", 0, 1, "memory+swap limit" },
	{ "kernel-memory", 0, 1, "accepted for runc compatibility (kernel memory limits are gone)" },
	{ "kernel-memory-tcp", 0, 1, "accepted for runc compatibility" },
	{ "cpu-shares", 0, 1, "CPU shares (v2: converted to cpu.weight)" },
	{ "cpu-share", 0, 1, "same as --cpu-shares (runc's name)" },
	{ "cpu-quota", 0, 1, "CFS quota in microseconds (-1: none)" },
	{ "cpu-period", 0, 1, "CFS period in microseconds" },
	{ "cpu-burst", 0, 1, "CFS burst in microseconds" },
	{ "cpu-rt-period", 0, 1, "realtime period (v1)" },
	{ "cpu-rt-runtime", 0, 1, "realtime runtime (v1)" },
	{ "cpu-idle", 0, 1, "SCHED_IDLE for the cgroup (0 or 1)" },
	{ "cpuset-cpus", 0, 1, "CPUs (list)" },
	{ "cpuset-mems", 0, 1, "memory nodes (list)" },
	{ "pids-limit", 0, 1, "maximum number of processes (-1: unlimited)" },
	{ "blkio-weight", 0, 1, "block I/O weight (10-1000)" },
	{ NULL, 0, 0, NULL },
};
enum { U_RES, U_MEM, U_MEMRES, U_SWAP, U_KMEM, U_KMEMTCP, U_SHARES, U_SHARE, U_QUOTA, U_PERIOD, U_BURST,
       U_RTPERIOD, U_RTRUNTIME, U_IDLE, U_CPUS, U_MEMS, U_PIDS, U_BLKIO };

/* "64m", "1g", "4096", "-1": bytes as runc reads them (1024-based suffixes). */
static int parse_bytes(const char *s, int64_t *out)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -EINVAL;
	double mult = 1;
	switch (*end | 0x20) {
	case 'k': mult = 1024.0; end++; break;
	case 'm': mult = 1024.0 * 1024; end++; break;
	case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
	case 't': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (*end || v * mult > 9.2e18)
		return -EINVAL;
	*out = (int64_t)(v * mult);
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static int cmd_update(struct global *g, const struct parsed *p)
{
	struct spec_resources res = { 0 }, *rp = &res;
	struct spec_memory mem = { 0 };
	struct spec_cpu cpu = { 0 };
	struct spec_blockio blk = { 0 };
	void *doc_mem = NULL;
	struct hull_err e;
	if (p->val[U_RES]) {
		const char *f = p->val[U_RES];
		char *buf = NULL;
		size_t len;
		int r = strcmp(f, "-") == 0 ? read_file("/dev/stdin", &buf, &len) : read_file(f, &buf, &len);
		if (r < 0)
			return cli_usage_error("update: --resources %s: %s", f, strerror(-r));
		struct spec_err serr;
		r = spec_resources_parse(buf, len, strcmp(f, "-") == 0 ? "resources (stdin)" : f, &rp, &doc_mem, &serr);
		free(buf);
		if (r < 0)
			return cli_usage_error("%s", serr.msg);
	}
	/* Flags, applied over --resources like runc does. */
	static const struct { int flag; const char *name; } bytes_flags[] = {
		{ U_MEM, "--memory" }, { U_MEMRES, "--memory-reservation" }, { U_SWAP, "--memory-swap" },
	};
	int64_t v[3];
	for (int i = 0; i < 3; i++)
		if (p->val[bytes_flags[i].flag] && parse_bytes(p->val[bytes_flags[i].flag], &v[i]) < 0)
			return cli_usage_error("update: %s: invalid size \"%s\"", bytes_flags[i].name, p->val[bytes_flags[i].flag]);
	if (p->val[U_MEM] || p->val[U_MEMRES] || p->val[U_SWAP]) {
		if (rp->memory)
			mem = *rp->memory;
		if (p->val[U_MEM])
			mem.has_limit = true, mem.limit = v[0];
		if (p->val[U_MEMRES])
			mem.has_reservation = true, mem.reservation = v[1];
		if (p->val[U_SWAP])
			mem.has_swap = true, mem.swap = v[2];
		rp->memory = &mem;
	}
	static const int cpu_flags[] = { U_SHARES, U_SHARE, U_QUOTA, U_PERIOD, U_BURST, U_RTPERIOD, U_RTRUNTIME, U_IDLE };
	bool any_cpu = p->val[U_CPUS] || p->val[U_MEMS];
	int64_t n[8] = { 0 };
	for (size_t i = 0; i < sizeof cpu_flags / sizeof *cpu_flags; i++) {
		const char *s = p->val[cpu_flags[i]];
		if (!s)
			continue;
		if (parse_i64(s, &n[i]) < 0)
			return cli_usage_error("update: --%s: invalid number \"%s\"", update_flags[cpu_flags[i]].name, s);
		any_cpu = true;
	}
	if (any_cpu) {
		if (rp->cpu)
			cpu = *rp->cpu;
		if (p->val[U_SHARES] || p->val[U_SHARE])
			cpu.has_shares = true, cpu.shares = (uint64_t)(p->val[U_SHARES] ? n[0] : n[1]);
		if (p->val[U_QUOTA])
			cpu.has_quota = true, cpu.quota = n[2];
		if (p->val[U_PERIOD])
			cpu.has_period = true, cpu.period = (uint64_t)n[3];
		if (p->val[U_BURST])
			cpu.has_burst = true, cpu.burst = (uint64_t)n[4];
		if (p->val[U_RTPERIOD])
			cpu.has_realtime_period = true, cpu.realtime_period = (uint64_t)n[5];
		if (p->val[U_RTRUNTIME])
			cpu.has_realtime_runtime = true, cpu.realtime_runtime = n[6];
		if (p->val[U_IDLE])
			cpu.has_idle = true, cpu.idle = n[7];
		if (p->val[U_CPUS])
			cpu.cpus = p->val[U_CPUS];
		if (p->val[U_MEMS])
			cpu.mems = p->val[U_MEMS];
		rp->cpu = &cpu;
	}
	if (p->val[U_PIDS]) {
		int64_t pl;
		if (parse_i64(p->val[U_PIDS], &pl) < 0)
			return cli_usage_error("update: --pids-limit: invalid number \"%s\"", p->val[U_PIDS]);
		rp->has_pids_limit = true;
		rp->pids_limit = pl;
	}
	if (p->val[U_BLKIO]) {
		int64_t w;
		/* 0: not set, as every zero here (runc) */
		if (parse_i64(p->val[U_BLKIO], &w) < 0 || (w != 0 && (w < 10 || w > 1000)))
			return cli_usage_error("update: --blkio-weight: \"%s\" is not between 10 and 1000", p->val[U_BLKIO]);
		if (rp->block_io)
			blk = *rp->block_io;
		blk.has_weight = true;
		blk.weight = (uint16_t)w;
		rp->block_io = &blk;
	}
	int r = container_update(g->root, p->argv[0], rp, &e);
	if (doc_mem)
		spec_process_free(doc_mem);
	return r < 0 ? cli_fail(&e) : 0;
}

static int cmd_pause(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	return container_pause(g->root, p->argv[0], true, &e) < 0 ? cli_fail(&e) : 0;
}

static int cmd_resume(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	return container_pause(g->root, p->argv[0], false, &e) < 0 ? cli_fail(&e) : 0;
}

static const struct flag events_flags[] = {
	{ "stats", 0, 0, "print the container's statistics once and exit" },
	{ "interval", 0, 1, "time between statistics (e.g. 5s, 500ms, 1m; default 5s)" },
	{ NULL, 0, 0, NULL },
};

/* A Go-style duration as runc takes it: "5s", "500ms", "1m30s", "2h". */
static int parse_duration_ms(const char *s, long *out)
{
	double total = 0;
	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -EINVAL;
		s = end;
		double unit;
		if (strncmp(s, "ms", 2) == 0) unit = 1, s += 2;
		else if (*s == 's') unit = 1000, s++;
		else if (*s == 'm') unit = 60000, s++;
		else if (*s == 'h') unit = 3600000, s++;
		else return -EINVAL;
		total += v * unit;
	}
	if (total < 1 || total > 86400000.0 * 365)
		return -EINVAL;
	*out = (long)total;
	return 0;
}

static int cmd_events(struct global *g, const struct parsed *p)
{
	long ms = 5000;
	if (p->val[1] && parse_duration_ms(p->val[1], &ms) < 0)
		return cli_usage_error("events: --interval: invalid duration \"%s\" (e.g. 5s, 500ms)", p->val[1]);
	struct hull_err e;
	return container_events(g->root, p->argv[0], p->set[0], ms, &e) < 0 ? cli_fail(&e) : 0;
}

/* ---- list ------------------------------------------------------------ */

static const struct flag list_flags[] = {
	{ "format", 'f', 1, "table or json" },
	{ "quiet", 'q', 0, "print only the container IDs" },
	{ NULL, 0, 0, NULL },
};

static void owner_name(uid_t uid, char *out, size_t cap)
{
	/* /etc/passwd read directly: NSS would load libraries for one name.
	 * The last answer is kept: a list is usually all one owner's. */
	static uid_t last_uid = (uid_t)-1;
	static char last[64];
	if (uid == last_uid && last_uid != (uid_t)-1) {
		snprintf(out, cap, "%s", last);
		return;
	}
	char *pw = NULL;
	snprintf(out, cap, "#%u", (unsigned)uid);
	last_uid = uid;
	snprintf(last, sizeof last, "%s", out);
	if (read_file("/etc/passwd", &pw, NULL) < 0)
		return;
	for (char *line = pw; line && *line; ) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 && strtoul(c2 + 1, NULL, 10) == uid) {
			snprintf(out, cap, "%.*s", (int)(c1 - line), line);
			snprintf(last, sizeof last, "%s", out);
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(pw);
}

struct row {
	char *id, *status, *bundle, *created, owner[64];
	pid_t pid;
	char *json;
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->id, ((const struct row *)b)->id);
}

static int cmd_list(struct global *g, const struct parsed *p)
{
	const char *fmt = p->val[0] ? p->val[0] : "table";
	bool json = strcmp(fmt, "json") == 0;
	if (!json && strcmp(fmt, "table") != 0)
		return cli_usage_error("list: unknown --format \"%s\" (table or json)", fmt);
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	int rootfd = open(g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = rootfd >= 0 ? fdopendir(rootfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct hull_err e;
		int dirfd = -1;
		struct cstate st;
		/* Straight from the root: no directory fd, no lock (renames make
		 * every read see a whole document). */
		if (state_read_light(rootfd, de->d_name, &st, &e) < 0)
			continue;
		enum cstatus s = state_status_in(rootfd, de->d_name, &st);
		if (s == ST_RUNNING && st.cg_unread) {
			/* paused or not: that takes its cgroups */
			state_free(&st);
			if (state_open_dir(rootfd, de->d_name, 0, &dirfd, &e) < 0)
				continue;
			if (state_read(dirfd, de->d_name, &st, &e) < 0) {
				close(dirfd);
				continue;
			}
			s = state_status(dirfd, &st);
			close(dirfd);
		}
		if (n == cap) {
			struct row *nr = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof *rows);
			if (!nr) {
				state_free(&st);
				break;
			}
			rows = nr;
		}
		struct row *r = &rows[n++];
		memset(r, 0, sizeof *r);
		r->pid = s == ST_STOPPED ? 0 : st.pid;
		r->id = strdup(st.id);
		r->status = strdup(state_status_name(s));
		r->bundle = strdup(st.bundle);
		r->created = strdup(st.created);
		if (!p->set[1])   /* -q prints ids only */
			owner_name(st.uid, r->owner, sizeof r->owner);
		if (json) {
			st.owner = r->owner;
			st.pid = r->pid;
			r->json = state_oci_json(&st, s, false);
		}
		state_free(&st);
	}
	if (d)
		closedir(d);
	else if (rootfd >= 0)
		close(rootfd);
	if (n)
		qsort(rows, n, sizeof *rows, cmp_row);
	if (json) {
		fputs("[", stdout);
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? "," : "", rows[i].json ? rows[i].json : "{}");
		fputs("]\n", stdout);
	} else if (p->set[1]) {
		for (size_t i = 0; i < n; i++)
			puts(rows[i].id);
	} else {
		int w[4] = { 2, 3, 6, 6 };
		char pidbuf[24];
		for (size_t i = 0; i < n; i++) {
			int l[4] = { (int)strlen(rows[i].id), snprintf(pidbuf, sizeof pidbuf, "%d", rows[i].pid),
				     (int)strlen(rows[i].status), (int)strlen(rows[i].bundle) };
			for (int k = 0; k < 4; k++)
				if (l[k] > w[k])
					w[k] = l[k];
		}
		printf("%-*s   %-*s   %-*s   %-*s   %-30s   %s\n", w[0], "ID", w[1], "PID", w[2], "STATUS",
		       w[3], "BUNDLE", "CREATED", "OWNER");
		for (size_t i = 0; i < n; i++)
			printf("%-*s   %-*d   %-*s   %-*s   %-30s   %s\n", w[0], rows[i].id, w[1], rows[i].pid,
			       w[2], rows[i].status, w[3], rows[i].bundle, rows[i].created, rows[i].owner);
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].status);
		free(rows[i].bundle);
		free(rows[i].created);
		free(rows[i].json);
	}
	free(rows);
	return 0;
}

/* ---- spec / features ------------------------------------------------- */

static const struct flag spec_flags[] = {
	{ "bundle", 'b', 1, "directory to write config.json into (default: current directory)" },
	{ "rootless", 0, 0, "a config for a rootless container (user namespace)" },
	{ "seccomp", 0, 0, "include hull's default seccomp profile (contrib/seccomp/default.json)" },
	{ "image", 0, 1, "a bundle for an image of the store: its config, and its layers mounted on rootfs "
			 "(hull image umount DIR/rootfs undoes the mount)", "IMAGE" },
	{ NULL, 0, 0, NULL },
};
extern const char hull_default_seccomp[];

static int cmd_spec(struct global *g, const struct parsed *p)
{
	if (p->val[3]) {
		if (p->set[1])
			return cli_usage_error("spec: --rootless and --image exclude each other");
		struct image_run ir = { .image = p->val[3] };
		struct hull_err he;
		return image_spec(g, &ir, p->val[0] ? p->val[0] : ".", &he) < 0 ? cli_fail(&he) : 0;
	}
	struct spec_err e;
	if (spec_write_default(p->val[0] ? p->val[0] : ".", p->set[1], p->set[2] ? hull_default_seccomp : NULL, &e) < 0)
		return cli_usage_error("%s", e.msg);
	return 0;
}

static int cmd_features(struct global *g, const struct parsed *p)
{
	(void)g;
	(void)p;
	char *json = spec_features_json(sc_supported_flags());
	if (!json)
		return cli_usage_error("out of memory");
	puts(json);
	free(json);
	return 0;
}

static const struct flag no_flags[] = { { NULL, 0, 0, NULL } };

static const struct cmd commands[] = {
	{ "create", "<container-id> [command [args...]]", "Create a container from a bundle (or --image); its program waits for `hull start`.",
	  create_flags, cmd_create, 1, -1, false, F_IMAGE + 1 },
	{ "start", "<container-id>", "Run the program of a created container.", no_flags, cmd_start, 1, 1 },
	{ "run", "<container-id> [command [args...]]", "Create and start a container (a bundle, or --image), wait for it and exit with its status.",
	  create_flags, cmd_run, 1, -1, false, F_IMAGE + 1 },
	{ "state", "<container-id>", "Print the state of a container (JSON).", no_flags, cmd_state, 1, 1 },
	{ "exec", "<container-id> <command> [args...]", "Run a process in a running container.",
	  exec_flags, cmd_exec, 1, -1, true },
	{ "ps", "<container-id> [ps args...]", "List the processes of a container.", ps_flags, cmd_ps, 1, -1, true },
	{ "update", "<container-id>", "Change the resource limits of a container.", update_flags, cmd_update, 1, 1 },
	{ "pause", "<container-id>", "Freeze every process of a container.", no_flags, cmd_pause, 1, 1 },
	{ "resume", "<container-id>", "Thaw a paused container.", no_flags, cmd_resume, 1, 1 },
	{ "events", "<container-id>", "Print statistics (and OOM events) of a container as JSON lines.",
	  events_flags, cmd_events, 1, 1 },
	{ "kill", "<container-id> [signal]", "Send a signal (default SIGTERM) to a container.",
	  kill_flags, cmd_kill, 1, 2 },
	{ "delete", "<container-id>", "Delete a container and what it holds.", delete_flags, cmd_delete, 1, 1 },
	{ "list", "", "List containers.", list_flags, cmd_list, 0, 0 },
	{ "spec", "", "Write a default config.json.", spec_flags, cmd_spec, 0, 0 },
	{ "features", "", "Print the features this hull supports (JSON).", no_flags, cmd_features, 0, 0 },
};
#define NCMDS (sizeof commands / sizeof *commands)

static void main_help(void)
{
	printf("Usage: hull [global options] <command> [options] [arguments]\n\n"
	       "hull runs OCI containers (runtime-spec %s), with runc's command line.\n\nCommands:\n",
	       SPEC_OCI_VERSION);
	for (size_t i = 0; i < NCMDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("  %-10s %s\n", "image", "Images in the store (hull image --help):");
	image_help_summary();
	printf("  %-10s %s\n", "network", "Networks of containers (hull network --help):");
	network_help_summary();
	printf("\nGlobal options:\n"
	       "  --root DIR            state directory (default /run/hull)\n"
	       "  --store DIR           image and network store (default " STORE_DEFAULT ")\n"
	       "  --log FILE            log file (default: stderr)\n"
	       "  --log-format FORMAT   text or json\n"
	       "  --debug               log debug messages\n"
	       "  --systemd-cgroup      use the systemd cgroup driver\n"
	       "  --rootless VALUE      accepted for runc compatibility\n"
	       "  -v, --version         print the version\n"
	       "  -h, --help            show this help\n"
	       "\nhull help COMMAND (or hull COMMAND --help) shows the options of a command.\n");
}

/* glibc's start of a static program asks the kernel where the program lives
 * (readlink of /proc/self/exe, 30-50 us of procfs work here, on every hull
 * command) for one thing: $ORIGIN in the main program's own RPATH, read
 * when it dlopens a library.  hull has no RPATH, and the one library it may
 * dlopen (libsystemd, for --systemd-cgroup) is found by its soname.  This
 * definition takes the place of glibc's (static linking takes a library's
 * object only for a symbol still undefined); (char *) -1 is glibc's own
 * "origin unknown".  If a glibc ever stops calling it, this is merely unused. */
const char *_dl_get_origin(void);
const char *_dl_get_origin(void)
{
	return (const char *)-1;
}

int main(int argc, char **argv)
{
	/* A CNI plugin's invocation (/usr/lib/cni/hull): runtime/cni.c. */
	if (cni_invoked(argc))
		return cni_main();
	struct global g = { .root = "/run/hull" };
	int i = 1;
	const char *log_path = NULL;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
#define IS(s) (nl == strlen(s) && strncmp(name, s, nl) == 0)
#define VALUE() (eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL))
		if (IS("root") || IS("log") || IS("log-format") || IS("criu") || IS("rootless") || IS("store")) {
			bool is_rootless = IS("rootless");
			const char *v;
			/* --rootless may stand alone (runc takes true|false|auto). */
			if (is_rootless && !eq && !(i + 1 < argc && (!strcmp(argv[i + 1], "true") ||
						      !strcmp(argv[i + 1], "false") || !strcmp(argv[i + 1], "auto"))))
				continue;
			v = VALUE();
			if (!v) {
				fprintf(stderr, "hull: flag %s needs a value\n", a);
				return 1;
			}
			if (IS("root"))
				g.root = v;
			else if (IS("store"))
				g.store = v;
			else if (IS("log"))
				log_path = v;
			else if (IS("log-format")) {
				if (strcmp(v, "text") && strcmp(v, "json")) {
					fprintf(stderr, "hull: --log-format: unknown format \"%s\" (text or json)\n", v);
					return 1;
				}
				g.log_format = v;
			}
		} else if (IS("debug")) {
			g.debug = true;
		} else if (IS("systemd-cgroup")) {
			g.systemd_cgroup = true;
		} else if (IS("version") || IS("v")) {
			printf("hull version %s\nspec: %s\n", HULL_VERSION, SPEC_OCI_VERSION);
			return 0;
		} else if (IS("help") || IS("h")) {
			main_help();
			return 0;
		} else {
			fprintf(stderr, "hull: unknown global flag %s (see hull --help)\n", a);
			return 1;
		}
#undef IS
#undef VALUE
	}
	if (log_init(log_path, g.log_format, g.debug) < 0) {
		fprintf(stderr, "hull: --log %s: %s\n", log_path, strerror(errno));
		return 1;
	}
	if (i >= argc) {
		main_help();
		return 1;
	}
	if (strcmp(argv[i], "image") == 0)
		return image_main(&g, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "network") == 0)
		return network_main(&g, argc - i - 1, argv + i + 1);
	/* `hull help`: the list; `hull help CMD`: CMD's own help. */
	if (strcmp(argv[i], "help") == 0) {
		const char *topic = i + 1 < argc ? argv[i + 1] : "help";
		if (strcmp(topic, "help") == 0) {
			main_help();
			return 0;
		}
		if (strcmp(topic, "image") == 0) {
			argv[i + 1] = (char *)"help";   /* hull help image [CMD] = hull image help [CMD] */
			return image_main(&g, argc - i - 1, argv + i + 1);
		}
		if (strcmp(topic, "network") == 0) {
			argv[i + 1] = (char *)"help";
			return network_main(&g, argc - i - 1, argv + i + 1);
		}
		for (size_t k = 0; k < NCMDS; k++)
			if (strcmp(topic, commands[k].name) == 0) {
				cli_print_help(&commands[k], "");
				return 0;
			}
		return cli_usage_error("help: no command \"%s\" (see hull --help)", topic);
	}
	for (size_t k = 0; k < NCMDS; k++) {
		const struct cmd *c = &commands[k];
		if (strcmp(argv[i], c->name) != 0)
			continue;
		struct parsed p;
		bool help = false;
		if (cli_parse_flags(c, argc - i - 1, argv + i + 1, &p, &help))
			return 1;
		if (help) {
			cli_print_help(c, "");
			return 0;
		}
		log_debug("hull %s (root %s)", argv[i], g.root);
		return c->run(&g, &p);
	}
	return cli_usage_error("unknown command \"%s\" (see hull --help)", argv[i]);
}
