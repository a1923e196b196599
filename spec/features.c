/* SPDX-License-Identifier: Apache-2.0 */
/* spec/features.c: `hull features` — the features.md document.
 *
 * It must claim only what `hull create` really does: a higher layer decides
 * from it what it may put in a config.  Grow these lists with the runtime. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#include "spec/spec.h"

#ifndef HULL_VERSION
#define HULL_VERSION "0.1.0"
#endif

/* What runtime/'s mount code understands. */
static const char *const mount_options[] = {
	"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec",
	"noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
	"nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime",
	"remount", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
	"rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
	"rrw", "rshared", "rslave", "rstrictatime", "rsuid", "runbindable", "rw", "shared",
	"silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
};

static void put_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void put_enabled(yajl_gen g, const char *key, bool enabled)
{
	put_str(g, key);
	yajl_gen_map_open(g);
	put_str(g, "enabled");
	yajl_gen_bool(g, enabled);
	yajl_gen_map_close(g);
}

/* Every capability libcap can name; numbers it cannot name are left out. */
static void put_capabilities(yajl_gen g)
{
	put_str(g, "capabilities");
	yajl_gen_array_open(g);
	for (int cap = 0; cap < cap_max_bits(); cap++) {
		char *name = cap_to_name(cap);

		if (name && !isdigit((unsigned char)name[0])) {
			for (char *p = name; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			put_str(g, name);
		}
		cap_free(name);
	}
	yajl_gen_array_close(g);
}

/* yajl's beautifier writes an empty array as "[", a blank line, "]"; fold
 * that back into "[]".  Strings are skipped, so their text is never touched. */
static size_t fold_empty_arrays(char *json, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = json[i];

		json[out++] = ch;
		if (ch == '"') {
			for (i++; i < len && json[i] != '"'; i++) {
				json[out++] = json[i];
				if (json[i] == '\\' && i + 1 < len)
					json[out++] = json[++i];
			}
			if (i < len)
				json[out++] = json[i];
		} else if (ch == '[') {
			size_t j = i + 1;

			while (j < len && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n'))
				j++;
			if (j < len && json[j] == ']') {
				json[out++] = ']';
				i = j;
			}
		}
	}
	return out;
}

static void put_list(yajl_gen g, const char *key, const char *const *names, unsigned mask)
{
	put_str(g, key);
	yajl_gen_array_open(g);
	for (unsigned i = 0; names[i]; i++)
		if (mask & (1U << i))
			put_str(g, names[i]);
	yajl_gen_array_close(g);
}

/* features.md's linux.seccomp; supported_flags: bit i = spec_seccomp_flags[i]. */
static void put_seccomp(yajl_gen g, unsigned supported_flags)
{
	put_str(g, "seccomp");
	yajl_gen_map_open(g);
	put_str(g, "enabled");
	yajl_gen_bool(g, 1);
	put_list(g, "actions", spec_seccomp_actions, ~0U);
	put_list(g, "operators", spec_seccomp_ops, ~0U);
	put_list(g, "archs", spec_seccomp_archs, ~0U);
	put_list(g, "knownFlags", spec_seccomp_flags, ~0U);
	put_list(g, "supportedFlags", spec_seccomp_flags, supported_flags);
	yajl_gen_map_close(g);
}

char *spec_features_json(unsigned seccomp_flags)
{
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");

	yajl_gen_map_open(g);
	put_str(g, "ociVersionMin");
	put_str(g, "1.0.0");
	put_str(g, "ociVersionMax");
	put_str(g, SPEC_OCI_VERSION);
	put_str(g, "hooks");
	yajl_gen_array_open(g);
	static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop" };
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		put_str(g, hooks[i]);
	yajl_gen_array_close(g);
	put_str(g, "mountOptions");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof(mount_options) / sizeof(mount_options[0]); i++)
		put_str(g, mount_options[i]);
	yajl_gen_array_close(g);

	put_str(g, "linux");
	yajl_gen_map_open(g);
	put_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		put_str(g, spec_ns_name((enum spec_ns_type)t));
	yajl_gen_array_close(g);
	put_capabilities(g);
	put_str(g, "cgroup");
	yajl_gen_map_open(g);
	static const struct {
		const char *key;
		bool value;
	} cgroup[] = {
		{ "v1", true }, { "v2", true }, { "systemd", true },
		{ "systemdUser", false }, { "rdma", true },
	};
	for (size_t i = 0; i < sizeof(cgroup) / sizeof(cgroup[0]); i++) {
		put_str(g, cgroup[i].key);
		yajl_gen_bool(g, cgroup[i].value);
	}
	yajl_gen_map_close(g);
	put_seccomp(g, seccomp_flags);
	/* "compiled in": the exec labels are written where the LSM is on. */
	put_enabled(g, "apparmor", true);
	put_enabled(g, "selinux", true);
	put_enabled(g, "intelRdt", false);
	put_enabled(g, "netDevices", true);
	put_str(g, "mountExtensions");
	yajl_gen_map_open(g);
	put_enabled(g, "idmap", false);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);

	put_str(g, "annotations");
	yajl_gen_map_open(g);
	put_str(g, "org.opencontainers.runc.checkpoint.enabled");
	put_str(g, "false");
	put_str(g, "io.github.hull.version");
	put_str(g, HULL_VERSION);
	/* Beyond runtime-spec: what `hull image` and `run --image` take. */
	put_str(g, "io.github.hull.images");
	put_str(g, "pull,import,export,run");
	put_str(g, "io.github.hull.images.mediaTypes");
	put_str(g, "oci-manifest,oci-index,docker-manifest-v2,docker-manifest-list");
	put_str(g, "io.github.hull.images.layerCompression");
	put_str(g, "none,gzip,zstd");
	put_str(g, "io.github.hull.images.archives");
	put_str(g, "oci-layout,oci-archive,docker-archive");
	/* What `hull network` and run/create's --network make (runtime/network.h,
	 * netns/nft.h): bridge networks, joined by these config annotations,
	 * published through this nftables table. */
	put_str(g, "io.github.hull.networks");
	put_str(g, "bridge");
	put_str(g, "io.github.hull.networks.annotations");
	put_str(g, "io.github.hull.network,io.github.hull.publish,io.github.hull.ip,io.github.hull.ip6,"
		   "io.github.hull.mac-address,io.github.hull.dns,io.github.hull.add-host");
	put_str(g, "io.github.hull.networks.nftables");
	put_str(g, "inet hull");
	/* hull as a CNI plugin (runtime/cni.c): the cniVersions it takes. */
	put_str(g, "io.github.hull.networks.cni");
	put_str(g, "0.3.0,0.3.1,0.4.0,1.0.0,1.1.0");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);

	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, buf, len);
			out[fold_empty_arrays(out, len)] = 0;
		}
	}
	yajl_gen_free(g);
	return out;
}
