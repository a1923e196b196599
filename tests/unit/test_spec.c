/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for spec/: config.json parsing, process.json, the default
 * config writer and the features document. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "tests/json_tree.h"

#include "spec/spec.h"
#include "spec/json.h"
#include "tests/unit/unit.h"

/* The documents below are written with ' for ", which C strings make
 * unreadable; dq() turns them back into JSON. */
static char *dq(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int parse(const char *sq, struct spec **out, struct spec_err *err)
{
	char *doc = dq(sq);
	int rc = spec_parse(doc, strlen(doc), "config.json", out, err);

	free(doc);  /* the result must not point into the caller's buffer */
	return rc;
}

static void expect_error_at(const char *sq, const char *want, const char *file, int line)
{
	struct spec *s = NULL;
	struct spec_err err = { "" };
	int rc = parse(sq, &s, &err);
	bool ok = rc == -EINVAL && !s && !strcmp(err.msg, want) && !strchr(err.msg, '\n');
	char name[700];

	snprintf(name, sizeof(name), "refused: %s", want);
	if (!unit_report(ok, file, line, name))
		printf("#   rc=%d out=%p\n#   got:  %s\n", rc, (void *)s, err.msg);
	spec_free(s);
}

static void expect_ok_at(const char *sq, const char *file, int line)
{
	struct spec *s = NULL;
	struct spec_err err = { "" };
	int rc = parse(sq, &s, &err);
	char name[700];

	snprintf(name, sizeof(name), "accepted: %s", sq);
	if (!unit_report(rc == 0 && s, file, line, name))
		printf("#   rc=%d: %s\n", rc, err.msg);
	spec_free(s);
}

#define EXPECT_ERROR(doc, msg) expect_error_at(doc, msg, __FILE__, __LINE__)
#define EXPECT_OK(doc)         expect_ok_at(doc, __FILE__, __LINE__)

/* Building blocks for small documents. */
#define DOC(...)    "{'ociVersion':'1.3.0'," __VA_ARGS__ "}"
#define PROC(...)   "'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0}" __VA_ARGS__ "}"
#define LINUX(...)  "'linux':{" __VA_ARGS__ "}"
#define RES(...)    LINUX("'resources':{" __VA_ARGS__ "}")
#define SECCOMP(...) LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," __VA_ARGS__ "}")

static const char full_config[] =
	"{"
	" 'ociVersion': '1.3.0',"
	" 'root': {'path': 'rootfs', 'readonly': true},"
	" 'mounts': ["
	"  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
	"  {'destination': '/data', 'type': 'bind', 'source': '/srv/data', 'options': ['rbind', 'ro'],"
	"   'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
	"   'gidMappings': [{'containerID': 1, 'hostID': 200000, 'size': 1000}]}"
	" ],"
	" 'process': {"
	"  'terminal': true,"
	"  'consoleSize': {'height': 25, 'width': 80},"
	"  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6, 4294967295],"
	"           'username': 'me'},"
	"  'args': ['/bin/sh', '-c', 'echo hi'],"
	"  'commandLine': 'cmd.exe /c',"
	"  'env': ['PATH=/bin', 'HOME=/root'],"
	"  'cwd': '/work',"
	"  'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_KILL'], 'effective': ['CAP_KILL'],"
	"                   'inheritable': [], 'permitted': ['CAP_CHOWN'], 'ambient': ['CAP_NET_RAW']},"
	"  'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},"
	"              {'type': 'RLIMIT_CORE', 'soft': 18446744073709551615,"
	"               'hard': 18446744073709551615},"
	"              {'type': 'RLIMIT_RTTIME', 'soft': 0, 'hard': 9223372036854775808}],"
	"  'noNewPrivileges': true,"
	"  'oomScoreAdj': -500,"
	"  'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -5, 'priority': 10,"
	"                'flags': ['SCHED_FLAG_RESET_ON_FORK'], 'runtime': 1000, 'deadline': 2000,"
	"                'period': 3000},"
	"  'apparmorProfile': 'hull-default',"
	"  'selinuxLabel': 'system_u:system_r:container_t:s0',"
	"  'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4},"
	"  'execCPUAffinity': {'initial': '0-3', 'final': '1,2'}"
	" },"
	" 'hostname': 'box',"
	" 'domainname': 'example.org',"
	" 'hooks': {"
	"  'prestart': [{'path': '/bin/pre', 'args': ['pre', '1'], 'env': ['A=1'], 'timeout': 5}],"
	"  'createRuntime': [{'path': '/bin/cr'}],"
	"  'createContainer': [{'path': '/bin/cc'}, {'path': '/bin/cc2'}],"
	"  'startContainer': [{'path': '/bin/sc'}],"
	"  'poststart': [{'path': '/bin/ps'}],"
	"  'poststop': [{'path': '/bin/pst', 'timeout': 1}]"
	" },"
	" 'annotations': {'org.example.key': 'value', 'b': '2'},"
	" 'linux': {"
	"  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/x'},"
	"                 {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},"
	"                 {'type': 'cgroup'}, {'type': 'time'}],"
	"  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
	"  'gidMappings': [{'containerID': 0, 'hostID': 1001, 'size': 2}],"
	"  'timeOffsets': {'monotonic': {'secs': -10, 'nanosecs': 5},"
	"                  'boottime': {'secs': 9223372036854775807}},"
	"  'devices': [{'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229,"
	"               'fileMode': 438, 'uid': 0, 'gid': 5},"
	"              {'type': 'p', 'path': '/dev/fifo'}],"
	"  'cgroupsPath': '/hull/box',"
	"  'resources': {"
	"   'devices': [{'allow': false, 'access': 'rwm'},"
	"               {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],"
	"   'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1, 'kernel': -1,"
	"              'kernelTCP': 1048576, 'swappiness': 60, 'disableOOMKiller': true,"
	"              'useHierarchy': false, 'checkBeforeUpdate': true},"
	"   'cpu': {'shares': 1024, 'quota': -1, 'burst': 500, 'period': 100000,"
	"           'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'cpus': '2-3', 'mems': '0',"
	"           'idle': 1},"
	"   'blockIO': {'weight': 10, 'leafWeight': 20,"
	"               'weightDevice': [{'major': 8, 'minor': 0, 'weight': 500, 'leafWeight': 300},"
	"                                {'major': 8, 'minor': 16, 'leafWeight': 65535}],"
	"               'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 600}],"
	"               'throttleWriteBpsDevice': [{'major': 8, 'minor': 1, 'rate': 700}],"
	"               'throttleReadIOPSDevice': [{'major': 8, 'minor': 2, 'rate': 800}],"
	"               'throttleWriteIOPSDevice': [{'major': 8, 'minor': 3,"
	"                                            'rate': 18446744073709551615}]},"
	"   'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}, {'pageSize': '1GB', 'limit': 0}],"
	"   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]},"
	"   'pids': {'limit': 32771},"
	"   'rdma': {'mlx5_1': {'hcaHandles': 3, 'hcaObjects': 10000}, 'mlx4_0': {'hcaObjects': 1000}},"
	"   'unified': {'io.max': '259:0 rbps=2097152', 'memory.high': 'max'}"
	"  },"
	"  'intelRdt': {'closID': 'guaranteed_group', 'l3CacheSchema': 'L3:0=7f0;1=1f',"
	"               'memBwSchema': 'MB:0=20;1=70', 'schemata': ['L2:0=f', 'MB:0=20'],"
	"               'enableMonitoring': true},"
	"  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.shmmax': '4096'},"
	"  'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
	"              'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],"
	"              'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
	"              'listenerPath': '/run/seccomp.sock', 'listenerMetadata': 'meta',"
	"              'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
	"                           {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO',"
	"                            'errnoRet': 38,"
	"                            'args': [{'index': 0, 'value': 18446744073709551615,"
	"                                      'valueTwo': 1, 'op': 'SCMP_CMP_MASKED_EQ'},"
	"                                     {'index': 5, 'value': 0, 'op': 'SCMP_CMP_EQ'}]}]},"
	"  'rootfsPropagation': 'rslave',"
	"  'maskedPaths': ['/proc/kcore'],"
	"  'readonlyPaths': [],"
	"  'mountLabel': 'system_u:object_r:container_file_t:s0',"
	"  'personality': {'domain': 'LINUX32', 'flags': ['X']},"
	"  'memoryPolicy': {'mode': 'MPOL_INTERLEAVE', 'nodes': '0-3',"
	"                   'flags': ['MPOL_F_STATIC_NODES']},"
	"  'netDevices': {'eth1': {'name': 'ceth1'}, 'dummy0': {}}"
	" },"
	" 'vm': {'hypervisor': {'path': '/usr/bin/qemu', 'parameters': ['-m', '512']},"
	"        'kernel': {'path': '/boot/vmlinuz', 'parameters': ['console=ttyS0'],"
	"                   'initrd': '/boot/initrd'},"
	"        'image': {'path': '/img.qcow2', 'format': 'qcow2'}},"
	" 'windows': {'layerFolders': 5},"
	" 'solaris': 'not an object',"
	" 'zos': [1],"
	" 'unknownTopLevel': {'deep': [1, 2, {'x': null}]}"
	"}";

static void check_full_process(const struct spec_process *p)
{
	if (!CHECK(p != NULL))
		return;
	CHECK(p->terminal);
	CHECK(p->has_console_size);
	CHECK_UINT(p->console_height, 25);
	CHECK_UINT(p->console_width, 80);
	CHECK_UINT(p->user.uid, 1000);
	CHECK_UINT(p->user.gid, 1001);
	CHECK(p->user.has_umask);
	CHECK_UINT(p->user.umask, 18);
	CHECK_UINT(p->user.n_additional_gids, 3);
	CHECK_UINT(p->user.additional_gids[2], UINT32_MAX);
	CHECK_STR(p->user.username, "me");
	CHECK_UINT(p->n_args, 3);
	CHECK_STR(p->args[2], "echo hi");
	CHECK_STR(p->command_line, "cmd.exe /c");
	CHECK_UINT(p->n_env, 2);
	CHECK_STR(p->env[1], "HOME=/root");
	CHECK_STR(p->cwd, "/work");
	if (CHECK(p->capabilities != NULL)) {
		const struct spec_capabilities *c = p->capabilities;

		CHECK(c->has_bounding && c->n_bounding == 2);
		CHECK_STR(c->bounding[1], "CAP_KILL");
		CHECK(c->has_effective && c->n_effective == 1);
		CHECK(c->has_inheritable && c->n_inheritable == 0);
		CHECK(c->has_permitted && c->n_permitted == 1);
		CHECK(c->has_ambient && c->n_ambient == 1);
		CHECK_STR(c->ambient[0], "CAP_NET_RAW");
	}
	CHECK_UINT(p->n_rlimits, 3);
	CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
	CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
	CHECK_UINT(p->rlimits[0].soft, 1024);
	CHECK_UINT(p->rlimits[0].hard, 4096);
	CHECK_INT(p->rlimits[1].resource, RLIMIT_CORE);
	CHECK_UINT(p->rlimits[1].soft, UINT64_MAX);
	CHECK_UINT(p->rlimits[1].hard, UINT64_MAX);
	CHECK_INT(p->rlimits[2].resource, RLIMIT_RTTIME);
	CHECK_UINT(p->rlimits[2].hard, (uint64_t)INT64_MAX + 1);
	CHECK(p->no_new_privileges);
	CHECK(p->has_oom_score_adj);
	CHECK_INT(p->oom_score_adj, -500);
	if (CHECK(p->scheduler != NULL)) {
		CHECK_STR(p->scheduler->policy, "SCHED_DEADLINE");
		CHECK(p->scheduler->has_nice && p->scheduler->nice == -5);
		CHECK(p->scheduler->has_priority && p->scheduler->priority == 10);
		CHECK(p->scheduler->n_flags == 1);
		CHECK_STR(p->scheduler->flags[0], "SCHED_FLAG_RESET_ON_FORK");
		CHECK(p->scheduler->has_runtime && p->scheduler->runtime == 1000);
		CHECK(p->scheduler->has_deadline && p->scheduler->deadline == 2000);
		CHECK(p->scheduler->has_period && p->scheduler->period == 3000);
	}
	CHECK_STR(p->apparmor_profile, "hull-default");
	CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0");
	if (CHECK(p->io_priority != NULL)) {
		CHECK_STR(p->io_priority->klass, "IOPRIO_CLASS_BE");
		CHECK_INT(p->io_priority->priority, 4);
	}
	if (CHECK(p->exec_cpu_affinity != NULL)) {
		CHECK_STR(p->exec_cpu_affinity->initial, "0-3");
		CHECK_STR(p->exec_cpu_affinity->final, "1,2");
	}
}

static void check_full_resources(const struct spec_resources *r)
{
	if (!CHECK(r != NULL))
		return;
	CHECK_UINT(r->n_devices, 2);
	CHECK(!r->devices[0].allow);
	CHECK(r->devices[0].type == 'a');
	CHECK(!r->devices[0].has_major && !r->devices[0].has_minor);
	CHECK_STR(r->devices[0].access, "rwm");
	CHECK(r->devices[1].allow && r->devices[1].type == 'c');
	CHECK(r->devices[1].has_major && r->devices[1].major == 10);
	CHECK(r->devices[1].has_minor && r->devices[1].minor == 229);

	const struct spec_memory *m = r->memory;
	if (CHECK(m != NULL)) {
		CHECK(m->has_limit && m->limit == 536870912);
		CHECK(m->has_reservation && m->reservation == 268435456);
		CHECK(m->has_swap && m->swap == -1);
		CHECK(m->has_kernel && m->kernel == -1);
		CHECK(m->has_kernel_tcp && m->kernel_tcp == 1048576);
		CHECK(m->has_swappiness && m->swappiness == 60);
		CHECK(m->has_disable_oom_killer && m->disable_oom_killer);
		CHECK(m->has_use_hierarchy && !m->use_hierarchy);
		CHECK(m->has_check_before_update && m->check_before_update);
	}
	const struct spec_cpu *c = r->cpu;
	if (CHECK(c != NULL)) {
		CHECK(c->has_shares && c->shares == 1024);
		CHECK(c->has_quota && c->quota == -1);
		CHECK(c->has_burst && c->burst == 500);
		CHECK(c->has_period && c->period == 100000);
		CHECK(c->has_realtime_runtime && c->realtime_runtime == 950000);
		CHECK(c->has_realtime_period && c->realtime_period == 1000000);
		CHECK_STR(c->cpus, "2-3");
		CHECK_STR(c->mems, "0");
		CHECK(c->has_idle && c->idle == 1);
	}
	const struct spec_blockio *b = r->block_io;
	if (CHECK(b != NULL)) {
		CHECK(b->has_weight && b->weight == 10);
		CHECK(b->has_leaf_weight && b->leaf_weight == 20);
		CHECK_UINT(b->n_weight_device, 2);
		CHECK(b->weight_device[0].major == 8 && b->weight_device[0].minor == 0);
		CHECK(b->weight_device[0].has_weight && b->weight_device[0].weight == 500);
		CHECK(b->weight_device[0].has_leaf_weight && b->weight_device[0].leaf_weight == 300);
		CHECK(!b->weight_device[1].has_weight);
		CHECK_UINT(b->weight_device[1].leaf_weight, 65535);
		CHECK(b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == 600);
		CHECK(b->n_throttle_write_bps == 1 && b->throttle_write_bps[0].minor == 1);
		CHECK(b->n_throttle_read_iops == 1 && b->throttle_read_iops[0].rate == 800);
		CHECK(b->n_throttle_write_iops == 1);
		CHECK_UINT(b->throttle_write_iops[0].rate, UINT64_MAX);
	}
	CHECK_UINT(r->n_hugepage_limits, 2);
	CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
	CHECK_UINT(r->hugepage_limits[0].limit, 209715200);
	if (CHECK(r->network != NULL)) {
		CHECK(r->network->has_class_id && r->network->class_id == 1048577);
		CHECK(r->network->n_priorities == 1);
		CHECK_STR(r->network->priorities[0].name, "eth0");
		CHECK_UINT(r->network->priorities[0].priority, 500);
	}
	CHECK(r->has_pids_limit && r->pids_limit == 32771);
	CHECK_UINT(r->n_rdma, 2);
	CHECK_STR(r->rdma[0].device, "mlx5_1");
	CHECK(r->rdma[0].has_hca_handles && r->rdma[0].hca_handles == 3);
	CHECK(r->rdma[0].has_hca_objects && r->rdma[0].hca_objects == 10000);
	CHECK_STR(r->rdma[1].device, "mlx4_0");
	CHECK(!r->rdma[1].has_hca_handles);
	CHECK_UINT(r->n_unified, 2);
	CHECK_STR(r->unified[1].key, "memory.high");
	CHECK_STR(r->unified[1].value, "max");
}

static void check_full_linux(const struct spec *s)
{
	const struct spec_linux *l = s->linux_;

	if (!CHECK(l != NULL))
		return;
	CHECK_UINT(l->n_namespaces, 8);
	CHECK(l->namespaces[0].type == SPEC_NS_PID && !l->namespaces[0].path);
	CHECK(l->namespaces[7].type == SPEC_NS_TIME);
	const struct spec_namespace *net = spec_namespace_find(s, SPEC_NS_NETWORK);
	CHECK(net == &l->namespaces[1]);
	CHECK_STR(net ? net->path : NULL, "/var/run/netns/x");
	CHECK(spec_namespace_find(s, SPEC_NS_CGROUP) == &l->namespaces[6]);
	CHECK(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000);
	CHECK(l->n_gid_mappings == 1 && l->gid_mappings[0].size == 2);
	CHECK(l->time_monotonic.present);
	CHECK_INT(l->time_monotonic.secs, -10);
	CHECK_UINT(l->time_monotonic.nanosecs, 5);
	CHECK(l->time_boottime.present);
	CHECK_INT(l->time_boottime.secs, INT64_MAX);
	CHECK_UINT(l->n_devices, 2);
	CHECK(l->devices[0].type == 'c');
	CHECK_STR(l->devices[0].path, "/dev/fuse");
	CHECK(l->devices[0].major == 10 && l->devices[0].minor == 229);
	CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
	CHECK(l->devices[0].has_uid && l->devices[0].uid == 0);
	CHECK(l->devices[0].has_gid && l->devices[0].gid == 5);
	CHECK(l->devices[1].type == 'p' && !l->devices[1].has_file_mode);
	CHECK_STR(l->cgroups_path, "/hull/box");
	check_full_resources(l->resources);
	if (CHECK(l->intel_rdt != NULL)) {
		CHECK_STR(l->intel_rdt->clos_id, "guaranteed_group");
		CHECK_STR(l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f");
		CHECK_STR(l->intel_rdt->mem_bw_schema, "MB:0=20;1=70");
		CHECK(l->intel_rdt->n_schemata == 2);
		CHECK_STR(l->intel_rdt->schemata[1], "MB:0=20");
		CHECK(l->intel_rdt->enable_monitoring);
	}
	CHECK_UINT(l->n_sysctl, 2);
	CHECK_STR(l->sysctl[0].key, "net.ipv4.ip_forward");
	CHECK_STR(l->sysctl[0].value, "1");
	const struct spec_seccomp *sc = l->seccomp;
	if (CHECK(sc != NULL)) {
		CHECK_STR(sc->default_action, "SCMP_ACT_ERRNO");
		CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 1);
		CHECK(sc->n_architectures == 2);
		CHECK_STR(sc->architectures[1], "SCMP_ARCH_X86");
		CHECK(sc->n_flags == 1);
		CHECK_STR(sc->listener_path, "/run/seccomp.sock");
		CHECK_STR(sc->listener_metadata, "meta");
		CHECK_UINT(sc->n_syscalls, 2);
		CHECK(sc->syscalls[0].n_names == 2 && !sc->syscalls[0].has_errno_ret);
		CHECK_STR(sc->syscalls[0].names[1], "write");
		CHECK(sc->syscalls[1].has_errno_ret && sc->syscalls[1].errno_ret == 38);
		CHECK_UINT(sc->syscalls[1].n_args, 2);
		const struct spec_seccomp_arg *a = sc->syscalls[1].args;
		CHECK_UINT(a[0].value, UINT64_MAX);
		CHECK(a[0].has_value_two && a[0].value_two == 1);
		CHECK_STR(a[0].op, "SCMP_CMP_MASKED_EQ");
		CHECK(a[1].index == 5 && a[1].value == 0 && !a[1].has_value_two);
	}
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK(l->has_masked_paths && l->n_masked_paths == 1);
	CHECK_STR(l->masked_paths[0], "/proc/kcore");
	CHECK(l->has_readonly_paths && l->n_readonly_paths == 0);
	CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
	if (CHECK(l->personality != NULL)) {
		CHECK_STR(l->personality->domain, "LINUX32");
		CHECK(l->personality->n_flags == 1);
	}
	if (CHECK(l->memory_policy != NULL)) {
		CHECK_STR(l->memory_policy->mode, "MPOL_INTERLEAVE");
		CHECK_STR(l->memory_policy->nodes, "0-3");
		CHECK_STR(l->memory_policy->flags[0], "MPOL_F_STATIC_NODES");
	}
	CHECK_UINT(l->n_net_devices, 2);
	CHECK_STR(l->net_devices[0].host_name, "eth1");
	CHECK_STR(l->net_devices[0].name, "ceth1");
	CHECK_STR(l->net_devices[1].host_name, "dummy0");
	CHECK_STR(l->net_devices[1].name, NULL);
}

static void check_full(const struct spec *s)
{
	CHECK_STR(s->oci_version, "1.3.0");
	if (CHECK(s->root != NULL)) {
		CHECK_STR(s->root->path, "rootfs");
		CHECK(s->root->readonly);
	}
	CHECK_UINT(s->n_mounts, 2);
	CHECK_STR(s->mounts[0].destination, "/proc");
	CHECK(s->mounts[0].n_options == 0 && s->mounts[0].n_uid_mappings == 0);
	CHECK_STR(s->mounts[1].source, "/srv/data");
	CHECK_STR(s->mounts[1].type, "bind");
	CHECK(s->mounts[1].n_options == 2);
	CHECK_STR(s->mounts[1].options[1], "ro");
	CHECK(s->mounts[1].n_uid_mappings == 1 && s->mounts[1].uid_mappings[0].size == 65536);
	CHECK(s->mounts[1].n_gid_mappings == 1);
	CHECK_UINT(s->mounts[1].gid_mappings[0].container_id, 1);
	CHECK_UINT(s->mounts[1].gid_mappings[0].host_id, 200000);
	check_full_process(s->process);
	CHECK_STR(s->hostname, "box");
	CHECK_STR(s->domainname, "example.org");
	const struct spec_hooks *h = s->hooks;
	if (CHECK(h != NULL)) {
		CHECK(h->n_prestart == 1);
		CHECK_STR(h->prestart[0].path, "/bin/pre");
		CHECK(h->prestart[0].n_args == 2 && h->prestart[0].n_env == 1);
		CHECK(h->prestart[0].has_timeout && h->prestart[0].timeout == 5);
		CHECK(h->n_create_runtime == 1 && !h->create_runtime[0].has_timeout);
		CHECK(h->n_create_container == 2);
		CHECK_STR(h->create_container[1].path, "/bin/cc2");
		CHECK(h->n_start_container == 1 && h->n_poststart == 1);
		CHECK(h->n_poststop == 1 && h->poststop[0].timeout == 1);
	}
	CHECK_UINT(s->n_annotations, 2);
	CHECK_STR(s->annotations[0].key, "org.example.key");
	CHECK_STR(s->annotations[0].value, "value");
	check_full_linux(s);
	if (CHECK(s->vm != NULL)) {
		CHECK(s->vm->hypervisor && s->vm->hypervisor->n_parameters == 2);
		CHECK_STR(s->vm->hypervisor->path, "/usr/bin/qemu");
		CHECK_STR(s->vm->kernel.path, "/boot/vmlinuz");
		CHECK_STR(s->vm->kernel.parameters[0], "console=ttyS0");
		CHECK_STR(s->vm->kernel.initrd, "/boot/initrd");
		CHECK(s->vm->image != NULL);
		CHECK_STR(s->vm->image->format, "qcow2");
	}
}

static void test_full(void)
{
	struct spec *s = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("full config");
	if (!CHECK_INT(parse(full_config, &s, &err), 0)) {
		printf("#   %s\n", err.msg);
		return;
	}
	check_full(s);
	spec_free(s);
}

/* The same document through spec_load, from a file. */
static void test_load(void)
{
	char dir[] = "/tmp/hull-test-spec.XXXXXX";
	char path[64];
	struct spec *s = NULL;
	struct spec_err err = { "" };
	int rc;

	UNIT_GROUP("spec_load");
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	char *doc = dq(full_config);
	FILE *f = fopen(path, "w");
	if (CHECK(f != NULL)) {
		fputs(doc, f);
		fclose(f);
	}
	free(doc);
	rc = spec_load(path, "config.json", &s, &err);
	if (CHECK_INT(rc, 0))
		check_full(s);
	else
		printf("#   %s\n", err.msg);
	spec_free(s);

	rc = spec_load("/nonexistent/config.json", "config.json", &s, &err);
	CHECK_INT(rc, -ENOENT);
	CHECK(s == NULL);
	CHECK_STR(err.msg, "config.json: No such file or directory");
	rc = spec_load("/nonexistent/config.json", NULL, &s, &err);
	CHECK_STR(err.msg, "/nonexistent/config.json: No such file or directory");
	rc = spec_load(dir, "config.json", &s, &err);
	CHECK_INT(rc, -EISDIR);
	CHECK_STR(err.msg, "config.json: Is a directory");

	f = fopen(path, "w");
	if (f) {
		fputs("{\"ociVersion\": \"1.0.0\",", f);
		fclose(f);
	}
	rc = spec_load(path, "bundle/config.json", &s, &err);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(err.msg, "bundle/config.json: invalid JSON: parse error: premature EOF, near "
			   "\"{\\\"ociVersion\\\": \\\"1.0.0\\\",\"");
	f = fopen(path, "w");
	if (f)
		fclose(f);
	rc = spec_load(path, "config.json", &s, &err);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(err.msg, "config.json: invalid JSON: parse error: premature EOF");
	unlink(path);
	rmdir(dir);
}

static void test_minimal(void)
{
	struct spec *s = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("minimal config");
	if (!CHECK_INT(parse("{'ociVersion': '1.0.0'}", &s, &err), 0))
		return;
	CHECK_STR(s->oci_version, "1.0.0");
	CHECK(!s->root && !s->process && !s->hooks && !s->linux_ && !s->vm);
	CHECK(s->n_mounts == 0 && s->n_annotations == 0);
	CHECK(!s->hostname && !s->domainname);
	CHECK(spec_namespace_find(s, SPEC_NS_PID) == NULL);
	spec_free(s);

	/* What a minimal real bundle has; every optional field stays unset. */
	if (!CHECK_INT(parse(DOC("'root': {'path': '/rootfs'}," PROC() ","
				 "'linux': {'namespaces': [{'type': 'mount'}]}"), &s, &err), 0))
		return;
	const struct spec_process *p = s->process;
	CHECK(p && !p->terminal && !p->has_console_size && !p->capabilities && !p->scheduler);
	CHECK(p && !p->has_oom_score_adj && !p->io_priority && !p->exec_cpu_affinity);
	CHECK(p && p->n_env == 0 && p->n_rlimits == 0 && !p->user.has_umask);
	CHECK(s->root && !s->root->readonly);
	CHECK(s->linux_ && !s->linux_->resources && !s->linux_->seccomp);
	CHECK(s->linux_ && !s->linux_->has_masked_paths && !s->linux_->time_monotonic.present);
	CHECK(spec_namespace_find(s, SPEC_NS_MOUNT) != NULL);
	CHECK(spec_namespace_find(s, SPEC_NS_PID) == NULL);
	spec_free(s);

	/* null is read as absent, as Go's encoder writes nil slices. */
	if (CHECK_INT(parse(DOC("'hostname': null, 'mounts': null," PROC(", 'env': null")), &s, &err),
		      0)) {
		CHECK(!s->hostname && s->n_mounts == 0 && s->process->n_env == 0);
		spec_free(s);
	}
	spec_free(NULL);
}

static void test_versions(void)
{
	UNIT_GROUP("ociVersion");
	EXPECT_OK("{'ociVersion': '1.0.2-dev'}");
	EXPECT_OK("{'ociVersion': '1.1.0-rc.1'}");
	EXPECT_OK("{'ociVersion': '1.2.1'}");
	EXPECT_OK("{'ociVersion': '1.3.12+build.7'}");
	EXPECT_ERROR("{}", "config.json: ociVersion: required field missing");
	EXPECT_ERROR("{'ociVersion': '2.0.0'}",
		     "config.json: ociVersion: unsupported version \"2.0.0\" (major must be 1)");
	EXPECT_ERROR("{'ociVersion': '0.6.0'}",
		     "config.json: ociVersion: unsupported version \"0.6.0\" (major must be 1)");
	/* Minor versions only add fields, which are ignored when unknown. */
	EXPECT_OK("{'ociVersion': '1.4.0'}");
	EXPECT_ERROR("{'ociVersion': '1.0'}",
		     "config.json: ociVersion: invalid version \"1.0\" (expected MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("{'ociVersion': 'v1.0.0'}",
		     "config.json: ociVersion: invalid version \"v1.0.0\" (expected MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("{'ociVersion': '1.0.0x'}",
		     "config.json: ociVersion: invalid version \"1.0.0x\" (expected MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("{'ociVersion': 1}", "config.json: ociVersion: expected a string");
}

static void test_json_errors(void)
{
	struct spec *s = NULL;
	struct spec_err err = { "" };
	char *deep;
	int rc;

	UNIT_GROUP("JSON errors");
	EXPECT_ERROR("[]", "config.json: expected an object");
	EXPECT_ERROR("'1.0.0'", "config.json: expected an object");
	EXPECT_ERROR("{", "config.json: invalid JSON: parse error: premature EOF, near \"{\"");
	EXPECT_ERROR("", "config.json: invalid JSON: parse error: premature EOF");
	EXPECT_ERROR("{'a': x}", "config.json: invalid JSON: lexical error: invalid char in json "
				 "text, near \"{\\\"a\\\": x}\"");
	EXPECT_ERROR("{} {}", "config.json: invalid JSON: parse error: trailing garbage, near "
			      "\"{} {}\"");

	/* yajl took a string cut short after the document as if it
	 * were not there (found by tests/fuzz: "0.0\""). */
	EXPECT_ERROR("0.0'", "config.json: invalid JSON: unexpected text \"\\\"\"");
	EXPECT_ERROR("{'ociVersion':'1.0.0'}'", "config.json: invalid JSON: unexpected text \"\\\"\"");
	EXPECT_ERROR("{'ociVersion':'1.0.0'} 'abc", "config.json: invalid JSON: unexpected text \"\\\"abc\"");
	EXPECT_ERROR("{'ociVersion':'1.0.0'} 't", "config.json: invalid JSON: unexpected text \"\\\"t\"");
	EXPECT_ERROR("{'ociVersion':'1.0.0'} n", "config.json: invalid JSON: parse error: trailing garbage, near "
						 "\"{\\\"ociVersion\\\":\\\"1.0.0\\\"} n\"");

	rc = spec_parse("{\"ociVersion\":\"1.0.0\"}\0{}", 24, "config.json", &s, &err);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(err.msg, "config.json: invalid JSON: NUL byte in document");
	/* spec_parse takes a length, not a C string. */
	rc = spec_parse("{\"ociVersion\":\"1.0.0\"}garbage", 22, "config.json", &s, &err);
	CHECK_INT(rc, 0);
	spec_free(s);

	/* Nesting is bounded (yajl frees its tree recursively), also when a
	 * comment or string tries to hide brackets; moderate nesting is fine. */
	deep = malloc(1024);
	strcpy(deep, "{'ociVersion': '1.0.0', 'x': ");
	size_t n = strlen(deep);
	memset(deep + n, '[', 200);
	deep[n + 200] = 0;
	EXPECT_ERROR(deep, "config.json: invalid JSON: nested too deeply");
	strcpy(deep, "{'ociVersion': '1.0.0', /* ' */ 'x': ");
	n = strlen(deep);
	memset(deep + n, '[', 200);
	deep[n + 200] = 0;
	EXPECT_ERROR(deep, "config.json: invalid JSON: nested too deeply");
	strcpy(deep, "{'ociVersion': '1.0.0', 'x': ");
	n = strlen(deep);
	memset(deep + n, '[', 100);
	memset(deep + n + 100, ']', 100);
	strcpy(deep + n + 200, "}");
	EXPECT_OK(deep);
	free(deep);
}

/* What C or the kernel would read differently from the document: a NUL
 * cutting a string short, bytes that are not UTF-8, a path too long for
 * PATH_MAX.  Refused, naming the field, wherever the string is. */
#define NUL_ARGS(a) "'process':{'cwd':'/','args':" a ",'user':{'uid':0,'gid':0}}"
static void test_strings(void)
{
	UNIT_GROUP("strings C would cut");
	EXPECT_ERROR(DOC(NUL_ARGS("['tr\\u0000ue']")), "config.json: process.args[0]: string contains a NUL byte");
	EXPECT_ERROR(DOC(NUL_ARGS("['sh','\\u0000']")), "config.json: process.args[1]: string contains a NUL byte");
	EXPECT_ERROR(DOC(PROC(",'env':['A=1','B=x\\u0000y']")), "config.json: process.env[1]: string contains a NUL byte");
	EXPECT_ERROR(DOC("'process':{'cwd':'/tmp\\u0000/x','args':['sh'],'user':{'uid':0,'gid':0}}"),
		     "config.json: process.cwd: string contains a NUL byte");
	EXPECT_ERROR(DOC("'mounts':[{'destination':'/proc'},{'destination':'/a\\u0000b','type':'tmpfs'}]"),
		     "config.json: mounts[1].destination: string contains a NUL byte");
	EXPECT_ERROR(DOC("'mounts':[{'destination':'/a','source':'/etc\\u0000','options':['bind']}]"),
		     "config.json: mounts[0].source: string contains a NUL byte");
	EXPECT_ERROR(DOC("'mounts':[{'destination':'/a','options':['ro','\\u0000']}]"),
		     "config.json: mounts[0].options[1]: string contains a NUL byte");
	EXPECT_ERROR(DOC("'hooks':{'prestart':[{'path':'/bin/true'}],'poststop':[{'path':'/bin/a\\u0000b'}]}"),
		     "config.json: hooks.poststop[0].path: string contains a NUL byte");
	EXPECT_ERROR(DOC("'hooks':{'prestart':[{'path':'/bin/true','args':['true','\\u0000']}]}"),
		     "config.json: hooks.prestart[0].args[1]: string contains a NUL byte");
	EXPECT_ERROR(DOC("'annotations':{'org.a':'1','org.b':'x\\u0000'}"),
		     "config.json: annotations[\"org.b\"]: string contains a NUL byte");
	EXPECT_ERROR(DOC("'annotations':{'org\\u0000b':'x'}"), "config.json: annotations: key contains a NUL byte");
	EXPECT_ERROR(DOC("'root':{'path':'rootfs\\u0000'}"), "config.json: root.path: string contains a NUL byte");
	EXPECT_ERROR(DOC("'hostname':'a\\u0000'"), "config.json: hostname: string contains a NUL byte");
	EXPECT_ERROR(DOC(LINUX("'sysctl':{'net.ipv4.ip_forward':'1\\u0000'}")),
		     "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: string contains a NUL byte");
	EXPECT_ERROR(DOC(LINUX("'namespaces':[{'type':'network','path':'/run/netns/x\\u0000'}]")),
		     "config.json: linux.namespaces[0].path: string contains a NUL byte");
	EXPECT_ERROR(DOC(LINUX("'cgroupsPath':'/a\\u0000'")), "config.json: linux.cgroupsPath: string contains a NUL byte");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls':[{'names':['read','wr\\u0000ite'],'action':'SCMP_ACT_ERRNO'}]")),
		     "config.json: linux.seccomp.syscalls[0].names[1]: string contains a NUL byte");
	/* Also where hull does not look: no field is let through cut. */
	EXPECT_ERROR(DOC("'org.example':{'x':['\\u0000']}"),
		     "config.json: [\"org.example\"].x[0]: string contains a NUL byte");
	/* JSON is UTF-8; yajl let overlong forms, surrogates and lone \u
	 * surrogate halves through (a lone high half as "?"). */
	EXPECT_ERROR(DOC(PROC(",'env':['A=\xff']")), "config.json: process.env[0]: string is not valid UTF-8");
	EXPECT_ERROR(DOC(NUL_ARGS("['\xc0\x80']")), "config.json: process.args[0]: string is not valid UTF-8");
	EXPECT_ERROR(DOC(NUL_ARGS("['\xed\xa0\x80']")), "config.json: process.args[0]: string is not valid UTF-8");
	EXPECT_ERROR(DOC(NUL_ARGS("['\xf4\x90\x80\x80']")), "config.json: process.args[0]: string is not valid UTF-8");
	EXPECT_ERROR(DOC("'hostname':'x\\ud800'"),
		     "config.json: hostname: string has a \\u escape of half a surrogate pair alone");
	EXPECT_ERROR(DOC("'hostname':'\\ud800\\u0041'"),
		     "config.json: hostname: string has a \\u escape of half a surrogate pair alone");
	EXPECT_ERROR(DOC("'annotations':{'\xe2\x82':'x'}"), "config.json: annotations: key is not valid UTF-8");
	/* A value quoted in a message is cut at 64 bytes, not inside a character. */
	EXPECT_ERROR(DOC(PROC(",'rlimits':[{'type':'RLIMIT_" "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
			      "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
			      "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9x','soft':1,'hard':1}]")),
		     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...\"");
	/* A message longer than struct spec_err holds is cut, but not inside a
	 * character (found by tests/fuzz: a path of keys full of U+1F6A9). */
	char *deep = malloc(4096);
	for (int shift = 1; shift < 10; shift++) {   /* the cut falls in each byte of a character */
		size_t n = (size_t)sprintf(deep, "{'ociVersion':'1.0.0','%.*s':{'x':1", shift, "bbbbbbbbb");
		for (int i = 0; i < 12; i++)
			n += (size_t)sprintf(deep + n, ",'a\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9"
						       "\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9\\ud83d\\udea9':{'x':1");
		n += (size_t)sprintf(deep + n, ",'z':'\\u0000'");
		for (int i = 0; i < 14; i++)
			deep[n++] = '}';
		deep[n] = 0;
		struct spec *none = NULL;
		struct spec_err cut = { "" };
		CHECK_INT(parse(deep, &none, &cut), -EINVAL);
		size_t len = strlen(cut.msg), tail = len;
		while (tail && ((unsigned char)cut.msg[tail - 1] & 0xc0) == 0x80)
			tail--;
		CHECK(len > 400);
		CHECK(tail && ((unsigned char)cut.msg[tail - 1] < 0x80 || len - tail == 3));   /* no character cut */
	}
	free(deep);
	/* Unicode itself is fine, escaped or not. */
	struct spec *s = NULL;
	struct spec_err err = { "" };
	if (CHECK_INT(parse(DOC("'hostname':'caf\\u00e9\\ud83d\\ude00',"
				 "'annotations':{'k\xc3\xa9':'caf\xc3\xa9 \xf0\x9f\x98\x80'}"), &s, &err), 0)) {
		CHECK_STR(s->hostname, "caf\xc3\xa9\xf0\x9f\x98\x80");
		CHECK_STR(s->annotations[0].key, "k\xc3\xa9");
		CHECK_STR(s->annotations[0].value, "caf\xc3\xa9 \xf0\x9f\x98\x80");
		spec_free(s);
	}
	/* The other documents read the same way. */
	struct spec_process *p = NULL;
	struct spec_resources *r = NULL;
	void *mem = NULL;
	static const char proc[] = "{\"cwd\":\"/\",\"args\":[\"tr\\u0000ue\"],\"user\":{\"uid\":0,\"gid\":0}}";
	CHECK_INT(spec_process_parse(proc, sizeof proc - 1, "process.json", &p, &mem, &err), -EINVAL);
	CHECK_STR(err.msg, "process.json: args[0]: string contains a NUL byte");
	static const char res[] = "{\"unified\":{\"memory.max\":\"1\\u0000\"}}";
	CHECK_INT(spec_resources_parse(res, sizeof res - 1, "resources.json", &r, &mem, &err), -EINVAL);
	CHECK_STR(err.msg, "resources.json: unified[\"memory.max\"]: string contains a NUL byte");
}

/* A path (fields the kernel or hull take as one) of PATH_MAX bytes or more. */
static void test_long_paths(void)
{
	UNIT_GROUP("paths longer than PATH_MAX");
	/* The document is pre, the path, post. */
	static const struct {
		const char *pre, *post, *field;
		bool absolute;
	} at[] = {
		{ DOC("'process':{'cwd':'"), "','args':['sh'],'user':{'uid':0,'gid':0}}}", "process.cwd", true },
		{ DOC("'root':{'path':'"), "'}}", "root.path", false },
		{ DOC("'mounts':[{'destination':'"), "'}]}", "mounts[0].destination", true },
		{ DOC("'mounts':[{'destination':'/a','source':'"), "'}]}", "mounts[0].source", false },
		{ DOC("'hooks':{'poststart':[{'path':'"), "'}]}}", "hooks.poststart[0].path", true },
		{ DOC("'linux':{'namespaces':[{'type':'pid','path':'"), "'}]}}", "linux.namespaces[0].path", true },
		{ DOC("'linux':{'devices':[{'type':'p','path':'"), "'}]}}", "linux.devices[0].path", true },
		{ DOC("'linux':{'cgroupsPath':'"), "'}}", "linux.cgroupsPath", false },
		{ DOC("'linux':{'maskedPaths':['/a','"), "']}}", "linux.maskedPaths[1]", true },
		{ DOC("'linux':{'readonlyPaths':['"), "']}}", "linux.readonlyPaths[0]", true },
		{ DOC("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'"), "'}}}",
		  "linux.seccomp.listenerPath", true },
	};
	char *doc = malloc(PATH_MAX + 512), want[256];
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		for (size_t len = PATH_MAX - 1; len <= PATH_MAX; len++) {
			/* (DOC's closing brace is cut off pre, post has it) */
			size_t n = strlen(at[i].pre) - 1;
			memcpy(doc, at[i].pre, n);
			memset(doc + n, 'a', len);
			doc[n] = at[i].absolute ? '/' : 'a';
			strcpy(doc + n + len, at[i].post);
			if (len < PATH_MAX) {
				EXPECT_OK(doc);
				continue;
			}
			snprintf(want, sizeof want, "config.json: %s: path longer than PATH_MAX allows (4095 bytes)",
				 at[i].field);
			EXPECT_ERROR(doc, want);
		}
	}
	free(doc);
}

