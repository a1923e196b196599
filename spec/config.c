/* SPDX-License-Identifier: Apache-2.0 */
/* spec/config.c: config.json and process.json into the structs of spec.h.
 *
 * spec/json.c reads the document into a tree; one walk over that tree then fills
 * the structs.  The walk is driven by the tables below, one per JSON object
 * (field name, kind, where the value goes), so the ~150 fields of the spec
 * are data, not code; spec/parse.c has the walker.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "spec/parse.h"

/* ---- custom fields and checks -------------------------------------------------- */

static const char *const ns_names[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network",
	[SPEC_NS_MOUNT] = "mount",   [SPEC_NS_IPC] = "ipc",
	[SPEC_NS_UTS] = "uts",       [SPEC_NS_USER] = "user",
	[SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },               { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },             { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },             { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },           { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },       { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },           { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },     { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },         { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static const char *const sched_policies[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
	"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};
static const char *const ioprio_classes[] = {
	"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL,
};
static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };
static const char *const mempolicy_modes[] = {
	"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL,
};
/* The spec lists the first four; Docker writes the recursive forms. */
static const char *const propagations[] = {
	"shared", "slave", "private", "unbindable",
	"rshared", "rslave", "rprivate", "runbindable", NULL,
};
static const char *const image_formats[] = { "raw", "qcow2", "vdi", "vmdk", "vhd", NULL };
static const char *const device_types[] = { "cbup" };
static const char *const rule_types[] = { "acb" };

static int parse_version(struct walk *w, yajl_val v, void *obj)
{
	const char *s = NULL, *p;
	unsigned long n[3];
	char *end;
	int rc = sp_read_string(w, v, &s);

	if (rc)
		return rc;
	p = s;
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return sp_fail_val(w, "invalid version", s, " (expected MAJOR.MINOR.PATCH)");
		errno = 0;
		n[i] = strtoul(p, &end, 10);
		if (errno)
			n[i] = ULONG_MAX;
		p = end;
		if (i == 0 && n[0] != 1)
			return sp_fail_val(w, "unsupported version", s, " (major must be 1)");
		if (i < 2 && *p++ != '.')
			return sp_fail_val(w, "invalid version", s, " (expected MAJOR.MINOR.PATCH)");
	}
	if (*p && *p != '-' && *p != '+')
		return sp_fail_val(w, "invalid version", s, " (expected MAJOR.MINOR.PATCH)");
	((struct spec *)obj)->oci_version = s;
	return 0;
}

static int parse_ns_type(struct walk *w, yajl_val v, void *obj)
{
	const char *s = NULL;
	int rc = sp_read_string(w, v, &s);

	if (rc)
		return rc;
	for (unsigned t = 0; t < SPEC_NS__COUNT; t++) {
		if (strcmp(ns_names[t], s))
			continue;
		if (w->ns_seen & (1u << t))
			return sp_fail_val(w, "duplicate namespace type", s, NULL);
		w->ns_seen |= 1u << t;
		((struct spec_namespace *)obj)->type = (enum spec_ns_type)t;
		return 0;
	}
	return sp_fail_val(w, "unknown namespace type", s, NULL);
}

static int parse_rlimit_type(struct walk *w, yajl_val v, void *obj)
{
	struct spec_rlimit *rl = obj;
	int rc = sp_read_string(w, v, &rl->type);

	if (rc)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (!strcmp(rlimit_names[i].name, rl->type)) {
			rl->resource = rlimit_names[i].resource;
			return 0;
		}
	return sp_fail_val(w, "unknown rlimit", rl->type, NULL);
}

static const struct walk_type time_offset_type;  /* with the tables below */

/* timeOffsets is a map keyed by clock name onto two fixed struct members. */
static int parse_time_offsets(struct walk *w, yajl_val v, void *obj)
{
	struct spec_linux *l = obj;

	if (!YAJL_IS_OBJECT(v))
		return sp_fail(w, "expected an object");
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *clock = v->u.object.keys[i];
		struct spec_time_offset *t = !strcmp(clock, "monotonic") ? &l->time_monotonic
					   : !strcmp(clock, "boottime") ? &l->time_boottime : NULL;

		if (YAJL_IS_NULL(v->u.object.values[i]))
			continue;
		sp_push_key(w, clock, true);
		if (!t)
			return sp_fail_val(w, "unknown clock", clock, NULL);
		int rc = sp_parse_object(w, v->u.object.values[i], &time_offset_type, t);
		if (rc)
			return rc;
		t->present = true;
		sp_pop(w);
	}
	return 0;
}

