/* SPDX-License-Identifier: Apache-2.0 */
/* spec/registries.c: which registries containers-registries.conf(5) lists as
 * insecure (see spec/image.h).
 *
 * Written by hand: Debian has no C library for TOML, and hull reads only
 * two shapes of it, Podman's version 2 ([[registry]] tables with prefix,
 * location and insecure) and version 1 ([registries.insecure] registries =
 * [...]).  Everything else of the file is skipped: other tables and keys,
 * comments, mirrors (their own [[registry.mirror]] tables). */
#include "spec/image.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The next TOML string of *p ("..." or '...', basic escapes of "..."
 * taken as the character after the backslash) into out; false if none. */
static bool next_string(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\n' || *s == '\r')
		s++;
	if (*s != '"' && *s != '\'')
		return false;
	char q = *s++;
	size_t n = 0;
	while (*s && *s != q) {
		if (q == '"' && *s == '\\' && s[1])
			s++;
		if (n + 1 < cap)
			out[n++] = *s;
		s++;
	}
	out[n] = 0;
	if (*s == q)
		s++;
	*p = s;
	return true;
}

/* Whether name is prefix, or starts with it and continues with a separator
 * ('/', ':' or '@'), as containers-registries.conf matches prefixes. */
static size_t prefix_match(const char *name, const char *prefix)
{
	size_t l = strlen(prefix);
	if (!l || strncmp(name, prefix, l))
		return 0;
	return !name[l] || name[l] == '/' || name[l] == ':' || name[l] == '@' ? l : 0;
}

int image_registry_insecure(const char *conf, const char *name)
{
	/* v2: the [[registry]] whose prefix (else location) is the longest
	 * match decides; v1: a host in [registries.insecure]. */
	size_t best = 0;
	int verdict = 0, v1 = 0;
	enum { OTHER, REGISTRY, V1_INSECURE } table = OTHER;
	char prefix[512] = "", location[512] = "";
	int insecure = -1;
	const char *p = conf;
	char host[512];
	snprintf(host, sizeof host, "%.*s", (int)strcspn(name, "/"), name);
	for (;;) {
		/* the end of a [[registry]] table: judge it */
		bool eof = !*p;
		const char *line = p;
		size_t len = strcspn(p, "\n");
		while (len && (line[0] == ' ' || line[0] == '\t'))
			line++, len--;
		bool header = !eof && line[0] == '[';
		if ((eof || header) && table == REGISTRY) {
			const char *pre = prefix[0] ? prefix : location;
			size_t m = prefix_match(name, pre);
			if (m > best) {
				best = m;
				verdict = insecure == 1;
			}
		}
		if (eof)
			break;
		if (header) {
			table = !strncmp(line, "[[registry]]", 12) ? REGISTRY
				: !strncmp(line, "[registries.insecure]", 21) ? V1_INSECURE : OTHER;
			prefix[0] = location[0] = 0;
			insecure = -1;
		} else if (line[0] != '#' && len) {
			size_t k = strcspn(line, " \t=");
			const char *v = line + k;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				if (table == REGISTRY && k == 6 && !strncmp(line, "prefix", 6)) {
					next_string(&v, prefix, sizeof prefix);
				} else if (table == REGISTRY && k == 8 && !strncmp(line, "location", 8)) {
					next_string(&v, location, sizeof location);
				} else if (table == REGISTRY && k == 8 && !strncmp(line, "insecure", 8)) {
					insecure = !strncmp(v, "true", 4);
				} else if (table == V1_INSECURE && k == 10 && !strncmp(line, "registries", 10) && *v == '[') {
					/* an array, maybe over several lines */
					v++;
					char item[512];
					for (;;) {
						while (*v == ' ' || *v == '\t' || *v == ',' || *v == '\n' || *v == '\r')
							v++;
						if (*v == '#') {
							v += strcspn(v, "\n");
							continue;
						}
						if (!next_string(&v, item, sizeof item))
							break;
						if (!strcmp(item, host))
							v1 = 1;
					}
					while (*v && *v != ']')
						v++;
					p = *v ? v + 1 : v;
					p += strcspn(p, "\n");
					if (*p)
						p++;
					continue;
				}
			}
		}
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	return best ? verdict : v1;
}