static void test_process_errors(void)
{
	UNIT_GROUP("process errors");
	EXPECT_ERROR(DOC("'process': 5"), "config.json: process: expected an object");
	EXPECT_ERROR(DOC("'process': {'args': ['sh'], 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.cwd: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': 'work', 'args': ['sh'], 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.cwd: must be an absolute path");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': ['sh']}"),
		     "config.json: process.user: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': ['sh'], 'user': null}"),
		     "config.json: process.user: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': ['sh'], 'user': {'uid': 0}}"),
		     "config.json: process.user.gid: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': ['sh'], 'user': {'gid': 0}}"),
		     "config.json: process.user.uid: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.args: required field missing");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': [], 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.args: must not be empty");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': ['a', 'b', 3], 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.args[2]: expected a string");
	EXPECT_ERROR(DOC("'process': {'cwd': '/', 'args': 'sh', 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.args: expected an array");
	EXPECT_ERROR(DOC("'process': {'cwd': 5, 'args': ['sh'], 'user': {'uid': 0, 'gid': 0}}"),
		     "config.json: process.cwd: expected a string");

	/* Integer classes: negative, too big, float, exponent, string. */
	static const char *const bad_uids[] = { "-1", "4294967296", "1.0", "1e3", "'0'", "true" };
	char doc[256];
	for (size_t i = 0; i < sizeof(bad_uids) / sizeof(bad_uids[0]); i++) {
		snprintf(doc, sizeof(doc),
			 DOC("'process': {'cwd': '/', 'args': ['sh'], 'user': {'uid': %s, 'gid': 0}}"),
			 bad_uids[i]);
		EXPECT_ERROR(doc, "config.json: process.user.uid: expected an unsigned 32-bit integer");
	}
	EXPECT_OK(DOC("'process': {'cwd': '/', 'args': ['sh'], 'user': {'uid': 4294967295, 'gid': 0}}"));
	EXPECT_ERROR(DOC(PROC(", 'user': {'uid': 0, 'gid': 0, 'additionalGids': [1, -2]}")),
		     "config.json: process.user.additionalGids[1]: expected an unsigned 32-bit integer");
	EXPECT_ERROR(DOC(PROC(", 'user': {'uid': 0, 'gid': 0, 'umask': 'x'}")),
		     "config.json: process.user.umask: expected an unsigned 32-bit integer");
	EXPECT_ERROR(DOC(PROC(", 'terminal': 'yes'")),
		     "config.json: process.terminal: expected a boolean");
	EXPECT_ERROR(DOC(PROC(", 'consoleSize': {'height': 10}")),
		     "config.json: process.consoleSize.width: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]")),
		     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'soft': 1, 'hard': 1}]")),
		     "config.json: process.rlimits[0].type: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1}]")),
		     "config.json: process.rlimits[0].soft: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1}]")),
		     "config.json: process.rlimits[0].hard: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'type': 'RLIMIT_AS', 'soft': 1,"
			      " 'hard': 18446744073709551616}]")),
		     "config.json: process.rlimits[0].hard: expected an unsigned 64-bit integer");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [{'type': 'RLIMIT_AS', 'soft': -1, 'hard': 1}]")),
		     "config.json: process.rlimits[0].soft: expected an unsigned 64-bit integer");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': {}")), "config.json: process.rlimits: expected an array");
	EXPECT_ERROR(DOC(PROC(", 'rlimits': [5]")), "config.json: process.rlimits[0]: expected an object");
	EXPECT_ERROR(DOC(PROC(", 'oomScoreAdj': 1001")),
		     "config.json: process.oomScoreAdj: must be between -1000 and 1000");
	EXPECT_ERROR(DOC(PROC(", 'oomScoreAdj': 2147483648")),
		     "config.json: process.oomScoreAdj: expected a 32-bit integer");
	EXPECT_OK(DOC(PROC(", 'oomScoreAdj': -1000")));
	EXPECT_ERROR(DOC(PROC(", 'scheduler': {'nice': 1}")),
		     "config.json: process.scheduler.policy: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'scheduler': {'policy': 'SCHED_FOO'}")),
		     "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
	EXPECT_ERROR(DOC(PROC(", 'ioPriority': {'priority': 1}")),
		     "config.json: process.ioPriority.class: required field missing");
	EXPECT_ERROR(DOC(PROC(", 'ioPriority': {'class': 'IOPRIO_CLASS_NONE'}")),
		     "config.json: process.ioPriority.class: unknown I/O priority class "
		     "\"IOPRIO_CLASS_NONE\"");
	EXPECT_ERROR(DOC(PROC(", 'capabilities': 'CAP_KILL'")),
		     "config.json: process.capabilities: expected an object");
	EXPECT_ERROR(DOC(PROC(", 'capabilities': {'bounding': 'CAP_KILL'}")),
		     "config.json: process.capabilities.bounding: expected an array");
	EXPECT_ERROR(DOC(PROC(", 'execCPUAffinity': {'initial': 'all'}")),
		     "config.json: process.execCPUAffinity.initial: invalid CPU list \"all\"");
	EXPECT_ERROR(DOC(PROC(", 'env': ['A=1', null]")),
		     "config.json: process.env[1]: expected a string");
}