static int check_process(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_process *p = obj;

	/* config.json's process needs a user; a process document of its own
	 * (exec --process, the top of its walk) may leave it out and runs as
	 * 0:0, as with runc: runtime-spec's schema requires only cwd there. */
	if (w->depth > 0 && !sp_has_key(v, "user"))
		return sp_fail_field(w, "user", "required field missing", NULL);
	if (!p->n_args)
		return sp_fail_field(w, "args", "must not be empty", NULL);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return sp_fail_field(w, "oomScoreAdj", "must be between -1000 and 1000", NULL);
	/* Each entry is KEY=VALUE with a non-empty KEY (as runc): an entry
	 * without '=' would reach execve as a string no getenv can find. */
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (eq && eq != p->env[i])
			continue;
		sp_push_key(w, "env", false);
		sp_push_index(w, i);
		return sp_fail_val(w, eq ? "empty variable name in" : "expected KEY=VALUE, not", p->env[i], NULL);
	}
	return 0;
}

static int check_cpu_affinity(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_exec_cpu_affinity *a = obj;

	(void)v;
	if (a->initial && a->initial[strspn(a->initial, "0123456789,- ")])
		return sp_fail_field(w, "initial", "invalid CPU list", a->initial);
	if (a->final && a->final[strspn(a->final, "0123456789,- ")])
		return sp_fail_field(w, "final", "invalid CPU list", a->final);
	return 0;
}

static int check_hook(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_hook *h = obj;

	(void)v;
	if (h->has_timeout && h->timeout <= 0)
		return sp_fail_field(w, "timeout", "must be greater than zero", NULL);
	return 0;
}

static int check_device(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_device *d = obj;

	if (d->type == 'p')
		return 0;
	if (!sp_has_key(v, "major"))
		return sp_fail_field(w, "major", "required field missing", NULL);
	if (!sp_has_key(v, "minor"))
		return sp_fail_field(w, "minor", "required field missing", NULL);
	return 0;
}

static int check_device_rule(struct walk *w, yajl_val v, void *obj)
{
	struct spec_device_rule *r = obj;

	(void)v;
	if (!r->type)
		r->type = 'a';
	if (r->access && r->access[strspn(r->access, "rwm")])
		return sp_fail_field(w, "access", "invalid access", r->access);
	return 0;
}

static int check_weight_device(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_weight_device *dev = obj;

	(void)v;
	if (!dev->has_weight && !dev->has_leaf_weight)
		return sp_fail(w, "needs weight or leafWeight");
	return 0;
}

static int check_rdma(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_rdma *r = obj;

	(void)v;
	if (!r->has_hca_handles && !r->has_hca_objects)
		return sp_fail(w, "needs hcaHandles or hcaObjects");
	return 0;
}

static int check_syscall(struct walk *w, yajl_val v, void *obj)
{
	(void)v;
	if (!((const struct spec_seccomp_syscall *)obj)->n_names)
		return sp_fail_field(w, "names", "must not be empty", NULL);
	return 0;
}

const char *const spec_seccomp_actions[] = {
	"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", NULL,
};
_Static_assert(ARRAY_SIZE(spec_seccomp_actions) == SC_ACT__COUNT + 1, "one name per action");
const char *const spec_seccomp_ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
	"SCMP_CMP_MASKED_EQ", NULL,
};
const char *const spec_seccomp_archs[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", NULL,
};
const char *const spec_seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
};

int spec_name_index(const char *const *list, const char *name)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return i;
	return -1;
}

static int check_seccomp_arg(struct walk *w, yajl_val v, void *obj)
{
	(void)v;
	if (((const struct spec_seccomp_arg *)obj)->index >= 6)
		return sp_fail_field(w, "index", "must be below 6 (a syscall has six arguments)", NULL);
	return 0;
}

/* Every entry of a list one of names. */
static int check_names(struct walk *w, const char *field, const char *const *list, size_t n,
		       const char *const *names, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (spec_name_index(names, list[i]) < 0) {
			sp_push_key(w, field, false);
			sp_push_index(w, i);
			return sp_fail_val(w, what, list[i], NULL);
		}
	return 0;
}

