/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the readers of spec/: config.json (spec_parse),
 * process documents (`exec --process`: spec_process_parse) and `update`'s
 * resources (spec_resources_parse), all on each input.  Besides crashes,
 * leaks and sanitizer reports it aborts when a reader breaks its promises:
 *   - an error is one line naming the document;
 *   - every string of an accepted document is UTF-8, and every path field
 *     shorter than PATH_MAX;
 *   - json_parse accepts exactly what yajl_tree_parse accepts, into the same
 *     tree, but for the strings it refuses on purpose (JSON_STRING).
 * Built and run by `make fuzz` (tests/fuzz/run.sh); seeds in corpus/config. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "spec/json.h"
#include "tests/json_tree.h"
#include "spec/spec.h"

#define FAIL(...) (fprintf(stderr, "fuzz_config: " __VA_ARGS__), fputc('\n', stderr), abort())

/* ---- what an accepted document holds --------------------------------------- */

static bool utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n, cp;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc0 && c < 0xe0)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c < 0xf0)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c < 0xf8)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		static const unsigned min[] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

static void str(const char *s, const char *what)
{
	if (s && !utf8(s))
		FAIL("%s: accepted a string that is not UTF-8", what);
}

static void path(const char *s, const char *what)
{
	str(s, what);
	if (s && strlen(s) >= PATH_MAX)
		FAIL("%s: accepted a path of %zu bytes", what, strlen(s));
}

static void strs(const char *const *a, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		str(a[i], what);
}

static void kvs(const struct spec_kv *kv, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		str(kv[i].key, what);
		str(kv[i].value, what);
	}
}

static void process(const struct spec_process *p)
{
	if (!p)
		return;
	if (!p->n_args || !p->cwd || p->cwd[0] != '/')
		FAIL("process: accepted without args or an absolute cwd");
	strs(p->args, p->n_args, "process.args");
	strs(p->env, p->n_env, "process.env");
	path(p->cwd, "process.cwd");
	str(p->user.username, "process.user.username");
	str(p->command_line, "process.commandLine");
	str(p->apparmor_profile, "process.apparmorProfile");
	str(p->selinux_label, "process.selinuxLabel");
	if (p->capabilities) {
		const struct spec_capabilities *c = p->capabilities;
		strs(c->bounding, c->n_bounding, "capabilities");
		strs(c->effective, c->n_effective, "capabilities");
		strs(c->inheritable, c->n_inheritable, "capabilities");
		strs(c->permitted, c->n_permitted, "capabilities");
		strs(c->ambient, c->n_ambient, "capabilities");
	}
	for (size_t i = 0; i < p->n_rlimits; i++)
		str(p->rlimits[i].type, "process.rlimits");
	if (p->scheduler) {
		str(p->scheduler->policy, "process.scheduler.policy");
		strs(p->scheduler->flags, p->scheduler->n_flags, "process.scheduler.flags");
	}
	if (p->io_priority)
		str(p->io_priority->klass, "process.ioPriority.class");
	if (p->exec_cpu_affinity) {
		str(p->exec_cpu_affinity->initial, "process.execCPUAffinity");
		str(p->exec_cpu_affinity->final, "process.execCPUAffinity");
	}
}

static void resources(const struct spec_resources *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_devices; i++)
		str(r->devices[i].access, "resources.devices");
	if (r->cpu) {
		str(r->cpu->cpus, "resources.cpu.cpus");
		str(r->cpu->mems, "resources.cpu.mems");
	}
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		str(r->hugepage_limits[i].page_size, "resources.hugepageLimits");
	if (r->network)
		for (size_t i = 0; i < r->network->n_priorities; i++)
			str(r->network->priorities[i].name, "resources.network.priorities");
	for (size_t i = 0; i < r->n_rdma; i++)
		str(r->rdma[i].device, "resources.rdma");
	kvs(r->unified, r->n_unified, "resources.unified");
}

static void hooks(const struct spec_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		path(h[i].path, "hooks[].path");
		if (h[i].path[0] != '/')
			FAIL("hooks: accepted a relative path");
		strs(h[i].args, h[i].n_args, "hooks[].args");
		strs(h[i].env, h[i].n_env, "hooks[].env");
	}
}