static void test_top_level_errors(void)
{
	UNIT_GROUP("root, mounts, hooks, annotations errors");
	EXPECT_ERROR(DOC("'root': {}"), "config.json: root.path: required field missing");
	EXPECT_ERROR(DOC("'root': {'path': 'r', 'readonly': 1}"),
		     "config.json: root.readonly: expected a boolean");
	EXPECT_ERROR(DOC("'hostname': 7"), "config.json: hostname: expected a string");
	EXPECT_ERROR(DOC("'mounts': {}"), "config.json: mounts: expected an array");
	EXPECT_ERROR(DOC("'mounts': [{'source': 'x'}]"),
		     "config.json: mounts[0].destination: required field missing");
	EXPECT_ERROR(DOC("'mounts': [{'destination': '/a'}, {'destination': '/b', 'options': [5]}]"),
		     "config.json: mounts[1].options[0]: expected a string");
	EXPECT_ERROR(DOC("'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0,"
			 " 'hostID': 0}]}]"),
		     "config.json: mounts[0].uidMappings[0].size: required field missing");
	EXPECT_ERROR(DOC("'hooks': {'prestart': [{'args': []}]}"),
		     "config.json: hooks.prestart[0].path: required field missing");
	EXPECT_ERROR(DOC("'hooks': {'poststop': [{'path': '/a'}, {'path': 'rel'}]}"),
		     "config.json: hooks.poststop[1].path: must be an absolute path");
	EXPECT_ERROR(DOC("'hooks': {'createRuntime': [{'path': '/a', 'timeout': 0}]}"),
		     "config.json: hooks.createRuntime[0].timeout: must be greater than zero");
	EXPECT_ERROR(DOC("'hooks': {'startContainer': {}}"),
		     "config.json: hooks.startContainer: expected an array");
	EXPECT_ERROR(DOC("'annotations': {'ab': 1}"),
		     "config.json: annotations.ab: expected a string");
	EXPECT_ERROR(DOC("'annotations': {'a.b': 1}"),
		     "config.json: annotations[\"a.b\"]: expected a string");
	EXPECT_ERROR(DOC("'annotations': []"), "config.json: annotations: expected an object");
}