static int check_seccomp(struct walk *w, yajl_val v, void *obj)
{
	const struct spec_seccomp *s = obj;
	const char *notify = spec_seccomp_actions[SC_ACT_NOTIFY];
	int rc;

	(void)v;
	if (s->listener_metadata && !s->listener_path)
		return sp_fail_field(w, "listenerMetadata", "set without listenerPath", NULL);
	if ((rc = check_names(w, "architectures", s->architectures, s->n_architectures, spec_seccomp_archs,
			      "unknown architecture")) ||
	    (rc = check_names(w, "flags", s->flags, s->n_flags, spec_seccomp_flags, "unknown flag")))
		return rc;
	if (!strcmp(s->default_action, notify))
		return sp_fail_field(w, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action", NULL);
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (!strcmp(s->syscalls[i].action, notify) && !(s->listener_path && *s->listener_path)) {
			sp_push_key(w, "syscalls", false);
			sp_push_index(w, i);
			return sp_fail_field(w, "action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", NULL);
		}
	return 0;
}

/* ---- the tables ---------------------------------------------------------------- */

#define S struct spec_idmap
static const struct walk_field idmap_fields[] = {
	F("containerID", K_U32, container_id, .req = true),
	F("hostID", K_U32, host_id, .req = true),
	F("size", K_U32, size, .req = true),
};
TYPE(idmap, S);
#undef S

#define S struct spec_root
static const struct walk_field root_fields[] = {
	F("path", K_FILE, path, .req = true),
	F("readonly", K_BOOL, readonly),
};
TYPE(root, S);
#undef S

#define S struct spec_mount
static const struct walk_field mount_fields[] = {
	F("destination", K_FILE, destination, .req = true),
	F("source", K_FILE, source),
	F("type", K_STR, type),
	LIST("options", K_STRS, options),
	OBJS("uidMappings", uid_mappings, idmap_type),
	OBJS("gidMappings", gid_mappings, idmap_type),
};
TYPE(mount, S);
#undef S

#define S struct spec_user
static const struct walk_field user_fields[] = {
	F("uid", K_U32, uid, .req = true),
	F("gid", K_U32, gid, .req = true),
	OPT("umask", K_U32, umask),
	LIST("additionalGids", K_U32S, additional_gids),
	F("username", K_STR, username),
};
TYPE(user, S);
#undef S

#define S struct spec_capabilities
#define CAPSET(n, m) LIST(n, K_STRS, m, .has = AT(has_##m))
static const struct walk_field caps_fields[] = {
	CAPSET("bounding", bounding),       CAPSET("effective", effective),
	CAPSET("inheritable", inheritable), CAPSET("permitted", permitted),
	CAPSET("ambient", ambient),
};
#undef CAPSET
TYPE(caps, S);
#undef S

#define S struct spec_rlimit
static const struct walk_field rlimit_fields[] = {
	F("type", K_FN, type, .fn = parse_rlimit_type, .req = true),
	F("soft", K_U64, soft, .req = true),
	F("hard", K_U64, hard, .req = true),
};
TYPE(rlimit, S);
#undef S

#define S struct spec_scheduler
static const struct walk_field scheduler_fields[] = {
	F("policy", K_ENUM, policy, .names = sched_policies, .what = "scheduler policy",
	  .req = true),
	OPT("nice", K_I32, nice),
	OPT("priority", K_I32, priority),
	LIST("flags", K_STRS, flags),
	OPT("runtime", K_U64, runtime),
	OPT("deadline", K_U64, deadline),
	OPT("period", K_U64, period),
};
TYPE(scheduler, S);
#undef S

#define S struct spec_io_priority
static const struct walk_field io_priority_fields[] = {
	F("class", K_ENUM, klass, .names = ioprio_classes, .what = "I/O priority class",
	  .req = true),
	F("priority", K_I32, priority),
};
TYPE(io_priority, S);
#undef S

#define S struct spec_exec_cpu_affinity
static const struct walk_field cpu_affinity_fields[] = {
	F("initial", K_STR, initial),
	F("final", K_STR, final),
};
TYPE(cpu_affinity, S, .check = check_cpu_affinity);
#undef S

#define S struct spec_process
static const struct walk_field console_size_fields[] = {
	F("height", K_U32, console_height, .req = true),
	F("width", K_U32, console_width, .req = true),
};
TYPE(console_size, S);

static const struct walk_field process_fields[] = {
	F("terminal", K_BOOL, terminal),
	F("consoleSize", K_SAME, console_height, .sub = &console_size_type,
	  .has = AT(has_console_size)),
	F("user", K_OBJ, user, .sub = &user_type),   /* required in config.json: check_process */
	LIST("args", K_STRS, args, .req = true),
	F("commandLine", K_STR, command_line),
	LIST("env", K_STRS, env),
	F("cwd", K_PATH, cwd, .req = true),
	F("capabilities", K_PTR, capabilities, .sub = &caps_type),
	OBJS("rlimits", rlimits, rlimit_type),
	F("noNewPrivileges", K_BOOL, no_new_privileges),
	OPT("oomScoreAdj", K_I32, oom_score_adj),
	F("scheduler", K_PTR, scheduler, .sub = &scheduler_type),
	F("apparmorProfile", K_STR, apparmor_profile),
	F("selinuxLabel", K_STR, selinux_label),
	F("ioPriority", K_PTR, io_priority, .sub = &io_priority_type),
	F("execCPUAffinity", K_PTR, exec_cpu_affinity, .sub = &cpu_affinity_type),
};
TYPE(process, S, .check = check_process);
#undef S

#define S struct spec_hook
static const struct walk_field hook_fields[] = {
	F("path", K_PATH, path, .req = true),
	LIST("args", K_STRS, args),
	LIST("env", K_STRS, env),
	OPT("timeout", K_I32, timeout),
};
TYPE(hook, S, .check = check_hook);
#undef S

#define S struct spec_hooks
static const struct walk_field hooks_fields[] = {
	OBJS("prestart", prestart, hook_type),
	OBJS("createRuntime", create_runtime, hook_type),
	OBJS("createContainer", create_container, hook_type),
	OBJS("startContainer", start_container, hook_type),
	OBJS("poststart", poststart, hook_type),
	OBJS("poststop", poststop, hook_type),
};
TYPE(hooks, S);
#undef S

#define S struct spec_namespace
static const struct walk_field namespace_fields[] = {
	F("type", K_FN, type, .fn = parse_ns_type, .req = true),
	F("path", K_PATH, path),
};
TYPE(namespace, S);
#undef S

#define S struct spec_time_offset
static const struct walk_field time_offset_fields[] = {
	F("secs", K_I64, secs),
	F("nanosecs", K_U32, nanosecs),
};
TYPE(time_offset, S);
#undef S

#define S struct spec_device
static const struct walk_field device_fields[] = {
	F("type", K_CHAR, type, .names = device_types, .what = "device type", .req = true),
	F("path", K_PATH, path, .req = true),
	F("major", K_I64, major),
	F("minor", K_I64, minor),
	OPT("fileMode", K_U32, file_mode),
	OPT("uid", K_U32, uid),
	OPT("gid", K_U32, gid),
};
TYPE(device, S, .check = check_device);
#undef S

#define S struct spec_device_rule
static const struct walk_field device_rule_fields[] = {
	F("allow", K_BOOL, allow, .req = true),
	F("type", K_CHAR, type, .names = rule_types, .what = "device type"),
	OPT("major", K_I64, major),
	OPT("minor", K_I64, minor),
	F("access", K_STR, access),
};
TYPE(device_rule, S, .check = check_device_rule);
#undef S

#define S struct spec_memory
static const struct walk_field memory_fields[] = {
	OPT("limit", K_I64, limit),
	OPT("reservation", K_I64, reservation),
	OPT("swap", K_I64, swap),
	OPT("kernel", K_I64, kernel),
	OPT("kernelTCP", K_I64, kernel_tcp),
	OPT("swappiness", K_U64, swappiness),
	OPT("disableOOMKiller", K_BOOL, disable_oom_killer),
	OPT("useHierarchy", K_BOOL, use_hierarchy),
	OPT("checkBeforeUpdate", K_BOOL, check_before_update),
};
TYPE(memory, S);
#undef S

#define S struct spec_cpu
static const struct walk_field cpu_fields[] = {
	OPT("shares", K_U64, shares),
	OPT("quota", K_I64, quota),
	OPT("burst", K_U64, burst),
	OPT("period", K_U64, period),
	OPT("realtimeRuntime", K_I64, realtime_runtime),
	OPT("realtimePeriod", K_U64, realtime_period),
	F("cpus", K_STR, cpus),
	F("mems", K_STR, mems),
	OPT("idle", K_I64, idle),
};
TYPE(cpu, S);
#undef S

#define S struct spec_weight_device
static const struct walk_field weight_device_fields[] = {
	F("major", K_I64, major, .req = true),
	F("minor", K_I64, minor, .req = true),
	OPT("weight", K_U16, weight),
	OPT("leafWeight", K_U16, leaf_weight),
};
TYPE(weight_device, S, .check = check_weight_device);
#undef S

#define S struct spec_throttle_device
static const struct walk_field throttle_device_fields[] = {
	F("major", K_I64, major, .req = true),
	F("minor", K_I64, minor, .req = true),
	F("rate", K_U64, rate, .req = true),
};
TYPE(throttle_device, S);
#undef S

#define S struct spec_blockio
static const struct walk_field blockio_fields[] = {
	OPT("weight", K_U16, weight),
	OPT("leafWeight", K_U16, leaf_weight),
	OBJS("weightDevice", weight_device, weight_device_type),
	OBJS("throttleReadBpsDevice", throttle_read_bps, throttle_device_type),
	OBJS("throttleWriteBpsDevice", throttle_write_bps, throttle_device_type),
	OBJS("throttleReadIOPSDevice", throttle_read_iops, throttle_device_type),
	OBJS("throttleWriteIOPSDevice", throttle_write_iops, throttle_device_type),
};
TYPE(blockio, S);
#undef S

#define S struct spec_hugepage_limit
static const struct walk_field hugepage_fields[] = {
	F("pageSize", K_STR, page_size, .req = true),
	F("limit", K_U64, limit, .req = true),
};
TYPE(hugepage, S);
#undef S

#define S struct spec_net_priority
static const struct walk_field net_priority_fields[] = {
	F("name", K_STR, name, .req = true),
	F("priority", K_U32, priority, .req = true),
};
TYPE(net_priority, S);
#undef S

#define S struct spec_network
static const struct walk_field network_fields[] = {
	OPT("classID", K_U32, class_id),
	OBJS("priorities", priorities, net_priority_type),
};
TYPE(network, S);
#undef S

#define S struct spec_rdma
static const struct walk_field rdma_fields[] = {
	OPT("hcaHandles", K_U32, hca_handles),
	OPT("hcaObjects", K_U32, hca_objects),
};
TYPE(rdma, S, .check = check_rdma, .key_off = offsetof(S, device));
#undef S

#define S struct spec_resources
static const struct walk_field pids_fields[] = {
	F("limit", K_I64, pids_limit, .req = true),
};
TYPE(pids, S);

static const struct walk_field resources_fields[] = {
	OBJS("devices", devices, device_rule_type),
	F("memory", K_PTR, memory, .sub = &memory_type),
	F("cpu", K_PTR, cpu, .sub = &cpu_type),
	F("blockIO", K_PTR, block_io, .sub = &blockio_type),
	OBJS("hugepageLimits", hugepage_limits, hugepage_type),
	F("network", K_PTR, network, .sub = &network_type),
	F("pids", K_SAME, pids_limit, .sub = &pids_type, .has = AT(has_pids_limit)),
	LIST("rdma", K_MAP, rdma, .sub = &rdma_type),
	LIST("unified", K_KV, unified),
};
TYPE(resources, S);
#undef S

#define S struct spec_intel_rdt
static const struct walk_field intel_rdt_fields[] = {
	F("closID", K_STR, clos_id),
	F("l3CacheSchema", K_STR, l3_cache_schema),
	F("memBwSchema", K_STR, mem_bw_schema),
	LIST("schemata", K_STRS, schemata),
	F("enableMonitoring", K_BOOL, enable_monitoring),
};
TYPE(intel_rdt, S);
#undef S

#define S struct spec_seccomp_arg
static const struct walk_field seccomp_arg_fields[] = {
	F("index", K_U32, index, .req = true),
	F("value", K_U64, value, .req = true),
	OPT("valueTwo", K_U64, value_two),
	F("op", K_ENUM, op, .names = spec_seccomp_ops, .what = "operator", .req = true),
};
TYPE(seccomp_arg, S, .check = check_seccomp_arg);
#undef S

#define S struct spec_seccomp_syscall
static const struct walk_field syscall_fields[] = {
	LIST("names", K_STRS, names, .req = true),
	F("action", K_ENUM, action, .names = spec_seccomp_actions, .what = "action", .req = true),
	OPT("errnoRet", K_U32, errno_ret),
	OBJS("args", args, seccomp_arg_type),
};
TYPE(syscall, S, .check = check_syscall);
#undef S

#define S struct spec_seccomp
static const struct walk_field seccomp_fields[] = {
	F("defaultAction", K_ENUM, default_action, .names = spec_seccomp_actions, .what = "action",
	  .req = true),
	OPT("defaultErrnoRet", K_U32, default_errno_ret),
	LIST("architectures", K_STRS, architectures),
	LIST("flags", K_STRS, flags),
	F("listenerPath", K_FILE, listener_path),
	F("listenerMetadata", K_STR, listener_metadata),
	OBJS("syscalls", syscalls, syscall_type),
};
TYPE(seccomp, S, .check = check_seccomp);
#undef S

#define S struct spec_personality
static const struct walk_field personality_fields[] = {
	F("domain", K_ENUM, domain, .names = personality_domains, .what = "personality domain",
	  .req = true),
	LIST("flags", K_STRS, flags),
};
TYPE(personality, S);
#undef S

#define S struct spec_memory_policy
static const struct walk_field memory_policy_fields[] = {
	F("mode", K_ENUM, mode, .names = mempolicy_modes, .what = "memory policy mode",
	  .req = true),
	F("nodes", K_STR, nodes),
	LIST("flags", K_STRS, flags),
};
TYPE(memory_policy, S);
#undef S

#define S struct spec_net_device
static const struct walk_field net_device_fields[] = {
	F("name", K_STR, name),
};
TYPE(net_device, S, .key_off = offsetof(S, host_name));
#undef S

#define S struct spec_linux
static const struct walk_field linux_fields[] = {
	OBJS("namespaces", namespaces, namespace_type),
	OBJS("uidMappings", uid_mappings, idmap_type),
	OBJS("gidMappings", gid_mappings, idmap_type),
	F("timeOffsets", K_FN, time_monotonic, .fn = parse_time_offsets),
	OBJS("devices", devices, device_type),
	F("cgroupsPath", K_FILE, cgroups_path),
	F("resources", K_PTR, resources, .sub = &resources_type),
	F("intelRdt", K_PTR, intel_rdt, .sub = &intel_rdt_type),
	LIST("sysctl", K_KV, sysctl),
	F("seccomp", K_PTR, seccomp, .sub = &seccomp_type),
	F("rootfsPropagation", K_ENUM, rootfs_propagation, .names = propagations,
	  .what = "rootfs propagation"),
	LIST("maskedPaths", K_FILES, masked_paths, .has = AT(has_masked_paths)),
	LIST("readonlyPaths", K_FILES, readonly_paths, .has = AT(has_readonly_paths)),
	F("mountLabel", K_STR, mount_label),
	F("personality", K_PTR, personality, .sub = &personality_type),
	F("memoryPolicy", K_PTR, memory_policy, .sub = &memory_policy_type),
	LIST("netDevices", K_MAP, net_devices, .sub = &net_device_type),
};
TYPE(linux, S);
#undef S

#define S struct spec_vm_hypervisor
static const struct walk_field hypervisor_fields[] = {
	F("path", K_FILE, path, .req = true),
	LIST("parameters", K_STRS, parameters),
};
TYPE(hypervisor, S);
#undef S

#define S struct spec_vm_kernel
static const struct walk_field kernel_fields[] = {
	F("path", K_FILE, path, .req = true),
	LIST("parameters", K_STRS, parameters),
	F("initrd", K_FILE, initrd),
};
TYPE(kernel, S);
#undef S

#define S struct spec_vm_image
static const struct walk_field image_fields[] = {
	F("path", K_FILE, path, .req = true),
	F("format", K_ENUM, format, .names = image_formats, .what = "image format", .req = true),
};
TYPE(image, S);
#undef S

#define S struct spec_vm
static const struct walk_field vm_fields[] = {
	F("hypervisor", K_PTR, hypervisor, .sub = &hypervisor_type),
	F("kernel", K_OBJ, kernel, .sub = &kernel_type, .req = true),
	F("image", K_PTR, image, .sub = &image_type),
};
TYPE(vm, S);
#undef S

/* windows, solaris and zos are not listed, hence ignored like unknown keys. */
#define S struct spec
static const struct walk_field spec_fields[] = {
	F("ociVersion", K_FN, oci_version, .fn = parse_version, .req = true),
	F("root", K_PTR, root, .sub = &root_type),
	OBJS("mounts", mounts, mount_type),
	F("process", K_PTR, process, .sub = &process_type),
	F("hostname", K_STR, hostname),
	F("domainname", K_STR, domainname),
	F("hooks", K_PTR, hooks, .sub = &hooks_type),
	LIST("annotations", K_KV, annotations),
	F("linux", K_PTR, linux_, .sub = &linux_type),
	F("vm", K_PTR, vm, .sub = &vm_type),
};
TYPE(spec, S);
#undef S

/* ---- spec.h ------------------------------------------------------------------------ */

int spec_load(const char *path, const char *display, struct spec **out, struct spec_err *err)
{
	struct spec_err dummy;
	struct spec_mem *mem;
	void *obj;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!err)
		err = &dummy;
	if (!display)
		display = path;
	*out = NULL;
	rc = sp_read_file(path, &text, &len);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", display, strerror(-rc));
		return rc;
	}
	rc = sp_parse_document(text, len, display, &spec_type, &obj, &mem, err);
	free(text);
	if (!rc) {
		*out = obj;
		(*out)->priv_ = mem;
	}
	return rc;
}