static void linux_(const struct spec_linux *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_namespaces; i++)
		path(l->namespaces[i].path, "linux.namespaces[].path");
	for (size_t i = 0; i < l->n_devices; i++)
		path(l->devices[i].path, "linux.devices[].path");
	path(l->cgroups_path, "linux.cgroupsPath");
	resources(l->resources);
	if (l->intel_rdt) {
		str(l->intel_rdt->clos_id, "linux.intelRdt");
		str(l->intel_rdt->l3_cache_schema, "linux.intelRdt");
		str(l->intel_rdt->mem_bw_schema, "linux.intelRdt");
		strs(l->intel_rdt->schemata, l->intel_rdt->n_schemata, "linux.intelRdt");
	}
	kvs(l->sysctl, l->n_sysctl, "linux.sysctl");
	if (l->seccomp) {
		const struct spec_seccomp *s = l->seccomp;
		str(s->default_action, "linux.seccomp.defaultAction");
		strs(s->architectures, s->n_architectures, "linux.seccomp.architectures");
		strs(s->flags, s->n_flags, "linux.seccomp.flags");
		path(s->listener_path, "linux.seccomp.listenerPath");
		str(s->listener_metadata, "linux.seccomp.listenerMetadata");
		for (size_t i = 0; i < s->n_syscalls; i++) {
			strs(s->syscalls[i].names, s->syscalls[i].n_names, "linux.seccomp.syscalls");
			str(s->syscalls[i].action, "linux.seccomp.syscalls");
			for (size_t j = 0; j < s->syscalls[i].n_args; j++)
				str(s->syscalls[i].args[j].op, "linux.seccomp.syscalls");
		}
	}
	str(l->rootfs_propagation, "linux.rootfsPropagation");
	for (size_t i = 0; i < l->n_masked_paths; i++)
		path(l->masked_paths[i], "linux.maskedPaths");
	for (size_t i = 0; i < l->n_readonly_paths; i++)
		path(l->readonly_paths[i], "linux.readonlyPaths");
	str(l->mount_label, "linux.mountLabel");
	if (l->personality) {
		str(l->personality->domain, "linux.personality");
		strs(l->personality->flags, l->personality->n_flags, "linux.personality");
	}
	if (l->memory_policy) {
		str(l->memory_policy->mode, "linux.memoryPolicy");
		str(l->memory_policy->nodes, "linux.memoryPolicy");
		strs(l->memory_policy->flags, l->memory_policy->n_flags, "linux.memoryPolicy");
	}
	for (size_t i = 0; i < l->n_net_devices; i++) {
		str(l->net_devices[i].host_name, "linux.netDevices");
		str(l->net_devices[i].name, "linux.netDevices");
	}
}

static void spec(const struct spec *s)
{
	str(s->oci_version, "ociVersion");
	if (s->root)
		path(s->root->path, "root.path");
	for (size_t i = 0; i < s->n_mounts; i++) {
		path(s->mounts[i].destination, "mounts[].destination");
		path(s->mounts[i].source, "mounts[].source");
		str(s->mounts[i].type, "mounts[].type");
		strs(s->mounts[i].options, s->mounts[i].n_options, "mounts[].options");
	}
	process(s->process);
	str(s->hostname, "hostname");
	str(s->domainname, "domainname");
	if (s->hooks) {
		const struct spec_hooks *h = s->hooks;
		hooks(h->prestart, h->n_prestart);
		hooks(h->create_runtime, h->n_create_runtime);
		hooks(h->create_container, h->n_create_container);
		hooks(h->start_container, h->n_start_container);
		hooks(h->poststart, h->n_poststart);
		hooks(h->poststop, h->n_poststop);
	}
	kvs(s->annotations, s->n_annotations, "annotations");
	linux_(s->linux_);
	if (s->vm) {
		if (s->vm->hypervisor) {
			path(s->vm->hypervisor->path, "vm.hypervisor.path");
			strs(s->vm->hypervisor->parameters, s->vm->hypervisor->n_parameters, "vm.hypervisor");
		}
		path(s->vm->kernel.path, "vm.kernel.path");
		strs(s->vm->kernel.parameters, s->vm->kernel.n_parameters, "vm.kernel");
		path(s->vm->kernel.initrd, "vm.kernel.initrd");
		if (s->vm->image)
			path(s->vm->image->path, "vm.image.path");
	}
}