static void test_linux_errors(void)
{
	UNIT_GROUP("linux errors");
	EXPECT_ERROR(DOC("'linux': []"), "config.json: linux: expected an object");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': 'pid'}, {'type': 'foo'}]")),
		     "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': 'pid'}, {'type': 'uts'}, {'type': 'pid'}]")),
		     "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\"");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'path': '/proc/1/ns/pid'}]")),
		     "config.json: linux.namespaces[0].type: required field missing");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': 'net'}]")),
		     "config.json: linux.namespaces[0].type: unknown namespace type \"net\"");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': 'pid', 'path': 'proc/1/ns/pid'}]")),
		     "config.json: linux.namespaces[0].path: must be an absolute path");
	EXPECT_ERROR(DOC(LINUX("'uidMappings': [{'hostID': 0, 'size': 1}]")),
		     "config.json: linux.uidMappings[0].containerID: required field missing");
	EXPECT_ERROR(DOC(LINUX("'gidMappings': [{'containerID': 0, 'hostID': -1, 'size': 1}]")),
		     "config.json: linux.gidMappings[0].hostID: expected an unsigned 32-bit integer");
	EXPECT_ERROR(DOC(LINUX("'gidMappings': [{'containerID': 0, 'hostID': 0}]")),
		     "config.json: linux.gidMappings[0].size: required field missing");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'x', 'path': '/dev/x'}]")),
		     "config.json: linux.devices[0].type: unknown device type \"x\"");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'cc', 'path': '/dev/x'}]")),
		     "config.json: linux.devices[0].type: unknown device type \"cc\"");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'path': '/dev/x'}]")),
		     "config.json: linux.devices[0].type: required field missing");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'p'}]")),
		     "config.json: linux.devices[0].path: required field missing");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'p', 'path': 'dev/x'}]")),
		     "config.json: linux.devices[0].path: must be an absolute path");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'c', 'path': '/dev/x', 'minor': 1}]")),
		     "config.json: linux.devices[0].major: required field missing");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'b', 'path': '/dev/x', 'major': 1}]")),
		     "config.json: linux.devices[0].minor: required field missing");
	EXPECT_ERROR(DOC(LINUX("'devices': [{'type': 'u', 'path': '/dev/x', 'major': null, 'minor': 1}]")),
		     "config.json: linux.devices[0].major: required field missing");
	EXPECT_ERROR(DOC(LINUX("'timeOffsets': {'realtime': {'secs': 1}}")),
		     "config.json: linux.timeOffsets.realtime: unknown clock \"realtime\"");
	EXPECT_ERROR(DOC(LINUX("'timeOffsets': {'monotonic': {'nanosecs': -1}}")),
		     "config.json: linux.timeOffsets.monotonic.nanosecs: expected an unsigned 32-bit "
		     "integer");
	EXPECT_ERROR(DOC(LINUX("'sysctl': {'net.ipv4.ip_forward': true}")),
		     "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string");
	EXPECT_ERROR(DOC(LINUX("'rootfsPropagation': 'bogus'")),
		     "config.json: linux.rootfsPropagation: unknown rootfs propagation \"bogus\"");
	EXPECT_ERROR(DOC(LINUX("'maskedPaths': [1]")),
		     "config.json: linux.maskedPaths[0]: expected a string");
	EXPECT_ERROR(DOC(LINUX("'intelRdt': {'schemata': 'L3:0=f'}")),
		     "config.json: linux.intelRdt.schemata: expected an array");
	EXPECT_ERROR(DOC(LINUX("'personality': {}")),
		     "config.json: linux.personality.domain: required field missing");
	EXPECT_ERROR(DOC(LINUX("'personality': {'domain': 'BSD'}")),
		     "config.json: linux.personality.domain: unknown personality domain \"BSD\"");
	EXPECT_ERROR(DOC(LINUX("'memoryPolicy': {'nodes': '0'}")),
		     "config.json: linux.memoryPolicy.mode: required field missing");
	EXPECT_ERROR(DOC(LINUX("'memoryPolicy': {'mode': 'MPOL_X'}")),
		     "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_X\"");
	EXPECT_ERROR(DOC(LINUX("'netDevices': {'eth0': 'ceth0'}")),
		     "config.json: linux.netDevices.eth0: expected an object");
	EXPECT_ERROR(DOC(LINUX("'netDevices': {'eth0': {'name': 1}}")),
		     "config.json: linux.netDevices.eth0.name: expected a string");
	/* A value that could break the one-line message is escaped; long ones cut. */
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': 'a\\nb\\\"'}]")),
		     "config.json: linux.namespaces[0].type: unknown namespace type \"a\\x0ab\\\"\"");
	EXPECT_ERROR(DOC(LINUX("'namespaces': [{'type': '"
			       "0123456789012345678901234567890123456789012345678901234567890123456789'}]")),
		     "config.json: linux.namespaces[0].type: unknown namespace type "
		     "\"0123456789012345678901234567890123456789012345678901234567890123...\"");
}