int spec_parse(const char *buf, size_t len, const char *display, struct spec **out,
	       struct spec_err *err)
{
	struct spec_err dummy;
	struct spec_mem *mem;
	void *obj;
	int rc;

	rc = sp_parse_buffer(buf, len, display ? display : "config.json", &spec_type, &obj, &mem,
			     err ? err : &dummy);
	*out = obj;
	if (!rc)
		(*out)->priv_ = mem;
	return rc;
}

void spec_free(struct spec *s)
{
	if (s)
		sp_mem_free(s->priv_);
}

int spec_process_parse(const char *buf, size_t len, const char *display,
		       struct spec_process **out, void **mem, struct spec_err *err)
{
	struct spec_err dummy;
	struct spec_mem *m;
	void *obj;
	int rc;

	rc = sp_parse_buffer(buf, len, display ? display : "process.json", &process_type, &obj,
			     &m, err ? err : &dummy);
	*out = obj;
	*mem = m;
	return rc;
}

void spec_process_free(void *mem)
{
	sp_mem_free(mem);
}

int spec_resources_parse(const char *buf, size_t len, const char *display,
			 struct spec_resources **out, void **mem, struct spec_err *err)
{
	struct spec_err dummy;
	struct spec_mem *m;
	void *obj;
	int rc = sp_parse_buffer(buf, len, display ? display : "resources.json", &resources_type, &obj,
				 &m, err ? err : &dummy);
	*out = obj;
	*mem = m;
	return rc;
}

