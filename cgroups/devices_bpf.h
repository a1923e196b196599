/* SPDX-License-Identifier: Apache-2.0 */
/* cgroups/devices_bpf.h: the cgroup v2 device controller.
 *
 * cgroup v2 has no devices controller: device access (open for read/write,
 * mknod) is decided by eBPF programs of type BPF_PROG_TYPE_CGROUP_DEVICE
 * attached to the cgroup.  hull turns a device rule list (the same list the
 * v1 devices.allow/devices.deny writes are made from) into such a program
 * with raw bpf(2) calls; see devices_bpf.c for the exact semantics. */
#ifndef HULL_DEVICES_BPF_H
#define HULL_DEVICES_BPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { DEV_R = 1, DEV_W = 2, DEV_M = 4 };

struct dev_rule {
	bool allow;
	char type;              /* 'a' (any), 'c' or 'b' */
	int64_t major, minor;   /* -1 = any, else 0..UINT32_MAX */
	unsigned access;        /* DEV_R|DEV_W|DEV_M bits; 0 = the rule does nothing */
};

/* The name hull's programs are loaded under: devices_bpf_apply replaces
 * (only) programs of this name on the cgroup it is given. */
#define DEVICES_BPF_PROG_NAME "hull_devices"
/* Largest program devices_bpf_build makes (the classic BPF_MAXINSNS; a rule
 * takes 1 to 8 instructions, the usual ones 3 or 4). */
#define DEVICES_BPF_MAX_INSNS 4096

/* Build the program for rules evaluated like the v1 devices cgroup / runc:
 * the LAST matching rule wins, bit by bit of the access asked for; no match
 * = deny, unless the list's default is allow (it has an allow rule for
 * 'a' *:* rwm: everything before that rule is then irrelevant).  Returns the
 * number of instructions written to out, or -EINVAL (a bad rule), -ENOSPC
 * (cap too small) or -E2BIG (more than DEVICES_BPF_MAX_INSNS). */
int devices_bpf_build(const struct dev_rule *rules, size_t n, struct bpf_insn *out, size_t cap);

/* Load the program for rules and attach it (BPF_F_ALLOW_MULTI) to the cgroup2
 * directory cgroup_dirfd (O_PATH is fine); then detach the programs named
 * DEVICES_BPF_PROG_NAME that were attached directly to that cgroup before
 * (hull update).  Programs of other names are left alone.  Returns 0, or
 * -errno with a one-line message in err, e.g.
 * "bpf(BPF_PROG_LOAD): Permission denied: <last line of the verifier log>". */
int devices_bpf_apply(int cgroup_dirfd, const struct dev_rule *rules, size_t n, char *err,
		      size_t errlen);

/* Parse an OCI access string (letters of "rwm", any order, repeats allowed;
 * "" is 0) into DEV_* bits; -EINVAL for NULL or any other letter. */
int devices_access_parse(const char *s, unsigned *out);

#endif