static void test_resources_errors(void)
{
	UNIT_GROUP("linux.resources errors");
	EXPECT_ERROR(DOC(RES("'devices': [{'access': 'rwm'}]")),
		     "config.json: linux.resources.devices[0].allow: required field missing");
	EXPECT_ERROR(DOC(RES("'devices': [{'allow': 'no'}]")),
		     "config.json: linux.resources.devices[0].allow: expected a boolean");
	EXPECT_ERROR(DOC(RES("'devices': [{'allow': true, 'type': 'u'}]")),
		     "config.json: linux.resources.devices[0].type: unknown device type \"u\"");
	EXPECT_ERROR(DOC(RES("'devices': [{'allow': true, 'access': 'rwx'}]")),
		     "config.json: linux.resources.devices[0].access: invalid access \"rwx\"");
	EXPECT_ERROR(DOC(RES("'memory': {'limit': 1.5}")),
		     "config.json: linux.resources.memory.limit: expected a 64-bit integer");
	EXPECT_ERROR(DOC(RES("'memory': {'limit': 9223372036854775808}")),
		     "config.json: linux.resources.memory.limit: expected a 64-bit integer");
	EXPECT_ERROR(DOC(RES("'memory': {'swap': -9223372036854775809}")),
		     "config.json: linux.resources.memory.swap: expected a 64-bit integer");
	EXPECT_ERROR(DOC(RES("'memory': {'swappiness': -1}")),
		     "config.json: linux.resources.memory.swappiness: expected an unsigned 64-bit integer");
	EXPECT_ERROR(DOC(RES("'memory': {'disableOOMKiller': 0}")),
		     "config.json: linux.resources.memory.disableOOMKiller: expected a boolean");
	EXPECT_ERROR(DOC(RES("'cpu': {'shares': -2}")),
		     "config.json: linux.resources.cpu.shares: expected an unsigned 64-bit integer");
	EXPECT_ERROR(DOC(RES("'cpu': {'cpus': 3}")),
		     "config.json: linux.resources.cpu.cpus: expected a string");
	EXPECT_ERROR(DOC(RES("'blockIO': {'weight': 65536}")),
		     "config.json: linux.resources.blockIO.weight: expected an unsigned 16-bit integer");
	EXPECT_ERROR(DOC(RES("'blockIO': {'weightDevice': [{'major': 8, 'minor': 0}]}")),
		     "config.json: linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight");
	EXPECT_ERROR(DOC(RES("'blockIO': {'weightDevice': [{'minor': 0, 'weight': 1}]}")),
		     "config.json: linux.resources.blockIO.weightDevice[0].major: required field missing");
	EXPECT_ERROR(DOC(RES("'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'minor': 0}]}")),
		     "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required "
		     "field missing");
	EXPECT_ERROR(DOC(RES("'blockIO': {'throttleWriteIOPSDevice': [{'major': 8, 'rate': 1}]}")),
		     "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: required "
		     "field missing");
	EXPECT_ERROR(DOC(RES("'hugepageLimits': [{'limit': 1}]")),
		     "config.json: linux.resources.hugepageLimits[0].pageSize: required field missing");
	EXPECT_ERROR(DOC(RES("'hugepageLimits': [{'pageSize': '2MB'}]")),
		     "config.json: linux.resources.hugepageLimits[0].limit: required field missing");
	EXPECT_ERROR(DOC(RES("'network': {'priorities': [{'priority': 1}]}")),
		     "config.json: linux.resources.network.priorities[0].name: required field missing");
	EXPECT_ERROR(DOC(RES("'network': {'classID': 4294967296}")),
		     "config.json: linux.resources.network.classID: expected an unsigned 32-bit integer");
	EXPECT_ERROR(DOC(RES("'pids': {}")),
		     "config.json: linux.resources.pids.limit: required field missing");
	EXPECT_ERROR(DOC(RES("'pids': {'limit': '10'}")),
		     "config.json: linux.resources.pids.limit: expected a 64-bit integer");
	EXPECT_ERROR(DOC(RES("'rdma': {'mlx5_1': {}}")),
		     "config.json: linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects");
	EXPECT_ERROR(DOC(RES("'rdma': {'mlx-5': {'hcaHandles': 'x'}}")),
		     "config.json: linux.resources.rdma[\"mlx-5\"].hcaHandles: expected an unsigned "
		     "32-bit integer");
	EXPECT_ERROR(DOC(RES("'unified': {'cpu.max': 5}")),
		     "config.json: linux.resources.unified[\"cpu.max\"]: expected a string");

	struct spec *s = NULL;
	struct spec_err err = { "" };
	if (CHECK_INT(parse(DOC(RES("'pids': {'limit': -1}, 'memory': {'limit': -1}")), &s, &err), 0)) {
		CHECK(s->linux_->resources->has_pids_limit && s->linux_->resources->pids_limit == -1);
		CHECK(s->linux_->resources->memory->limit == -1);
		spec_free(s);
	}
}

