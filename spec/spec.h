/* SPDX-License-Identifier: Apache-2.0 */
/* spec/: the OCI runtime-spec documents as typed C structs.
 *
 * spec_load() parses a config.json (runtime-spec 1.0 .. 1.3) with yajl into a
 * struct spec; every field of config.md and config-linux.md (and config-vm.md)
 * has a place here.  Unknown fields are ignored.  A wrong type, a missing
 * required field or an ociVersion whose major is not 1 is refused with one
 * line naming the file and the JSON path:
 *     config.json: process.args[2]: expected a string
 *
 * All memory hangs off the struct spec and is released by spec_free().
 * Optional scalars carry a has_* flag; optional strings are NULL when absent;
 * optional objects are NULL pointers when absent.  Arrays are (pointer, count).
 *
 * spec/ depends on nothing of hull's but this header and yajl.
 */
#ifndef HULL_SPEC_H
#define HULL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Error text filled by spec functions: one line, no trailing newline. */
struct spec_err {
	char msg[512];
};

/* A string -> string map (annotations, sysctl, unified, ...), in document order. */
struct spec_kv {
	const char *key;
	const char *value;
};

struct spec_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct spec_mount {
	const char *destination;   /* required */
	const char *source;        /* NULL if absent */
	const char *type;          /* NULL if absent */
	const char **options;
	size_t n_options;
	struct spec_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct spec_idmap *gid_mappings;
	size_t n_gid_mappings;
};

struct spec_rlimit {
	const char *type;          /* "RLIMIT_NOFILE", ... (validated: a known name) */
	int resource;              /* the RLIMIT_* number for type */
	uint64_t soft;
	uint64_t hard;
};

struct spec_capabilities {
	/* Each set: NULL when absent; names as in the document ("CAP_CHOWN"). */
	const char **bounding;    size_t n_bounding;    bool has_bounding;
	const char **effective;   size_t n_effective;   bool has_effective;
	const char **inheritable; size_t n_inheritable; bool has_inheritable;
	const char **permitted;   size_t n_permitted;   bool has_permitted;
	const char **ambient;     size_t n_ambient;     bool has_ambient;
};

struct spec_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	const char *username;      /* windows only; kept, unused */
};

struct spec_scheduler {
	const char *policy;        /* required in the object: SCHED_OTHER, ... */
	bool has_nice;     int32_t nice;
	bool has_priority; int32_t priority;
	const char **flags; size_t n_flags;
	bool has_runtime;  uint64_t runtime;
	bool has_deadline; uint64_t deadline;
	bool has_period;   uint64_t period;
};

struct spec_io_priority {
	const char *klass;         /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
	int32_t priority;
};

struct spec_exec_cpu_affinity {
	const char *initial;       /* cpu list strings, NULL if absent */
	const char *final;
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	struct spec_user user;     /* required */
	const char **args;   size_t n_args;   /* required on Linux, at least one entry */
	const char *command_line;  /* windows only */
	const char **env;    size_t n_env;
	const char *cwd;           /* required, absolute */
	struct spec_capabilities *capabilities;   /* NULL if absent */
	struct spec_rlimit *rlimits; size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	struct spec_scheduler *scheduler;         /* NULL if absent */
	const char *apparmor_profile;
	const char *selinux_label;
	struct spec_io_priority *io_priority;     /* NULL if absent */
	struct spec_exec_cpu_affinity *exec_cpu_affinity; /* NULL if absent */
};

struct spec_hook {
	const char *path;          /* required, absolute */
	const char **args; size_t n_args;
	const char **env;  size_t n_env;
	bool has_timeout;
	int32_t timeout;           /* seconds, > 0 */
};

struct spec_hooks {
	struct spec_hook *prestart;         size_t n_prestart;
	struct spec_hook *create_runtime;   size_t n_create_runtime;
	struct spec_hook *create_container; size_t n_create_container;
	struct spec_hook *start_container;  size_t n_start_container;
	struct spec_hook *poststart;        size_t n_poststart;
	struct spec_hook *poststop;         size_t n_poststop;
};