const struct spec_namespace *spec_namespace_find(const struct spec *s, enum spec_ns_type type)
{
	if (!s || !s->linux_)
		return NULL;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].type == type)
			return &s->linux_->namespaces[i];
	return NULL;
}

const char *spec_ns_name(enum spec_ns_type type)
{
	return (unsigned)type < SPEC_NS__COUNT ? ns_names[type] : "unknown";
}

/* The namespace that holds a sysctl (runc's list: the System V IPC and
 * POSIX mqueue knobs are per IPC namespace, net.* per network namespace,
 * the two names per UTS namespace).  '/' separates like '.', since both
 * become '/' under /proc/sys.  -1: a host-wide knob. */
int spec_sysctl_namespace(const char *key)
{
	char k[64];
	size_t n = strlen(key);

	if (n >= sizeof k)
		n = sizeof k - 1;
	for (size_t i = 0; i < n; i++)
		k[i] = key[i] == '/' ? '.' : key[i];
	k[n] = 0;
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.msg_next_id",
		"kernel.sem", "kernel.sem_next_id", "kernel.shmall", "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_next_id", "kernel.shm_rmid_forced", NULL,
	};
	if (spec_name_index(ipc, k) >= 0 || (!strncmp(k, "fs.mqueue.", 10) && k[10]))
		return SPEC_NS_IPC;
	if (!strncmp(k, "net.", 4) && k[4])
		return SPEC_NS_NETWORK;
	if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname"))
		return SPEC_NS_UTS;
	return -1;
}