static void test_seccomp_errors(void)
{
	UNIT_GROUP("linux.seccomp errors");
	EXPECT_ERROR(DOC(LINUX("'seccomp': {}")),
		     "config.json: linux.seccomp.defaultAction: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': [], 'action': 'SCMP_ACT_ALLOW'}]")),
		     "config.json: linux.seccomp.syscalls[0].names: must not be empty");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'action': 'SCMP_ACT_ALLOW'}]")),
		     "config.json: linux.seccomp.syscalls[0].names: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read']}]")),
		     "config.json: linux.seccomp.syscalls[0].action: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'value': 1,"
				 " 'op': 'SCMP_CMP_EQ'}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[0].index: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 1,"
				 " 'op': 'SCMP_CMP_EQ'}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[0].value: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 1,"
				 " 'value': 2}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[0].op: required field missing");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 1,"
				 " 'value': -1, 'op': 'SCMP_CMP_EQ'}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[0].value: expected an unsigned 64-bit "
		     "integer");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'errnoRet': 1.0}]")),
		     "config.json: linux.seccomp.syscalls[0].errnoRet: expected an unsigned 32-bit integer");
	EXPECT_ERROR(DOC(SECCOMP("'listenerMetadata': 'x'")),
		     "config.json: linux.seccomp.listenerMetadata: set without listenerPath");
	EXPECT_ERROR(DOC(LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_FOO'}")),
		     "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
	EXPECT_ERROR(DOC(LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_NOTIFY'}")),
		     "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO'},"
				 " {'names': ['write'], 'action': 'SCMP_ACT_FOO'}]")),
		     "config.json: linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 1,"
				 " 'value': 2, 'op': 'SCMP_CMP_EQ'}, {'index': 1, 'value': 2, 'op': 'SCMP_CMP_XX'}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_XX\"");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6,"
				 " 'value': 2, 'op': 'SCMP_CMP_EQ'}]}]")),
		     "config.json: linux.seccomp.syscalls[0].args[0].index: must be below 6 (a syscall has six arguments)");
	EXPECT_ERROR(DOC(SECCOMP("'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80']")),
		     "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
	EXPECT_ERROR(DOC(SECCOMP("'flags': ['SECCOMP_FILTER_FLAG_NOPE']")),
		     "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");
	EXPECT_ERROR(DOC(SECCOMP("'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]")),
		     "config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
}

static void test_vm_errors(void)
{
	UNIT_GROUP("vm errors");
	EXPECT_ERROR(DOC("'vm': {}"), "config.json: vm.kernel: required field missing");
	EXPECT_ERROR(DOC("'vm': {'kernel': {}}"), "config.json: vm.kernel.path: required field missing");
	EXPECT_ERROR(DOC("'vm': {'kernel': {'path': '/k'}, 'hypervisor': {}}"),
		     "config.json: vm.hypervisor.path: required field missing");
	EXPECT_ERROR(DOC("'vm': {'kernel': {'path': '/k'}, 'image': {'path': '/i'}}"),
		     "config.json: vm.image.format: required field missing");
	EXPECT_ERROR(DOC("'vm': {'kernel': {'path': '/k'}, 'image': {'path': '/i', 'format': 'iso'}}"),
		     "config.json: vm.image.format: unknown image format \"iso\"");
	EXPECT_OK(DOC("'vm': {'kernel': {'path': '/k'}}"));
}

/* Every remaining required field, each left out of an otherwise valid object. */
static void test_required_fields(void)
{
	static const struct {
		const char *doc, *msg;
	} cases[] = {
		{ DOC(PROC(", 'consoleSize': {'width': 80}")), "process.consoleSize.height" },
		{ DOC(LINUX("'uidMappings': [{'containerID': 0, 'size': 1}]")),
		  "linux.uidMappings[0].hostID" },
		{ DOC(RES("'blockIO': {'weightDevice': [{'major': 8, 'weight': 1}]}")),
		  "linux.resources.blockIO.weightDevice[0].minor" },
		{ DOC(RES("'blockIO': {'throttleWriteBpsDevice': [{'minor': 0, 'rate': 1}]}")),
		  "linux.resources.blockIO.throttleWriteBpsDevice[0].major" },
		{ DOC(RES("'blockIO': {'throttleReadIOPSDevice': [{'major': 8, 'minor': 0}]}")),
		  "linux.resources.blockIO.throttleReadIOPSDevice[0].rate" },
		{ DOC(RES("'network': {'priorities': [{'name': 'eth0'}]}")),
		  "linux.resources.network.priorities[0].priority" },
		{ DOC("'vm': {'kernel': {'path': '/k'}, 'image': {'format': 'raw'}}"), "vm.image.path" },
		{ DOC("'mounts': [{'destination': '/a', 'gidMappings': [{'hostID': 0, 'size': 1}]}]"),
		  "mounts[0].gidMappings[0].containerID" },
	};
	char want[256];

	UNIT_GROUP("required fields");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(want, sizeof(want), "config.json: %s: required field missing", cases[i].msg);
		EXPECT_ERROR(cases[i].doc, want);
	}
	/* Unknown keys are skipped wherever they are, whatever their type. */
	EXPECT_OK(DOC(PROC(", 'futureField': {'x': [1, 2]}, 'user': {'uid': 0, 'gid': 0, 'sid': 'S'}")
		      ", 'linux': {'futureList': 5, 'resources': {'memory': {'huge': true}}}"));
}

static void test_process_json(void)
{
	static const char doc[] = "{\"cwd\": \"/tmp\", \"args\": [\"ls\", \"-l\"], "
				  "\"user\": {\"uid\": 1, \"gid\": 2}, \"env\": [\"A=B\"], "
				  "\"terminal\": true, \"rlimits\": [{\"type\": \"RLIMIT_NPROC\", "
				  "\"soft\": 10, \"hard\": 20}]}";
	struct spec_process *p = NULL;
	struct spec_err err = { "" };
	void *mem = NULL;
	int rc;

	UNIT_GROUP("process.json");
	rc = spec_process_parse(doc, sizeof(doc) - 1, "process.json", &p, &mem, &err);
	if (CHECK_INT(rc, 0) && CHECK(p && mem)) {
		CHECK_STR(p->cwd, "/tmp");
		CHECK(p->n_args == 2);
		CHECK_STR(p->args[1], "-l");
		CHECK(p->user.uid == 1 && p->user.gid == 2);
		CHECK(p->terminal && p->n_env == 1);
		CHECK_INT(p->rlimits[0].resource, RLIMIT_NPROC);
	}
	spec_process_free(mem);

	char *bad = dq("{'args': ['ls'], 'user': {'uid': 1, 'gid': 2}}");
	rc = spec_process_parse(bad, strlen(bad), "process.json", &p, &mem, &err);
	CHECK_INT(rc, -EINVAL);
	CHECK(p == NULL && mem == NULL);
	CHECK_STR(err.msg, "process.json: cwd: required field missing");
	free(bad);
	/* without a user: 0:0 (config.json's process must have one) */
	bad = dq("{'cwd': '/', 'args': ['id']}");
	rc = spec_process_parse(bad, strlen(bad), "process.json", &p, &mem, &err);
	if (CHECK_INT(rc, 0) && CHECK(p && mem))
		CHECK(p->user.uid == 0 && p->user.gid == 0 && p->user.n_additional_gids == 0);
	spec_process_free(mem);
	free(bad);
	bad = dq("{'cwd': '/', 'args': ['id'], 'user': null}");
	rc = spec_process_parse(bad, strlen(bad), "process.json", &p, &mem, &err);
	if (CHECK_INT(rc, 0) && CHECK(p && mem))
		CHECK(p->user.uid == 0 && p->user.gid == 0);
	spec_process_free(mem);
	free(bad);
	bad = dq("{'cwd': '/', 'args': ['id'], 'user': {'uid': 1}}");
	rc = spec_process_parse(bad, strlen(bad), "process.json", &p, &mem, &err);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(err.msg, "process.json: user.gid: required field missing");
	free(bad);
	bad = dq("{'cwd': '/', 'args': [1], 'user': {'uid': 1, 'gid': 2}}");
	rc = spec_process_parse(bad, strlen(bad), NULL, &p, &mem, &err);
	CHECK_STR(err.msg, "process.json: args[0]: expected a string");
	free(bad);
	rc = spec_process_parse("[", 1, "p.json", &p, &mem, &err);
	CHECK_STR(err.msg, "p.json: invalid JSON: parse error: premature EOF, near \"[\"");
	spec_process_free(NULL);
}