enum spec_ns_type {
	SPEC_NS_PID, SPEC_NS_NETWORK, SPEC_NS_MOUNT, SPEC_NS_IPC,
	SPEC_NS_UTS, SPEC_NS_USER, SPEC_NS_CGROUP, SPEC_NS_TIME,
	SPEC_NS__COUNT
};

struct spec_namespace {
	enum spec_ns_type type;
	const char *path;          /* NULL: create a new one; else join this one */
};

struct spec_device {
	char type;                 /* 'c', 'b', 'u' or 'p' */
	const char *path;          /* required, absolute */
	int64_t major, minor;      /* required for c/b/u, ignored for p */
	bool has_file_mode; uint32_t file_mode;
	bool has_uid;       uint32_t uid;
	bool has_gid;       uint32_t gid;
};

struct spec_device_rule {          /* linux.resources.devices[] */
	bool allow;                /* required */
	char type;                 /* 'a' (also when absent), 'c' or 'b' */
	bool has_major; int64_t major;   /* absent = wildcard */
	bool has_minor; int64_t minor;
	const char *access;        /* NULL = "rwm" */
};

struct spec_memory {
	bool has_limit;       int64_t limit;
	bool has_reservation; int64_t reservation;
	bool has_swap;        int64_t swap;
	bool has_kernel;      int64_t kernel;
	bool has_kernel_tcp;  int64_t kernel_tcp;
	bool has_swappiness;  uint64_t swappiness;
	bool has_disable_oom_killer; bool disable_oom_killer;
	bool has_use_hierarchy;      bool use_hierarchy;
	bool has_check_before_update; bool check_before_update;
};

struct spec_cpu {
	bool has_shares;           uint64_t shares;
	bool has_quota;            int64_t quota;
	bool has_burst;            uint64_t burst;
	bool has_period;           uint64_t period;
	bool has_realtime_runtime; int64_t realtime_runtime;
	bool has_realtime_period;  uint64_t realtime_period;
	const char *cpus;
	const char *mems;
	bool has_idle;             int64_t idle;
};

struct spec_weight_device {
	int64_t major, minor;
	bool has_weight;      uint16_t weight;
	bool has_leaf_weight; uint16_t leaf_weight;
};

struct spec_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct spec_blockio {
	bool has_weight;      uint16_t weight;
	bool has_leaf_weight; uint16_t leaf_weight;
	struct spec_weight_device *weight_device; size_t n_weight_device;
	struct spec_throttle_device *throttle_read_bps;   size_t n_throttle_read_bps;
	struct spec_throttle_device *throttle_write_bps;  size_t n_throttle_write_bps;
	struct spec_throttle_device *throttle_read_iops;  size_t n_throttle_read_iops;
	struct spec_throttle_device *throttle_write_iops; size_t n_throttle_write_iops;
};

struct spec_hugepage_limit {
	const char *page_size;     /* "2MB", "1GB", ... */
	uint64_t limit;
};

struct spec_net_priority {
	const char *name;
	uint32_t priority;
};

struct spec_network {
	bool has_class_id; uint32_t class_id;
	struct spec_net_priority *priorities; size_t n_priorities;
};

struct spec_rdma {
	const char *device;        /* the map key */
	bool has_hca_handles; uint32_t hca_handles;
	bool has_hca_objects; uint32_t hca_objects;
};

struct spec_resources {
	struct spec_device_rule *devices; size_t n_devices;
	struct spec_memory *memory;        /* NULL if absent */
	struct spec_cpu *cpu;              /* NULL if absent */
	struct spec_blockio *block_io;     /* NULL if absent */
	struct spec_hugepage_limit *hugepage_limits; size_t n_hugepage_limits;
	struct spec_network *network;      /* NULL if absent */
	bool has_pids_limit; int64_t pids_limit;  /* pids.limit; has_pids_limit false if "pids" absent */
	struct spec_rdma *rdma; size_t n_rdma;
	struct spec_kv *unified; size_t n_unified;
};

