/* SPDX-License-Identifier: Apache-2.0 */
/* spec/image.c: OCI image references, digests, media types, platforms, and
 * the manifest, index and config documents (see spec/image.h).
 *
 * The documents go through spec/parse.c's walker like config.json, so their
 * errors read the same.  Only sha256 digests are taken: that is what every
 * registry serves, and what hull's store hashes with.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spec/image.h"
#include "spec/parse.h"

/* ---- helpers ------------------------------------------------------------------- */

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* snprintf into buf; -ENAMETOOLONG (and "") when it does not fit. */
static int fit(char *buf, size_t cap, int n)
{
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			buf[0] = 0;
		return -ENAMETOOLONG;
	}
	return n;
}

/* ---- digests ------------------------------------------------------------------- */

bool image_digest_valid(const char *d)
{
	return image_digest_hex(d) != NULL;
}

const char *image_digest_hex(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7))
		return NULL;
	for (int i = 0; i < 64; i++)
		if (!is_lower_hex(d[7 + i]))
			return NULL;
	return d[71] ? NULL : d + 7;
}

/* Why d is not a digest hull takes, or NULL if it is one.  A well-formed
 * digest of another algorithm (sha512:..., the grammar of descriptor.md)
 * gets its own message: it is not malformed, only unsupported. */
static const char *digest_problem(const char *d)
{
	const char *colon = strchr(d, ':');

	if (image_digest_valid(d))
		return NULL;
	if (!colon || colon == d || !colon[1])
		return "invalid digest";
	if (colon - d == 6 && !strncmp(d, "sha256", 6))
		return "invalid sha256 digest (64 lowercase hex digits expected)";
	/* algorithm: [a-z0-9]+([+._-][a-z0-9]+)*, encoded: [a-zA-Z0-9=_-]+ */
	for (const char *p = d; p < colon; p++) {
		bool sep = *p == '+' || *p == '.' || *p == '_' || *p == '-';
		if (!(is_lower_alnum(*p) || (sep && p > d && p + 1 < colon && is_lower_alnum(p[-1]))))
			return "invalid digest";
	}
	for (const char *p = colon + 1; *p; p++)
		if (!(is_alnum(*p) || *p == '=' || *p == '_' || *p == '-'))
			return "invalid digest";
	return "only sha256 digests are supported";
}

/* ---- media types --------------------------------------------------------------- */

static const struct media_row {
	const char *name;
	struct image_media m;
} media_rows[] = {
	{ IMAGE_MT_OCI_MANIFEST, { IMAGE_KIND_MANIFEST, IMAGE_COMP_NONE, false, false } },
	{ IMAGE_MT_OCI_INDEX, { IMAGE_KIND_INDEX, IMAGE_COMP_NONE, false, false } },
	{ IMAGE_MT_OCI_CONFIG, { IMAGE_KIND_CONFIG, IMAGE_COMP_NONE, false, false } },
	{ IMAGE_MT_OCI_LAYER, { IMAGE_KIND_LAYER, IMAGE_COMP_NONE, false, false } },
	{ IMAGE_MT_OCI_LAYER_GZIP, { IMAGE_KIND_LAYER, IMAGE_COMP_GZIP, false, false } },
	{ IMAGE_MT_OCI_LAYER_ZSTD, { IMAGE_KIND_LAYER, IMAGE_COMP_ZSTD, false, false } },
	{ IMAGE_MT_OCI_LAYER_ND, { IMAGE_KIND_LAYER, IMAGE_COMP_NONE, false, true } },
	{ IMAGE_MT_OCI_LAYER_ND_GZIP, { IMAGE_KIND_LAYER, IMAGE_COMP_GZIP, false, true } },
	{ IMAGE_MT_OCI_LAYER_ND_ZSTD, { IMAGE_KIND_LAYER, IMAGE_COMP_ZSTD, false, true } },
	{ IMAGE_MT_DOCKER_MANIFEST, { IMAGE_KIND_MANIFEST, IMAGE_COMP_NONE, true, false } },
	{ IMAGE_MT_DOCKER_LIST, { IMAGE_KIND_INDEX, IMAGE_COMP_NONE, true, false } },
	{ IMAGE_MT_DOCKER_CONFIG, { IMAGE_KIND_CONFIG, IMAGE_COMP_NONE, true, false } },
	{ IMAGE_MT_DOCKER_LAYER, { IMAGE_KIND_LAYER, IMAGE_COMP_NONE, true, false } },
	{ IMAGE_MT_DOCKER_LAYER_GZIP, { IMAGE_KIND_LAYER, IMAGE_COMP_GZIP, true, false } },
	{ IMAGE_MT_DOCKER_FOREIGN_LAYER_GZIP, { IMAGE_KIND_LAYER, IMAGE_COMP_GZIP, true, true } },
	{ IMAGE_MT_DOCKER_SCHEMA1, { IMAGE_KIND_SCHEMA1, IMAGE_COMP_NONE, true, false } },
	{ IMAGE_MT_DOCKER_SCHEMA1_SIGNED, { IMAGE_KIND_SCHEMA1, IMAGE_COMP_NONE, true, false } },
};