static void test_ns_names(void)
{
	static const char *const names[] = {
		[SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
		[SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",         [SPEC_NS_USER] = "user",
		[SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
	};
	bool all = true;

	UNIT_GROUP("namespace names");
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		all &= !strcmp(spec_ns_name((enum spec_ns_type)t), names[t]);
	CHECK(all);
	CHECK_STR(spec_ns_name(SPEC_NS__COUNT), "unknown");
	CHECK(spec_namespace_find(NULL, SPEC_NS_PID) == NULL);
}

/* Only config.json (no temporary file) may be left in dir. */
static bool only_config_json(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	bool ok = d != NULL;

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		files++;
		ok &= !strcmp(e->d_name, "config.json");
	}
	if (d)
		closedir(d);
	return ok && files == 1;
}

static const struct spec_mount *find_mount(const struct spec *s, const char *destination)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, destination))
			return &s->mounts[i];
	return NULL;
}

static bool has_option(const struct spec_mount *m, const char *option)
{
	for (size_t i = 0; m && i < m->n_options; i++)
		if (!strcmp(m->options[i], option))
			return true;
	return false;
}

static void test_default(bool rootless)
{
	char dir[] = "/tmp/hull-test-default.XXXXXX";
	char path[64], want[128];
	struct spec *s = NULL;
	struct spec_err err = { "" };
	int rc;

	UNIT_GROUP(rootless ? "spec_write_default rootless" : "spec_write_default");
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	rc = spec_write_default(dir, rootless, NULL, &err);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", err.msg);
	CHECK(only_config_json(dir));
	rc = spec_load(path, "config.json", &s, &err);
	if (CHECK_INT(rc, 0)) {
		const struct spec_process *p = s->process;

		CHECK_STR(s->oci_version, SPEC_OCI_VERSION);
		CHECK(p->terminal && p->no_new_privileges);
		CHECK(p->user.uid == 0 && p->user.gid == 0);
		CHECK(p->n_args == 1);
		CHECK_STR(p->args[0], "sh");
		CHECK(p->n_env == 2);
		CHECK_STR(p->env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		CHECK_STR(p->env[1], "TERM=xterm");
		CHECK_STR(p->cwd, "/");
		CHECK(p->capabilities && p->capabilities->n_bounding == 3 &&
		      p->capabilities->n_effective == 3 && p->capabilities->n_permitted == 3 &&
		      !p->capabilities->has_inheritable && !p->capabilities->has_ambient);
		CHECK_STR(p->capabilities->bounding[2], "CAP_NET_BIND_SERVICE");
		CHECK(p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE &&
		      p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 1024);
		CHECK(s->root && s->root->readonly);
		CHECK_STR(s->root->path, "rootfs");
		CHECK_STR(s->hostname, "hull");
		CHECK_UINT(s->n_mounts, 7);
		CHECK(find_mount(s, "/proc") && find_mount(s, "/dev/shm") && find_mount(s, "/dev/mqueue"));
		CHECK(has_option(find_mount(s, "/dev"), "size=65536k"));
		CHECK(has_option(find_mount(s, "/dev/pts"), "ptmxmode=0666"));
		CHECK(has_option(find_mount(s, "/dev/pts"), "gid=5") == !rootless);
		CHECK(has_option(find_mount(s, "/sys/fs/cgroup"), "relatime"));
		const struct spec_mount *sys = find_mount(s, "/sys");
		CHECK_STR(sys ? sys->type : NULL, rootless ? "none" : "sysfs");
		CHECK_STR(sys ? sys->source : NULL, rootless ? "/sys" : "sysfs");
		CHECK(has_option(sys, "rbind") == rootless && has_option(sys, "ro"));
		CHECK(s->linux_ && s->linux_->n_namespaces == 6);
		CHECK((spec_namespace_find(s, SPEC_NS_NETWORK) == NULL) == rootless);
		CHECK((spec_namespace_find(s, SPEC_NS_USER) != NULL) == rootless);
		CHECK(spec_namespace_find(s, SPEC_NS_CGROUP) && spec_namespace_find(s, SPEC_NS_PID));
		CHECK(s->linux_->n_masked_paths == 11 && s->linux_->n_readonly_paths == 5);
		CHECK_STR(s->linux_->masked_paths[10], "/sys/devices/virtual/powercap");
		CHECK_STR(s->linux_->readonly_paths[4], "/proc/sysrq-trigger");
		if (rootless) {
			const struct spec_linux *l = s->linux_;

			CHECK(!l->resources);
			CHECK(l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0 &&
			      l->uid_mappings[0].host_id == getuid() && l->uid_mappings[0].size == 1);
			CHECK(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == getgid());
		} else {
			const struct spec_resources *r = s->linux_->resources;

			CHECK(r && r->n_devices == 1 && !r->devices[0].allow && r->devices[0].type == 'a');
			CHECK_STR(r ? r->devices[0].access : NULL, "rwm");
			CHECK(s->linux_->n_uid_mappings == 0);
		}
	} else {
		printf("#   %s\n", err.msg);
	}
	spec_free(s);

	rc = spec_write_default(dir, rootless, NULL, &err);
	CHECK_INT(rc, -EEXIST);
	snprintf(want, sizeof(want), "%s/config.json: file exists", dir);
	CHECK_STR(err.msg, want);
	CHECK(only_config_json(dir));
	unlink(path);
	rmdir(dir);
}

static void test_default_seccomp(void)
{
	char dir[] = "/tmp/hull-spec-XXXXXX", path[64];
	struct spec *s = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("spec_write_default with a seccomp profile");
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	CHECK_INT(spec_write_default(dir, false, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
				     " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\","
				     " \"args\": [{\"index\": 0, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_NE\"}]}]}",
				     &err), 0);
	if (CHECK_INT(spec_load(path, "config.json", &s, &err), 0)) {
		const struct spec_seccomp *sc = s->linux_->seccomp;
		if (CHECK(sc && sc->n_syscalls == 1 && sc->syscalls[0].n_names == 2 && sc->syscalls[0].n_args == 1)) {
			CHECK_STR(sc->default_action, "SCMP_ACT_ERRNO");
			CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 1);
			CHECK_STR(sc->syscalls[0].names[1], "write");
			CHECK(sc->syscalls[0].args[0].value == UINT64_MAX);
		}
		CHECK(s->linux_->n_masked_paths == 11);   /* the rest is all there */
	} else {
		printf("#   %s\n", err.msg);
	}
	spec_free(s);
	unlink(path);
	CHECK_INT(spec_write_default(dir, false, "{\"defaultAction\": ", &err), -EINVAL);
	CHECK(only_config_json(dir) || access(path, F_OK) != 0);
	rmdir(dir);
}

static void test_default_failures(void)
{
	struct spec_err err = { "" };
	int rc;

	UNIT_GROUP("spec_write_default failures");
	rc = spec_write_default("/nonexistent-hull-dir", false, NULL, &err);
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(err.msg, "/nonexistent-hull-dir/config.json: No such file or directory");

	/* A dangling symlink named config.json counts as existing. */
	char dir[] = "/tmp/hull-test-default.XXXXXX", link_path[64];
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(link_path, sizeof(link_path), "%s/config.json", dir);
	CHECK(symlink("/nonexistent-target", link_path) == 0);
	rc = spec_write_default(dir, true, NULL, &err);
	CHECK_INT(rc, -EEXIST);
	CHECK(only_config_json(dir));
	unlink(link_path);
	rmdir(dir);
}

static yajl_val get(yajl_val tree, yajl_type type, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };

	return yajl_tree_get(tree, path, type);
}

static void test_features(void)
{
	char *json = spec_features_json(0x5);
	char errbuf[256] = "";
	yajl_val tree, v;

	UNIT_GROUP("features");
	if (!CHECK(json != NULL))
		return;
	tree = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	if (!CHECK(tree != NULL)) {
		printf("#   %s\n", errbuf);
		free(json);
		return;
	}
	CHECK(strchr(json, '\n') != NULL);  /* pretty-printed */
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "ociVersionMin", NULL, NULL)), "1.0.0");
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "ociVersionMax", NULL, NULL)),
		  SPEC_OCI_VERSION);
	v = get(tree, yajl_t_array, "hooks", NULL, NULL);
	CHECK(v && v->u.array.len == 6);

	v = get(tree, yajl_t_array, "mountOptions", NULL, NULL);
	bool sorted = v != NULL, has_rbind = false, has_rro = false;
	const char *prev = "";
	for (size_t i = 0; v && i < v->u.array.len; i++) {
		const char *o = YAJL_GET_STRING(v->u.array.values[i]);

		if (!o) {
			sorted = false;
			break;
		}
		sorted &= strcmp(prev, o) < 0;
		has_rbind |= !strcmp(o, "rbind");
		has_rro |= !strcmp(o, "rro");
		prev = o;
	}
	CHECK(v && v->u.array.len == 59);
	CHECK(sorted && has_rbind && has_rro);

	v = get(tree, yajl_t_array, "linux", "namespaces", NULL);
	CHECK(v && v->u.array.len == SPEC_NS__COUNT);
	v = get(tree, yajl_t_array, "linux", "capabilities", NULL);
	bool all_caps = v && v->u.array.len >= 38, has_chown = false, has_sys_admin = false;
	for (size_t i = 0; v && i < v->u.array.len; i++) {
		const char *cap = YAJL_GET_STRING(v->u.array.values[i]);

		all_caps &= cap && !strncmp(cap, "CAP_", 4);
		has_chown |= cap && !strcmp(cap, "CAP_CHOWN");
		has_sys_admin |= cap && !strcmp(cap, "CAP_SYS_ADMIN");
	}
	CHECK(all_caps && has_chown && has_sys_admin);
	CHECK(get(tree, yajl_t_true, "linux", "cgroup", "v1"));
	CHECK(get(tree, yajl_t_true, "linux", "cgroup", "v2"));
	CHECK(get(tree, yajl_t_true, "linux", "cgroup", "systemd"));
	CHECK(get(tree, yajl_t_false, "linux", "cgroup", "systemdUser"));
	CHECK(get(tree, yajl_t_true, "linux", "cgroup", "rdma"));
	CHECK(get(tree, yajl_t_true, "linux", "seccomp", "enabled"));
	v = get(tree, yajl_t_array, "linux", "seccomp", "actions");
	CHECK(v && v->u.array.len == SC_ACT__COUNT);
	v = get(tree, yajl_t_array, "linux", "seccomp", "operators");
	if (CHECK(v && v->u.array.len == 7))
		CHECK_STR(YAJL_GET_STRING(v->u.array.values[6]), "SCMP_CMP_MASKED_EQ");
	v = get(tree, yajl_t_array, "linux", "seccomp", "archs");
	CHECK(v && v->u.array.len >= 3);
	v = get(tree, yajl_t_array, "linux", "seccomp", "knownFlags");
	CHECK(v && v->u.array.len == 4);
	v = get(tree, yajl_t_array, "linux", "seccomp", "supportedFlags");   /* bits 0 and 2 */
	if (CHECK(v && v->u.array.len == 2)) {
		CHECK_STR(YAJL_GET_STRING(v->u.array.values[0]), "SECCOMP_FILTER_FLAG_TSYNC");
		CHECK_STR(YAJL_GET_STRING(v->u.array.values[1]), "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	}
	CHECK(get(tree, yajl_t_true, "linux", "apparmor", "enabled"));
	CHECK(get(tree, yajl_t_true, "linux", "selinux", "enabled"));
	CHECK(get(tree, yajl_t_false, "linux", "intelRdt", "enabled"));
	const char *idmap[] = { "linux", "mountExtensions", "idmap", "enabled", NULL };
	CHECK(yajl_tree_get(tree, idmap, yajl_t_false));
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "annotations",
				      "org.opencontainers.runc.checkpoint.enabled", NULL)), "false");
	CHECK(get(tree, yajl_t_string, "annotations", "io.github.hull.version", NULL));
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "annotations", "io.github.hull.networks", NULL)), "bridge");
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "annotations", "io.github.hull.networks.nftables", NULL)),
		  "inet hull");
	CHECK_STR(YAJL_GET_STRING(get(tree, yajl_t_string, "annotations", "io.github.hull.networks.cni", NULL)),
		  "0.3.0,0.3.1,0.4.0,1.0.0,1.1.0");
	const char *nann = YAJL_GET_STRING(get(tree, yajl_t_string, "annotations", "io.github.hull.networks.annotations",
					       NULL));
	CHECK(nann && strstr(nann, "io.github.hull.network,") && strstr(nann, "io.github.hull.add-host"));
	yajl_tree_free(tree);
	free(json);
}