static void error(int rc, const struct spec_err *e, const char *display)
{
	size_t n = strlen(display);
	if (rc >= 0)
		FAIL("%s: error %d", display, rc);
	if (strncmp(e->msg, display, n) || strncmp(e->msg + n, ": ", 2) || !e->msg[n + 2])
		FAIL("%s: the error does not name it: %s", display, e->msg);
	for (const char *p = e->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			FAIL("%s: the error is not one printable line: %s", display, e->msg);
	/* Only yajl's messages quote the text as it is, whatever it is. */
	if (!strstr(e->msg, ": invalid JSON") && !utf8(e->msg))
		FAIL("%s: the error is not UTF-8: %s", display, e->msg);
}

/* ---- json_parse against yajl_tree_parse ------------------------------------- */

/* Nesting beyond what either is asked to take is not compared (yajl
 * recurses to free its tree). */
static unsigned max_nesting(const char *s)
{
	unsigned d = 0, max = 0;
	for (; *s; s++) {
		if (*s == '[' || *s == '{')
			max = ++d > max ? d : max;
		else if ((*s == ']' || *s == '}') && d)
			d--;
	}
	return max;
}

/* yajl takes a value followed by an unfinished string or word ("{}\"",
 * "{} tr"): it reads what it has at the end as a token cut short. */
static bool unfinished(const char *text, size_t at)
{
	const char *rest = text + at;
	bool word = false;
	for (const char *const *w = (const char *const[]){ "true", "false", "null", NULL }; *w; w++)
		word |= *rest && !strncmp(*w, rest, strlen(rest)) && strlen(rest) < strlen(*w);
	bool string = *rest == '"';
	for (const char *s = rest + 1; string && *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			string = false;
	}
	if (!word && !string)
		return false;
	/* and before it, a whole value */
	char *head = strndup(text, at);
	void *blocks = NULL;
	struct json_error je;
	bool whole = head && json_parse(head, 64, tree_block_alloc, &blocks, &je);
	tree_free_blocks(blocks);
	free(head);
	return whole;
}

static void differential(const char *text)
{
	if (max_nesting(text) > 64)
		return;
	void *blocks = NULL;
	struct json_error je;
	char msg[256];
	yajl_val mine = json_parse(text, 64, tree_block_alloc, &blocks, &je);
	yajl_val theirs = yajl_tree_parse(text, msg, sizeof msg);
	if (mine && !theirs)
		FAIL("json_parse accepted what yajl refuses (%s)", msg);
	if (mine && !tree_same(mine, theirs, false))
		FAIL("json_parse and yajl read different trees");
	if (!mine && je.status == JSON_SYNTAX && theirs && !unfinished(text, je.at))
		FAIL("json_parse saw a syntax error where yajl saw none");
	if (!mine && je.status == JSON_STRING && (!je.what || !*je.what))
		FAIL("json_parse refused a string without saying why");
	yajl_tree_free(theirs);
	tree_free_blocks(blocks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct spec_err e;
	struct spec *s = NULL;
	int rc = spec_parse(buf, size, "config.json", &s, &e);
	if (rc == 0)
		spec(s);
	else
		error(rc, &e, "config.json");
	spec_free(s);

	struct spec_process *p = NULL;
	void *mem = NULL;
	rc = spec_process_parse(buf, size, "process.json", &p, &mem, &e);
	if (rc == 0)
		process(p);
	else
		error(rc, &e, "process.json");
	spec_process_free(mem);

	struct spec_resources *r = NULL;
	mem = NULL;
	rc = spec_resources_parse(buf, size, "resources.json", &r, &mem, &e);
	if (rc == 0)
		resources(r);
	else
		error(rc, &e, "resources.json");
	spec_process_free(mem);

	if (!memchr(data, 0, size)) {
		char *text = malloc(size + 1);
		if (!text)
			return 0;
		memcpy(text, data, size);
		text[size] = 0;
		differential(text);
		free(text);
	}
	return 0;
}