enum image_kind image_media_classify(const char *mt, struct image_media *out)
{
	struct image_media none = { IMAGE_KIND_UNKNOWN, IMAGE_COMP_NONE, false, false };

	if (out)
		*out = none;
	if (!mt)
		return IMAGE_KIND_UNKNOWN;
	/* Content-Type: "type/subtype ; param=value"; media type names are
	 * case-insensitive (RFC 6838). */
	size_t n = strcspn(mt, ";");
	while (n && (mt[n - 1] == ' ' || mt[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < ARRAY_SIZE(media_rows); i++)
		if (strlen(media_rows[i].name) == n && !strncasecmp(media_rows[i].name, mt, n)) {
			if (out)
				*out = media_rows[i].m;
			return media_rows[i].m.kind;
		}
	return IMAGE_KIND_UNKNOWN;
}

/* ---- references ------------------------------------------------------------------ */

/* "invalid reference "X": why" into err; X quoted like parse.c's values:
 * escaped, cut, one line whatever the input. */
static int ref_fail(struct spec_err *err, const char *ref, const char *why)
{
	char q[80];
	size_t o = 0;
	const char *p = ref;

	for (; *p && o < 64; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			if (o + 4 > 64)
				break;
			o += (size_t)snprintf(q + o, sizeof(q) - o, "\\x%02x", c);
		} else {
			q[o++] = (char)c;
		}
	}
	q[o] = 0;
	snprintf(err->msg, sizeof(err->msg), "invalid reference \"%s%s\": %s", q, *p ? "..." : "",
		 why);
	return -EINVAL;
}

/* A registry: host[:port], host being dot-separated labels of letters,
 * digits and inner '-', or an IPv6 address in brackets. */
static bool registry_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '[') {
		for (i = 1; i < n && (is_alnum(s[i]) || s[i] == ':' || s[i] == '.'); i++)
			if (is_alnum(s[i]) && !is_lower_hex((char)(s[i] | 0x20)))
				return false;
		if (i == 1 || i >= n || s[i] != ']')
			return false;
		i++;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (is_alnum(s[i]) || s[i] == '-'))
				i++;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			if (i < n && s[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*. */
static bool component_valid(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > IMAGE_TAG_MAX || !(is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

int image_ref_parse(const char *s, struct image_ref *out, struct spec_err *err)
{
	struct image_ref r = { "", "", "", "" };
	char name[IMAGE_REF_MAX + 1];
	size_t len = strnlen(s, IMAGE_REF_MAX + 1);

	memset(out, 0, sizeof(*out));
	if (!len)
		return ref_fail(err, s, "empty reference");
	if (len > IMAGE_REF_MAX)
		return ref_fail(err, s, "too long");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			return ref_fail(err, s, "contains whitespace");
		if (c < 0x20 || c >= 0x7f)
			return ref_fail(err, s, "contains a character that is not printable ASCII");
	}
	memcpy(name, s, len + 1);

	/* name[:tag][@digest] */
	char *at = strchr(name, '@');
	if (at) {
		*at++ = 0;
		const char *why = digest_problem(at);
		if (why)
			return ref_fail(err, s, why);
		memcpy(r.digest, at, IMAGE_DIGEST_LEN + 1);
	}
	char *slash = strrchr(name, '/');
	char *colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon++ = 0;
		if (!*colon)
			return ref_fail(err, s, "empty tag");
		if (!tag_valid(colon))
			return ref_fail(err, s, strlen(colon) > IMAGE_TAG_MAX ?
				"tag longer than 128 characters" :
				"invalid tag (letters, digits, '_', '.' and '-', not first '.' or '-')");
		strcpy(r.tag, colon);
	}
	if (!*name)
		return ref_fail(err, s, "no repository name");

	/* [registry/]path */
	char *path = name;
	char *first_end = strchr(name, '/');
	if (first_end) {
		size_t n = (size_t)(first_end - name);
		if (memchr(name, '.', n) || memchr(name, ':', n) ||
		    (n == 9 && !strncmp(name, "localhost", 9))) {
			if (!registry_valid(name, n))
				return ref_fail(err, s, "invalid registry host");
			if (n > IMAGE_NAME_MAX - 2)   /* "/" and a one-letter path at least */
				return ref_fail(err, s, "name longer than 255 characters");
			memcpy(r.registry, name, n);
			r.registry[n] = 0;
			path = first_end + 1;
		}
	}
	if (!*r.registry || !strcmp(r.registry, "index.docker.io")) {
		/* (all of it: two parses of one name compare equal with memcmp) */
		memset(r.registry, 0, sizeof(r.registry));
		strcpy(r.registry, "docker.io");
	}

	for (const char *c = path;; ) {
		size_t n = strcspn(c, "/");
		if (!n)
			return ref_fail(err, s, "empty path component");
		if (!component_valid(c, n)) {
			for (size_t i = 0; i < n; i++)
				if (c[i] >= 'A' && c[i] <= 'Z')
					return ref_fail(err, s, "repository name must be lowercase");
			char why[120];
			snprintf(why, sizeof(why), "invalid path component \"%.*s\"", n > 64 ? 64 : (int)n, c);
			return ref_fail(err, s, why);
		}
		if (!c[n])
			break;
		c += n + 1;
	}
	/* docker refuses these: they are image IDs, and would be taken for one. */
	if (path == name && strlen(path) == 64 && strspn(path, "0123456789abcdef") == 64)
		return ref_fail(err, s, "a 64-hex-digit name is an image ID, not a repository");
	bool library = !strcmp(r.registry, "docker.io") && !strchr(path, '/');
	if (strlen(r.registry) + 1 + (library ? 8 : 0) + strlen(path) > IMAGE_NAME_MAX)
		return ref_fail(err, s, "name longer than 255 characters");
	/* (fits: checked just above) */
	if (library)
		memcpy(r.repository, "library/", 8);
	memcpy(r.repository + (library ? 8 : 0), path, strlen(path) + 1);
	if (!*r.tag && !*r.digest)
		strcpy(r.tag, "latest");
	*out = r;
	return 0;
}

int image_ref_format(const struct image_ref *r, char *buf, size_t cap)
{
	return fit(buf, cap, snprintf(buf, cap, "%s/%s%s%s%s%s", r->registry, r->repository,
				      *r->tag ? ":" : "", r->tag, *r->digest ? "@" : "", r->digest));
}

int image_ref_name(const struct image_ref *r, char *buf, size_t cap)
{
	return fit(buf, cap, snprintf(buf, cap, "%s/%s", r->registry, r->repository));
}

/* ---- file names ------------------------------------------------------------------ */

enum { FILE_NAME_MAX = 255 };

static bool needs_escape(unsigned char c, size_t i)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == '/' || c == ':' || c == '@' ||
	       (i == 0 && c == '.');
}

int image_name_encode(const char *name, char *buf, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		size_t need = needs_escape(c, i) ? 3 : 1;

		if (o + need > FILE_NAME_MAX || o + need >= cap) {
			if (cap)
				buf[0] = 0;
			return -ENAMETOOLONG;
		}
		if (need == 3) {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	if (!cap)
		return -ENAMETOOLONG;
	buf[o] = 0;
	return (int)o;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;   /* lowercase too: the encoder writes uppercase only */
}

int image_name_decode(const char *file, char *buf, size_t cap)
{
	size_t o = 0;
	int rc = 0;

	if (strnlen(file, FILE_NAME_MAX + 1) > FILE_NAME_MAX)
		rc = -EINVAL;
	for (size_t i = 0; !rc && file[i]; i++) {
		unsigned char c = (unsigned char)file[i];

		if (c == '%') {
			int hi = unhex(file[i + 1]), lo = hi < 0 ? -1 : unhex(file[i + 2]);
			if (lo < 0) {
				rc = -EINVAL;
				break;
			}
			c = (unsigned char)(hi << 4 | lo);
			/* %00, or an escape of what needs none: not the encoder's. */
			if (!c || !needs_escape(c, o))
				rc = -EINVAL;
			i += 2;
		} else if (needs_escape(c, o)) {
			rc = -EINVAL;
		}
		if (!rc && o + 1 >= cap)
			rc = -ENAMETOOLONG;
		if (!rc)
			buf[o++] = (char)c;
	}
	if (cap)
		buf[rc ? 0 : o] = 0;
	if (!rc && !cap)
		rc = -ENAMETOOLONG;
	return rc ? rc : (int)o;
}

/* ---- documents: the tables ------------------------------------------------------ */

static int parse_digest(struct walk *w, yajl_val v, void *obj)
{
	const char **at = obj;
	const char *s = NULL;
	int rc = sp_read_string(w, v, &s);

	if (rc)
		return rc;
	const char *why = digest_problem(s);
	if (why)
		return sp_fail_val(w, why, s, NULL);
	*at = s;
	return 0;
}

static int parse_desc_digest(struct walk *w, yajl_val v, void *obj)
{
	return parse_digest(w, v, &((struct image_descriptor *)obj)->digest);
}

/* schemaVersion: 2; schema 1 (Docker's first format, signed and without a
 * config) gets a message of its own. */
static int parse_schema_version(struct walk *w, yajl_val v, void *obj)
{
	(void)obj;
	if (!YAJL_IS_NUMBER(v))
		return sp_fail(w, "expected an integer");
	if (!strcmp(v->u.number.r, "2"))
		return 0;
	if (!strcmp(v->u.number.r, "1"))
		return sp_fail(w, "Docker schema 1 manifests are not supported "
			       "(push the image again with a current client)");
	return sp_fail_val(w, "unsupported schemaVersion", v->u.number.r, " (expected 2)");
}

/* The keys of an object ({"80/tcp": {}}), whatever their values. */
static int read_keys(struct walk *w, yajl_val v, const char ***out, size_t *n)
{
	if (!YAJL_IS_OBJECT(v))
		return sp_fail(w, "expected an object");
	*out = (const char **)v->u.object.keys;
	*n = v->u.object.len;
	return 0;
}

static int parse_ports(struct walk *w, yajl_val v, void *obj)
{
	struct image_exec *e = obj;
	return read_keys(w, v, &e->exposed_ports, &e->n_exposed_ports);
}

static int parse_volumes(struct walk *w, yajl_val v, void *obj)
{
	struct image_exec *e = obj;
	return read_keys(w, v, &e->volumes, &e->n_volumes);
}

static int check_descriptor(struct walk *w, yajl_val v, void *obj)
{
	struct image_descriptor *d = obj;

	(void)v;
	if (d->size < 0)
		return sp_fail_field(w, "size", "must not be negative", NULL);
	image_media_classify(d->media_type, &d->media);
	return 0;
}

#define S struct image_platform
static const struct walk_field platform_fields[] = {
	F("architecture", K_STR, architecture, .req = true),
	F("os", K_STR, os, .req = true),
	F("os.version", K_STR, os_version),
	LIST("os.features", K_STRS, os_features),
	F("variant", K_STR, variant),
};
TYPE(platform, S);
#undef S

#define S struct image_descriptor
static const struct walk_field descriptor_fields[] = {
	F("mediaType", K_STR, media_type, .req = true),
	F("digest", K_FN, digest, .fn = parse_desc_digest, .req = true),
	F("size", K_I64, size, .req = true),
	LIST("urls", K_STRS, urls),
	LIST("annotations", K_KV, annotations),
	F("platform", K_PTR, platform, .sub = &platform_type),
	F("artifactType", K_STR, artifact_type),
};
TYPE(descriptor, S, .check = check_descriptor);
#undef S

/* A document's own mediaType against what the parser is for. */
static int check_own_type(struct walk *w, yajl_val v, const char *mt, enum image_kind want,
			  bool *docker)
{
	struct image_media m;
	enum image_kind k = image_media_classify(mt, &m);
	bool manifest = want == IMAGE_KIND_MANIFEST;

	if (!mt) {
		/* image-spec lets mediaType out; then "layers" or "manifests" tells. */
		bool layers = sp_has_key(v, "layers"), manifests = sp_has_key(v, "manifests");
		if (manifest && manifests && !layers)
			return sp_fail(w, "an image index, not an image manifest");
		if (!manifest && layers && !manifests)
			return sp_fail(w, "an image manifest, not an image index");
		return 0;
	}
	*docker = m.docker;
	if (k == want)
		return 0;
	if (k == IMAGE_KIND_SCHEMA1)
		return sp_fail_field(w, "mediaType", "Docker schema 1 manifests are not supported", NULL);
	if (k == IMAGE_KIND_INDEX)
		return sp_fail_field(w, "mediaType", "an image index, not an image manifest:", mt);
	if (k == IMAGE_KIND_MANIFEST)
		return sp_fail_field(w, "mediaType", "an image manifest, not an image index:", mt);
	return sp_fail_field(w, "mediaType", manifest ? "unknown manifest media type" :
			     "unknown index media type", mt);
}

static int check_manifest(struct walk *w, yajl_val v, void *obj)
{
	struct image_manifest *m = obj;
	int rc = check_own_type(w, v, m->media_type, IMAGE_KIND_MANIFEST, &m->docker);

	if (rc)
		return rc;
	/* Required, but checked here, after the mediaType: an index given for
	 * a manifest is better told so than that it lacks "config". */
	if (!sp_has_key(v, "config"))
		return sp_fail_field(w, "config", "required field missing", NULL);
	if (!sp_has_key(v, "layers"))
		return sp_fail_field(w, "layers", "required field missing", NULL);
	if (m->config.media.kind != IMAGE_KIND_CONFIG) {
		sp_push_key(w, "config", false);
		return sp_fail_field(w, "mediaType", "not an image config media type",
				     m->config.media_type);
	}
	for (size_t i = 0; i < m->n_layers; i++)
		if (m->layers[i].media.kind != IMAGE_KIND_LAYER) {
			sp_push_key(w, "layers", false);
			sp_push_index(w, i);
			return sp_fail_field(w, "mediaType", "unknown layer media type",
					     m->layers[i].media_type);
		}
	return 0;
}

#define S struct image_manifest
static const struct walk_field manifest_fields[] = {
	{ .name = "schemaVersion", .kind = K_FN, .fn = parse_schema_version, .req = true },
	F("mediaType", K_STR, media_type),
	F("artifactType", K_STR, artifact_type),
	F("config", K_OBJ, config, .sub = &descriptor_type),   /* required: check_manifest */
	OBJS("layers", layers, descriptor_type),
	F("subject", K_PTR, subject, .sub = &descriptor_type),
	LIST("annotations", K_KV, annotations),
};
TYPE(manifest, S, .check = check_manifest);
#undef S

static int check_index(struct walk *w, yajl_val v, void *obj)
{
	struct image_index *ix = obj;

	int rc = check_own_type(w, v, ix->media_type, IMAGE_KIND_INDEX, &ix->docker);

	if (!rc && !sp_has_key(v, "manifests"))
		return sp_fail_field(w, "manifests", "required field missing", NULL);
	return rc;
}

#define S struct image_index
static const struct walk_field index_fields[] = {
	{ .name = "schemaVersion", .kind = K_FN, .fn = parse_schema_version, .req = true },
	F("mediaType", K_STR, media_type),
	OBJS("manifests", manifests, descriptor_type),   /* required: check_index */
	LIST("annotations", K_KV, annotations),
};
TYPE(index, S, .check = check_index);
#undef S

static int check_exec(struct walk *w, yajl_val v, void *obj)
{
	struct image_exec *e = obj;

	(void)v;
	for (size_t i = 0; i < e->n_env; i++)
		if (!strchr(e->env[i], '=') || e->env[i][0] == '=') {
			sp_push_key(w, "Env", false);
			sp_push_index(w, i);
			return sp_fail_val(w, "expected NAME=value, not", e->env[i], NULL);
		}
	return 0;
}

#define S struct image_exec
static const struct walk_field exec_fields[] = {
	F("User", K_STR, user),
	LIST("Env", K_STRS, env),
	LIST("Entrypoint", K_STRS, entrypoint, .has = AT(has_entrypoint)),
	LIST("Cmd", K_STRS, cmd, .has = AT(has_cmd)),
	F("WorkingDir", K_STR, working_dir),
	LIST("Labels", K_KV, labels),
	F("StopSignal", K_STR, stop_signal),
	F("ExposedPorts", K_FN, exposed_ports, .fn = parse_ports),
	F("Volumes", K_FN, volumes, .fn = parse_volumes),
};
TYPE(exec, S, .check = check_exec);
#undef S

static const char *const rootfs_types[] = { "layers", NULL };

static int check_rootfs(struct walk *w, yajl_val v, void *obj)
{
	struct image_config *c = obj;

	(void)v;
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		const char *why = digest_problem(c->diff_ids[i]);
		if (why) {
			sp_push_key(w, "diff_ids", false);
			sp_push_index(w, i);
			return sp_fail_val(w, why, c->diff_ids[i], NULL);
		}
	}
	return 0;
}

#define S struct image_config
static const struct walk_field rootfs_fields[] = {
	F("type", K_ENUM, rootfs_type, .req = true, .names = rootfs_types, .what = "rootfs type"),
	LIST("diff_ids", K_STRS, diff_ids),
};
TYPE(rootfs, S, .check = check_rootfs);

static const struct walk_field config_fields[] = {
	F("architecture", K_STR, architecture, .req = true),
	F("os", K_STR, os, .req = true),
	F("variant", K_STR, variant),
	F("os.version", K_STR, os_version),
	F("created", K_STR, created),
	F("author", K_STR, author),
	F("config", K_OBJ, config, .sub = &exec_type),
	F("rootfs", K_SAME, architecture, .sub = &rootfs_type, .req = true),
};
TYPE(config, S);
#undef S

/* What image_document_kind reads: only the clues. */
struct doc_clues {
	const char *media_type;
	bool has_layers, has_manifests, schema1;
	int unused;
};

static int parse_presence(struct walk *w, yajl_val v, void *obj)
{
	(void)w; (void)v; (void)obj;
	return 0;
}

static int parse_clue_version(struct walk *w, yajl_val v, void *obj)
{
	((struct doc_clues *)obj)->schema1 = YAJL_IS_NUMBER(v) && !strcmp(v->u.number.r, "1");
	(void)w;
	return 0;
}

#define S struct doc_clues
static const struct walk_field clues_fields[] = {
	F("mediaType", K_STR, media_type),
	F("schemaVersion", K_FN, unused, .fn = parse_clue_version),
	F("layers", K_FN, unused, .fn = parse_presence, .has = AT(has_layers)),
	F("manifests", K_FN, unused, .fn = parse_presence, .has = AT(has_manifests)),
};
TYPE(clues, S);
#undef S

/* ---- documents: the entry points -------------------------------------------------- */

static int parse_doc(const char *buf, size_t len, const char *display, const struct walk_type *t,
		     void **out, struct spec_mem **mem, struct spec_err *err)
{
	struct spec_err dummy;

	return sp_parse_buffer(buf, len, display ? display : "document", t, out, mem,
			       err ? err : &dummy);
}

int image_document_kind(const char *buf, size_t len, const char *display,
			const char *content_type, struct spec_err *err)
{
	struct spec_err dummy;
	struct spec_mem *mem;
	struct doc_clues *c;
	struct image_media m;
	int rc;

	if (!err)
		err = &dummy;
	if (!display)
		display = "document";
	rc = parse_doc(buf, len, display, &clues_type, (void **)&c, &mem, err);
	if (rc)
		return rc;
	struct walk w = { .err = err, .display = display };
	enum image_kind k = image_media_classify(c->media_type, &m);
	if (c->media_type) {
		if (k == IMAGE_KIND_SCHEMA1)
			rc = sp_fail_field(&w, "mediaType", "Docker schema 1 manifests are not supported", NULL);
		else if (k != IMAGE_KIND_MANIFEST && k != IMAGE_KIND_INDEX)
			rc = sp_fail_field(&w, "mediaType", "not an image manifest or index media type",
					   c->media_type);
	} else if (c->schema1) {
		rc = sp_fail_field(&w, "schemaVersion", "Docker schema 1 manifests are not supported", NULL);
	} else if (c->has_layers != c->has_manifests) {
		k = c->has_layers ? IMAGE_KIND_MANIFEST : IMAGE_KIND_INDEX;
	} else {
		k = image_media_classify(content_type, NULL);
		if (k != IMAGE_KIND_MANIFEST && k != IMAGE_KIND_INDEX)
			rc = sp_fail(&w, "neither an image manifest nor an image index");
	}
	sp_mem_free(mem);
	return rc ? rc : (int)k;
}

int image_manifest_parse(const char *buf, size_t len, const char *display,
			 struct image_manifest **out, struct spec_err *err)
{
	struct spec_mem *mem;
	void *obj;
	int rc = parse_doc(buf, len, display, &manifest_type, &obj, &mem, err);

	*out = obj;
	if (!rc)
		(*out)->priv_ = mem;
	return rc;
}

void image_manifest_free(struct image_manifest *m)
{
	if (m)
		sp_mem_free(m->priv_);
}

int image_index_parse(const char *buf, size_t len, const char *display,
		      struct image_index **out, struct spec_err *err)
{
	struct spec_mem *mem;
	void *obj;
	int rc = parse_doc(buf, len, display, &index_type, &obj, &mem, err);

	*out = NULL;
	if (rc)
		return rc;
	struct image_index *ix = obj;
	ix->priv_ = mem;
	ix->display = sp_mem_strdup(mem, display ? display : "document");
	if (!ix->display) {
		sp_mem_free(mem);
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: out of memory", display ? display : "document");
		return -ENOMEM;
	}
	*out = ix;
	return 0;
}

void image_index_free(struct image_index *ix)
{
	if (ix)
		sp_mem_free(ix->priv_);
}

int image_config_parse(const char *buf, size_t len, const char *display,
		       struct image_config **out, struct spec_err *err)
{
	struct spec_mem *mem;
	void *obj;
	int rc = parse_doc(buf, len, display, &config_type, &obj, &mem, err);

	*out = obj;
	if (!rc)
		(*out)->priv_ = mem;
	return rc;
}

void image_config_free(struct image_config *c)
{
	if (c)
		sp_mem_free(c->priv_);
}

int image_config_check_layers(const struct image_config *c, const struct image_manifest *m,
			      const char *display, struct spec_err *err)
{
	if (c->n_diff_ids == m->n_layers)
		return 0;
	if (err)
		snprintf(err->msg, sizeof(err->msg),
			 "%s: rootfs.diff_ids: %zu layer%s, but the manifest has %zu",
			 display ? display : "config", c->n_diff_ids, c->n_diff_ids == 1 ? "" : "s",
			 m->n_layers);
	return -EINVAL;
}

/* ---- platforms -------------------------------------------------------------------- */

static void copy_lower(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[i] = 0;
}

/* The whole buffer written: two parses of one platform compare equal with
 * memcmp, whatever the names they replaced. */
static void set_name(char *dst, size_t cap, const char *s)
{
	memset(dst, 0, cap);
	memcpy(dst, s, strnlen(s, cap - 1));
}

/* arch and variant as Go (and so the images) name them: what containerd's
 * platforms.Normalize does, without filling in a default variant. */
static void normalize_arch(char arch[32], char variant[16])
{
	static const struct {
		const char *from, *to, *variant;
	} aliases[] = {
		{ "x86_64", "amd64", NULL }, { "x86-64", "amd64", NULL },
		{ "i386", "386", NULL }, { "i486", "386", NULL }, { "i586", "386", NULL },
		{ "i686", "386", NULL },
		{ "aarch64", "arm64", NULL }, { "armv8", "arm64", NULL },
		{ "armhf", "arm", "v7" }, { "armel", "arm", "v6" },
		{ "armv8l", "arm", "v8" }, { "armv7l", "arm", "v7" }, { "armv7", "arm", "v7" },
		{ "armv6l", "arm", "v6" }, { "armv6", "arm", "v6" },
		{ "armv5l", "arm", "v5" }, { "armv5tel", "arm", "v5" },
		{ "ppc64el", "ppc64le", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(arch, aliases[i].from)) {
			set_name(arch, 32, aliases[i].to);
			if (aliases[i].variant)
				set_name(variant, 16, aliases[i].variant);
			break;
		}
	if (!strcmp(arch, "amd64") && !strcmp(variant, "v1"))
		set_name(variant, 16, "");   /* the baseline, what no variant means */
	if (!strcmp(arch, "arm64") && (!strcmp(variant, "8") || !strcmp(variant, "v8.0")))
		set_name(variant, 16, "v8");
	if (!strcmp(arch, "arm") && variant[0] >= '5' && variant[0] <= '8' && !variant[1]) {
		char v[16] = { 'v', variant[0], 0 };
		set_name(variant, 16, v);
	}
}

static void default_variant(struct image_platform_want *p)
{
	if (p->variant[0])
		return;
	if (!strcmp(p->architecture, "arm64"))
		set_name(p->variant, sizeof(p->variant), "v8");
	else if (!strcmp(p->architecture, "arm"))
		set_name(p->variant, sizeof(p->variant), "v7");
}

static bool platform_part_valid(const char *s, size_t n, size_t cap)
{
	if (!n || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

int image_platform_parse(const char *s, struct image_platform_want *out, struct spec_err *err)
{
	struct image_platform_want p = { "", "", "" };
	const char *a = strchr(s, '/');
	const char *v = a ? strchr(a + 1, '/') : NULL;
	size_t os_n = a ? (size_t)(a - s) : 0;
	size_t arch_n = a ? (v ? (size_t)(v - a - 1) : strlen(a + 1)) : 0;
	size_t var_n = v ? strlen(v + 1) : 0;

	memset(out, 0, sizeof(*out));
	if (!a || !platform_part_valid(s, os_n, sizeof(p.os)) ||
	    !platform_part_valid(a + 1, arch_n, sizeof(p.architecture)) ||
	    (v && !platform_part_valid(v + 1, var_n, sizeof(p.variant)))) {
		char q[80];
		size_t o = 0;
		for (const char *c = s; *c && o < 64; c++)
			q[o++] = (unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || *c == '"' ? '?' : *c;
		q[o] = 0;
		if (err)
			snprintf(err->msg, sizeof(err->msg),
				 "invalid platform \"%s%s\": expected os/arch[/variant] (linux/arm64)", q,
				 strlen(s) > o ? "..." : "");
		return -EINVAL;
	}
	copy_lower(p.os, sizeof(p.os), s, os_n);
	copy_lower(p.architecture, sizeof(p.architecture), a + 1, arch_n);
	if (v)
		copy_lower(p.variant, sizeof(p.variant), v + 1, var_n);
	normalize_arch(p.architecture, p.variant);
	default_variant(&p);
	*out = p;
	return 0;
}

void image_platform_host(const char *machine, struct image_platform_want *out)
{
	memset(out, 0, sizeof(*out));
	strcpy(out->os, "linux");
	copy_lower(out->architecture, sizeof(out->architecture), machine, strlen(machine));
	normalize_arch(out->architecture, out->variant);
	default_variant(out);
}

int image_platform_format(const struct image_platform_want *p, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s%s%s", p->os, p->architecture, *p->variant ? "/" : "",
			 p->variant);
	return n < 0 ? 0 : (size_t)n >= cap ? (int)(cap ? cap - 1 : 0) : n;
}

/* The order of the variants of arch, where an older one runs on a newer
 * CPU: 1.. or 0 when not ordered.  amd64 without a variant is v1. */
static int variant_level(const char *arch, const char *variant)
{
	if (!strcmp(arch, "arm") && variant[0] == 'v' && variant[1] >= '5' && variant[1] <= '8' &&
	    !variant[2])
		return variant[1] - '4';
	if (!strcmp(arch, "amd64")) {
		if (!*variant)
			return 1;
		if (variant[0] == 'v' && variant[1] >= '1' && variant[1] <= '4' && !variant[2])
			return variant[1] - '0';
	}
	return 0;
}

/* How well entry p fits want: 0 not at all; exact variant > older variant
 * that runs (the newest first) > no variant. */
static int platform_score(const struct image_platform *p, const struct image_platform_want *want)
{
	struct image_platform_want e = { "", "", "" };

	if (!p->os || !p->architecture)
		return 0;
	copy_lower(e.os, sizeof(e.os), p->os, strlen(p->os));
	copy_lower(e.architecture, sizeof(e.architecture), p->architecture, strlen(p->architecture));
	if (p->variant)
		copy_lower(e.variant, sizeof(e.variant), p->variant, strlen(p->variant));
	normalize_arch(e.architecture, e.variant);
	if (strcmp(e.os, want->os) || strcmp(e.architecture, want->architecture))
		return 0;
	if (!strcmp(e.variant, want->variant))
		return 1000;
	int have = variant_level(e.architecture, e.variant);
	int need = variant_level(want->architecture, want->variant);
	if (have && need && have < need)
		return 100 + have;
	return e.variant[0] ? 0 : 10;
}

static bool is_attestation(const struct image_descriptor *d)
{
	for (size_t i = 0; i < d->n_annotations; i++)
		if (!strcmp(d->annotations[i].key, "vnd.docker.reference.type"))
			return true;
	return false;
}

static bool is_image(const struct image_descriptor *d)
{
	return (d->media.kind == IMAGE_KIND_MANIFEST || d->media.kind == IMAGE_KIND_INDEX) &&
	       !is_attestation(d);
}

const struct image_descriptor *image_index_select(const struct image_index *ix,
						  const struct image_platform_want *want,
						  struct spec_err *err)
{
	const struct image_descriptor *best = NULL, *only = NULL;
	int best_score = 0;
	size_t images = 0;

	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct image_descriptor *d = &ix->manifests[i];

		if (!is_image(d))
			continue;
		images++;
		only = d;
		int score = d->platform ? platform_score(d->platform, want) : 0;
		if (score > best_score) {
			best = d;
			best_score = score;
		}
	}
	if (best)
		return best;
	if (images == 1 && !only->platform)
		return only;
	if (!err)
		return NULL;

	/* "<display>: no image for linux/s390x; the index has linux/amd64, ..." */
	char w[80];
	int n;
	image_platform_format(want, w, sizeof(w));
	n = snprintf(err->msg, sizeof(err->msg), "%s: no image for %s", ix->display ? ix->display : "index", w);
	size_t o = n < 0 ? 0 : (size_t)n >= sizeof(err->msg) ? sizeof(err->msg) - 1 : (size_t)n;
	const char *sep = "; the index has ";
	size_t listed = 0;
	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct image_descriptor *d = &ix->manifests[i];
		if (!is_image(d) || !d->platform)
			continue;
		char one[160];
		const struct image_platform *p = d->platform;
		snprintf(one, sizeof(one), "%.40s/%.40s%s%.40s", p->os, p->architecture,
			 p->variant && *p->variant ? "/" : "", p->variant ? p->variant : "");
		/* Values from the document: keep the message one printable line. */
		for (char *c = one; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		size_t need = strlen(sep) + strlen(one);
		if (o + need + 6 > sizeof(err->msg)) {
			if (o + 6 <= sizeof(err->msg))
				memcpy(err->msg + o, ", ...", 6);
			listed++;
			break;
		}
		memcpy(err->msg + o, sep, strlen(sep));
		memcpy(err->msg + o + strlen(sep), one, strlen(one) + 1);
		o += need;
		sep = ", ";
		listed++;
	}
	if (!listed)
		snprintf(err->msg + o, sizeof(err->msg) - o, "%s",
			 images ? "; no image in the index names its platform" : "; the index lists no image");
	return NULL;
}