struct spec_intel_rdt {
	const char *clos_id;
	const char *l3_cache_schema;
	const char *mem_bw_schema;
	const char **schemata; size_t n_schemata;
	bool enable_monitoring;
};

struct spec_seccomp_arg {
	uint32_t index;            /* required */
	uint64_t value;            /* required */
	bool has_value_two; uint64_t value_two;
	const char *op;            /* required: "SCMP_CMP_NE", ... (kept as text; seccomp/ validates) */
};

struct spec_seccomp_syscall {
	const char **names; size_t n_names;   /* required, non-empty */
	const char *action;        /* required (kept as text; seccomp/ validates) */
	bool has_errno_ret; uint32_t errno_ret;
	struct spec_seccomp_arg *args; size_t n_args;
};

struct spec_seccomp {
	const char *default_action;          /* required */
	bool has_default_errno_ret; uint32_t default_errno_ret;
	const char **architectures; size_t n_architectures;
	const char **flags; size_t n_flags;
	const char *listener_path;
	const char *listener_metadata;
	struct spec_seccomp_syscall *syscalls; size_t n_syscalls;
};

/* The seccomp vocabulary of config-linux.md, NULL-terminated; seccomp/ maps
 * each to its value by position, `features` lists them.  Actions are in enum
 * spec_seccomp_action's order, operators in SCMP_CMP_*'s (NE = 1, ...). */
enum spec_seccomp_action {
	SC_ACT_KILL, SC_ACT_KILL_PROCESS, SC_ACT_KILL_THREAD, SC_ACT_TRAP, SC_ACT_ERRNO,
	SC_ACT_TRACE, SC_ACT_ALLOW, SC_ACT_LOG, SC_ACT_NOTIFY, SC_ACT__COUNT
};
extern const char *const spec_seccomp_actions[];
extern const char *const spec_seccomp_ops[];
extern const char *const spec_seccomp_archs[];
extern const char *const spec_seccomp_flags[];
/* Index of name in a NULL-terminated list, -1 if absent. */
int spec_name_index(const char *const *list, const char *name);

struct spec_personality {
	const char *domain;        /* "LINUX" | "LINUX32" */
	const char **flags; size_t n_flags;
};

struct spec_memory_policy {
	const char *mode;          /* "MPOL_DEFAULT", ... */
	const char *nodes;
	const char **flags; size_t n_flags;
};

struct spec_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_net_device {
	const char *host_name;     /* the map key */
	const char *name;          /* name inside the container, NULL = same */
};

struct spec_linux {
	struct spec_namespace *namespaces; size_t n_namespaces;
	struct spec_idmap *uid_mappings; size_t n_uid_mappings;
	struct spec_idmap *gid_mappings; size_t n_gid_mappings;
	struct spec_time_offset time_monotonic;
	struct spec_time_offset time_boottime;
	struct spec_device *devices; size_t n_devices;
	const char *cgroups_path;
	struct spec_resources *resources;     /* NULL if absent */
	struct spec_intel_rdt *intel_rdt;     /* NULL if absent */
	struct spec_kv *sysctl; size_t n_sysctl;
	struct spec_seccomp *seccomp;         /* NULL if absent */
	const char *rootfs_propagation;       /* "shared" | "slave" | "private" | "unbindable" | NULL */
	const char **masked_paths;   size_t n_masked_paths;   bool has_masked_paths;
	const char **readonly_paths; size_t n_readonly_paths; bool has_readonly_paths;
	const char *mount_label;
	struct spec_personality *personality; /* NULL if absent */
	struct spec_memory_policy *memory_policy; /* NULL if absent */
	struct spec_net_device *net_devices; size_t n_net_devices;
};

struct spec_vm_hypervisor {
	const char *path;
	const char **parameters; size_t n_parameters;
};
struct spec_vm_kernel {
	const char *path;
	const char **parameters; size_t n_parameters;
	const char *initrd;
};
struct spec_vm_image {
	const char *path;
	const char *format;
};
struct spec_vm {
	struct spec_vm_hypervisor *hypervisor;   /* NULL if absent */
	struct spec_vm_kernel kernel;            /* required in vm */
	struct spec_vm_image *image;             /* NULL if absent */
};