/* ---- json_parse: the same tree as yajl_tree_parse, or NULL ---------------- */

/* Parsed alike by both (want == -1), or refused by json_parse for reason
 * want (enum json_status); a syntax error also by yajl. */
static void check_json(const char *doc, int want)
{
	void *blocks = NULL;
	char err[256];
	struct json_error je;
	yajl_val fast = json_parse(doc, 8, tree_block_alloc, &blocks, &je);
	yajl_val slow = yajl_tree_parse(doc, err, sizeof err);
	bool ok;
	if (want < 0)
		ok = CHECK(fast != NULL) && CHECK(tree_same(fast, slow, true));
	else
		ok = CHECK(fast == NULL) && CHECK_INT(je.status, want) && (want != JSON_SYNTAX || CHECK(slow == NULL));
	if (!ok)
		printf("#   document: %s\n", doc);
	yajl_tree_free(slow);
	tree_free_blocks(blocks);
}

/* Refused for a string at path (keys and indexes as "a.b[1]" would show
 * them, without the dots): what. */
static void check_json_string(const char *doc, const char *path, const char *what)
{
	void *blocks = NULL;
	struct json_error je;
	yajl_val v = json_parse(doc, 8, tree_block_alloc, &blocks, &je);
	char got[256] = "";
	size_t n = 0;
	for (unsigned i = 0; !v && i < je.depth && i < JSON_MAX_PATH; i++)
		n += (size_t)(je.path[i].key ? snprintf(got + n, sizeof got - n, "%s%s", i ? "." : "", je.path[i].key)
					      : snprintf(got + n, sizeof got - n, "[%zu]", je.path[i].index));
	if (!(CHECK(v == NULL) && CHECK_INT(je.status, JSON_STRING) && CHECK_STR(got, path) &&
	      CHECK_STR(je.what, what)))
		printf("#   document: %s\n", doc);
	tree_free_blocks(blocks);
}

static void test_json_parse(void)
{
	UNIT_GROUP("json_parse");
	static const char *same[] = {
		"{}", "[]", " { } ", "\n\t{\r\n}\n", "0", "-0", "12", "-12", "1.5", "-0.25e-3", "1E+9", "2e9",
		"9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400",
		"\"\"", "\"a b\"", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "true", "false", "null",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{\"dup\":1,\"dup\":2}", "{\"\":\"\"}", "[[[[]]],[{}],{\"x\":[]}]", "[[[[[[[[1]]]]]]]]",
		"[1, 2.0, -3e2, 0.5E-1, \"s\", {\"k\": \"v\"}]",
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"echo hi\"],\"env\":[\"PATH=/bin\"],"
		"\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
		"\"linux\":{\"resources\":{\"memory\":{\"limit\":-1}},\"namespaces\":[{\"type\":\"pid\"}]}}",
		/* What yajl_tree_parse takes beyond plain ASCII JSON: \u escapes,
		 * UTF-8, comments (an unterminated one at the end too), \v and \f. */
		"\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0001\\uFFFF\"", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"\"\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80 \xc2\x80 \x7f\"", "{\"k\\u00e9\":\"\\\\u0000\"}",
		"{\"a\":1} // comment", "/* c */ {}", "{/**/\"a\"/* x */:/***/1//\n}", "{}/* open", "{}//", "{}/*/",
		"{\"a\":1}\v", "\f[\f1\f]\f",
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		check_json(same[i], -1);
	/* Errors: yajl words the message. */
	static const char *syntax[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[-]",
		"[1e]", "[+1]", "{} {}", "{}x", "tru", "nul", "[True]", "\"open", "\"bad \\x escape\"",
		"\"tab\there\"", "[1 2]", "[\"a\" \"b\"]", "{\"a\":{\"b\":[1,{\"c\":}]}}", "\"\\u12\"",
		"\"\\u12G4\"", "{} /", "{} /x", "/", "\"\\", "\"\\u",
	};
	for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
		check_json(syntax[i], JSON_SYNTAX);
	check_json("[[[[[[[[[1]]]]]]]]]", JSON_DEEP);   /* deeper than 8 */
	check_json("{\"a\":[[[[[[[{}]]]]]]]}", JSON_DEEP);
	/* Strings C would read differently: refused where they are. */
	check_json_string("\"tr\\u0000ue\"", "", "string contains a NUL byte");
	check_json_string("{\"a\":[\"x\",{\"b\":\"\\u0000\"}]}", "a[1].b", "string contains a NUL byte");
	check_json_string("{\"a\":{\"k\\u0000\":1}}", "a", "key contains a NUL byte");
	check_json_string("[\"\xff\"]", "[0]", "string is not valid UTF-8");
	check_json_string("[1,\"\xc0\x80\"]", "[1]", "string is not valid UTF-8");       /* overlong NUL */
	check_json_string("[\"\xe0\x9f\xbf\"]", "[0]", "string is not valid UTF-8");     /* overlong */
	check_json_string("[\"\xed\xa0\x80\"]", "[0]", "string is not valid UTF-8");     /* a surrogate */
	check_json_string("[\"\xf4\x90\x80\x80\"]", "[0]", "string is not valid UTF-8"); /* > U+10FFFF */
	check_json_string("[\"\xf5\x80\x80\x80\"]", "[0]", "string is not valid UTF-8");
	check_json_string("[\"\xc3\"]", "[0]", "string is not valid UTF-8");               /* cut short */
	check_json_string("[\"\xe2\x82\"]", "[0]", "string is not valid UTF-8");
	check_json_string("{\"\x80\":1}", "", "key is not valid UTF-8");
	static const char *halves[] = { "\"\\ud800\"", "\"\\ud800x\"", "\"\\udc00\\ud800\"", "\"\\ud800\\u0041\"",
					 "\"\\ud800\\ud800\"", "\"\\uDFFF\"" };
	for (size_t i = 0; i < sizeof halves / sizeof *halves; i++)
		check_json_string(halves[i], "", "string has a \\u escape of half a surrogate pair alone");
	/* The path stops at JSON_MAX_PATH frames; depth says how deep it was. */
	void *blocks = NULL;
	struct json_error je;
	CHECK(!json_parse("[[[[[[[[[[[[[[[[[[[\"\\u0000\"]]]]]]]]]]]]]]]]]]]", 64, tree_block_alloc, &blocks, &je));
	CHECK_INT(je.depth, 19);
	tree_free_blocks(blocks);
	/* The default config hull spec writes. */
	char dir[] = "/tmp/hull-json-XXXXXX";
	if (CHECK(mkdtemp(dir) != NULL)) {
		struct spec_err e;
		if (CHECK(spec_write_default(dir, false, NULL, &e) == 0)) {
			char path[64], buf[65536];
			snprintf(path, sizeof path, "%s/config.json", dir);
			FILE *in = fopen(path, "r");
			size_t n = in ? fread(buf, 1, sizeof buf - 1, in) : 0;
			if (in)
				fclose(in);
			buf[n] = 0;
			unlink(path);
			CHECK(n > 1000);
			check_json(buf, -1);
		}
		rmdir(dir);
	}
}

static void test_sysctl_namespace(void)
{
	UNIT_GROUP("sysctl namespaces");
	CHECK_INT(spec_sysctl_namespace("net.ipv4.ip_forward"), SPEC_NS_NETWORK);
	CHECK_INT(spec_sysctl_namespace("net/ipv4/conf/eth0/rp_filter"), SPEC_NS_NETWORK);
	CHECK_INT(spec_sysctl_namespace("kernel.msgmax"), SPEC_NS_IPC);
	CHECK_INT(spec_sysctl_namespace("kernel/sem"), SPEC_NS_IPC);
	CHECK_INT(spec_sysctl_namespace("kernel.shm_rmid_forced"), SPEC_NS_IPC);
	CHECK_INT(spec_sysctl_namespace("fs.mqueue.msg_max"), SPEC_NS_IPC);
	CHECK_INT(spec_sysctl_namespace("kernel.hostname"), SPEC_NS_UTS);
	CHECK_INT(spec_sysctl_namespace("kernel.domainname"), SPEC_NS_UTS);
	CHECK_INT(spec_sysctl_namespace("vm.swappiness"), -1);
	CHECK_INT(spec_sysctl_namespace("kernel.core_pattern"), -1);
	CHECK_INT(spec_sysctl_namespace("kernel.semx"), -1);
	CHECK_INT(spec_sysctl_namespace("net."), -1);
	CHECK_INT(spec_sysctl_namespace("net"), -1);
	CHECK_INT(spec_sysctl_namespace("fs.mqueue."), -1);
	CHECK_INT(spec_sysctl_namespace(""), -1);
}

int main(void)
{
	test_full();
	test_load();
	test_minimal();
	test_versions();
	test_json_errors();
	test_strings();
	test_long_paths();
	test_process_errors();
	test_top_level_errors();
	test_linux_errors();
	test_resources_errors();
	test_seccomp_errors();
	test_vm_errors();
	test_required_fields();
	test_process_json();
	test_ns_names();
	test_default(false);
	test_default(true);
	test_default_seccomp();
	test_default_failures();
	test_features();
	test_sysctl_namespace();
	test_json_parse();
	return unit_done();
}