struct spec_root {
	const char *path;          /* required */
	bool readonly;
};

struct spec {
	const char *oci_version;   /* required, major 1 */
	struct spec_root *root;    /* NULL if absent (then create refuses) */
	struct spec_mount *mounts; size_t n_mounts;
	struct spec_process *process;   /* NULL if absent (then create refuses) */
	const char *hostname;
	const char *domainname;
	struct spec_hooks *hooks;  /* NULL if absent */
	struct spec_kv *annotations; size_t n_annotations;
	struct spec_linux *linux_; /* NULL if absent */
	struct spec_vm *vm;        /* NULL if absent */

	void *priv_;               /* the parser's memory; do not touch */
};

/* Parse 'path'.  'display' is the name used in messages ("config.json").
 * Returns 0 or a negative errno with err filled.  On failure *out is NULL. */
int spec_load(const char *path, const char *display, struct spec **out, struct spec_err *err);
/* Parse an in-memory document (len bytes, need not be NUL terminated). */
int spec_parse(const char *buf, size_t len, const char *display, struct spec **out, struct spec_err *err);
void spec_free(struct spec *s);

/* Parse a process.json document (`hull exec --process FILE`): the "process"
 * object of config.md as the top level.  Same rules, same messages. */
int spec_process_parse(const char *buf, size_t len, const char *display,
		       struct spec_process **out, void **mem, struct spec_err *err);
void spec_process_free(void *mem);

/* Parse a linux.resources object as a whole document (`hull update
 * --resources FILE`); free with spec_process_free(*mem). */
int spec_resources_parse(const char *buf, size_t len, const char *display,
			 struct spec_resources **out, void **mem, struct spec_err *err);

/* The namespace entry of 'type' in s->linux_, or NULL. */
const struct spec_namespace *spec_namespace_find(const struct spec *s, enum spec_ns_type type);
const char *spec_ns_name(enum spec_ns_type type);   /* "pid", "network", ... */
/* The namespace type whose instance holds sysctl KEY ("net.ipv4.ip_forward"
 * or "net/ipv4/ip_forward"), or -1 for a knob no namespace holds. */
int spec_sysctl_namespace(const char *key);

/* Write the default config.json into dir/config.json like `runc spec`
 * (rootless: the rootless variant).  Refuses to overwrite an existing file. */
/* seccomp: a linux.seccomp document to include, NULL for none. */
int spec_write_default(const char *dir, bool rootless, const char *seccomp, struct spec_err *err);

/* The default config with what an image and `run --image`'s flags say
 * (spec_write_config; o NULL: spec_write_default's).  Given o, the process
 * is o's (args, env, cwd, user, terminal), capabilities are Podman's
 * default set and noNewPrivileges is off (as for Podman), root is o's. */
struct spec_bind { const char *source, *destination; bool readonly; };
struct spec_overrides {
	const char *const *args; size_t n_args;
	const char *const *env; size_t n_env;
	const char *cwd;                 /* NULL: "/" */
	uint32_t uid, gid;
	const uint32_t *gids; size_t n_gids;
	bool terminal, readonly;
	const char *root_path;           /* NULL: "rootfs" */
	const char *hostname;            /* NULL: "hull" */
	const struct spec_bind *binds; size_t n_binds;   /* after the default mounts */
	const struct spec_kv *annotations; size_t n_annotations;
};
int spec_write_config(const char *dir, bool rootless, const char *seccomp, const struct spec_overrides *o,
		      struct spec_err *err);

/* The features document (features.md) as a NUL-terminated JSON string that the
 * caller frees. */
char *spec_features_json(unsigned seccomp_flags);  /* bit i: spec_seccomp_flags[i] works here */

/* ociVersion this hull implements ("1.3.0"). */
#define SPEC_OCI_VERSION "1.3.0"

#endif
