/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for spec/image.c.  The first byte picks what the rest
 * goes to (modulo 8):
 *   0 image_manifest_parse   1 image_index_parse (+ image_index_select)
 *   2 image_config_parse     3 image_document_kind
 *   4 image_ref_parse        5 image_name_decode / image_name_encode
 *   6 image_platform_parse   7 all three document parsers
 * Besides crashes, leaks and sanitizer reports it aborts when a promise of
 * spec/image.h is broken:
 *   - an error is one printable line naming the document (or the reference);
 *   - an accepted document holds only valid digests, sizes >= 0, layers of
 *     known layer types, a config of a config type, Env entries with '=';
 *   - index selection returns one of the index's entries;
 *   - a parsed reference formats to a canonical form that parses back to
 *     the same, and its file name decodes back to that form;
 *   - a decoded file name encodes back to the same file name.
 * Built and run by `make fuzz` (tests/fuzz/run.sh); seeds in corpus/image. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/image.h"

#define FAIL(...) (fprintf(stderr, "fuzz_image: " __VA_ARGS__), fputc('\n', stderr), abort())

static void one_line(const char *msg, const char *what)
{
	if (!*msg)
		FAIL("%s: empty error", what);
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			FAIL("%s: the error is not one printable line: %s", what, msg);
}

static void error(int rc, const struct spec_err *e, const char *display)
{
	size_t n = strlen(display);
	if (rc >= 0)
		FAIL("%s: error %d", display, rc);
	if (strncmp(e->msg, display, n) || strncmp(e->msg + n, ": ", 2) || !e->msg[n + 2])
		FAIL("%s: the error does not name it: %s", display, e->msg);
	one_line(e->msg, display);
}

static void descriptor(const struct image_descriptor *d, const char *what)
{
	if (!d->media_type || !image_digest_valid(d->digest) || d->size < 0)
		FAIL("%s: accepted a bad descriptor", what);
	if (d->media.kind != image_media_classify(d->media_type, NULL))
		FAIL("%s: media kind not the media type's", what);
	if (d->platform && (!d->platform->os || !d->platform->architecture))
		FAIL("%s: platform without os or architecture", what);
}

static void manifest(const char *buf, size_t size)
{
	struct image_manifest *m = NULL;
	struct spec_err e;
	int rc = image_manifest_parse(buf, size, "manifest", &m, &e);

	if (rc) {
		if (m)
			FAIL("manifest: failed but returned a result");
		error(rc, &e, "manifest");
		return;
	}
	descriptor(&m->config, "config");
	if (m->config.media.kind != IMAGE_KIND_CONFIG)
		FAIL("manifest: config of media type %s", m->config.media_type);
	for (size_t i = 0; i < m->n_layers; i++) {
		descriptor(&m->layers[i], "layer");
		if (m->layers[i].media.kind != IMAGE_KIND_LAYER)
			FAIL("manifest: layer of media type %s", m->layers[i].media_type);
	}
	if (m->subject)
		descriptor(m->subject, "subject");
	if (m->media_type && image_media_classify(m->media_type, NULL) != IMAGE_KIND_MANIFEST)
		FAIL("manifest: accepted media type %s", m->media_type);
	image_manifest_free(m);
}

static void index_doc(const char *buf, size_t size)
{
	struct image_index *ix = NULL;
	struct spec_err e;
	int rc = image_index_parse(buf, size, "index", &ix, &e);

	if (rc) {
		if (ix)
			FAIL("index: failed but returned a result");
		error(rc, &e, "index");
		return;
	}
	if (ix->media_type && image_media_classify(ix->media_type, NULL) != IMAGE_KIND_INDEX)
		FAIL("index: accepted media type %s", ix->media_type);
	for (size_t i = 0; i < ix->n_manifests; i++)
		descriptor(&ix->manifests[i], "manifests[]");
	static const char *const machines[] = { "x86_64", "aarch64", "armv7l", "armv6l", "s390x" };
	for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
		struct image_platform_want want;
		image_platform_host(machines[k], &want);
		const struct image_descriptor *d = image_index_select(ix, &want, &e);
		if (d && (d < ix->manifests || d >= ix->manifests + ix->n_manifests))
			FAIL("index: selected a descriptor not in the index");
		if (d && d->media.kind != IMAGE_KIND_MANIFEST && d->media.kind != IMAGE_KIND_INDEX)
			FAIL("index: selected a %s", d->media_type);
		if (!d) {
			if (strncmp(e.msg, "index: no image for ", 20))
				FAIL("index: selection error does not name it: %s", e.msg);
			one_line(e.msg, "index selection");
		}
	}
	image_index_free(ix);
}

static void config(const char *buf, size_t size)
{
	struct image_config *c = NULL;
	struct spec_err e;
	int rc = image_config_parse(buf, size, "config", &c, &e);

	if (rc) {
		if (c)
			FAIL("config: failed but returned a result");
		error(rc, &e, "config");
		return;
	}
	if (!c->architecture || !c->os || !c->rootfs_type || strcmp(c->rootfs_type, "layers"))
		FAIL("config: accepted without architecture, os or layers");
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (!image_digest_valid(c->diff_ids[i]))
			FAIL("config: accepted diff_id %s", c->diff_ids[i]);
	for (size_t i = 0; i < c->config.n_env; i++)
		if (!strchr(c->config.env[i], '=') || c->config.env[i][0] == '=')
			FAIL("config: accepted Env %s", c->config.env[i]);
	image_config_free(c);
}

static void kind(const char *buf, size_t size, const char *ct)
{
	struct spec_err e;
	int rc = image_document_kind(buf, size, "doc", ct, &e);

	if (rc < 0)
		error(rc, &e, "doc");
	else if (rc != IMAGE_KIND_MANIFEST && rc != IMAGE_KIND_INDEX)
		FAIL("doc: kind %d", rc);
}

static void reference(const char *s)
{
	struct image_ref r, again;
	struct spec_err e;
	char canon[IMAGE_REF_MAX + 1], file[300], back[IMAGE_REF_MAX + 1];
	int rc = image_ref_parse(s, &r, &e);

	if (rc) {
		if (rc != -EINVAL || strncmp(e.msg, "invalid reference \"", 19))
			FAIL("reference: error %d: %s", rc, e.msg);
		one_line(e.msg, "reference");
		return;
	}
	if (!*r.registry || !*r.repository || (!*r.tag && !*r.digest))
		FAIL("reference %s: accepted without registry, repository or tag", s);
	if (*r.digest && !image_digest_valid(r.digest))
		FAIL("reference %s: accepted digest %s", s, r.digest);
	if (strlen(r.registry) + 1 + strlen(r.repository) > IMAGE_NAME_MAX)
		FAIL("reference %s: name too long", s);
	int n = image_ref_format(&r, canon, sizeof(canon));
	if (n < 0 || (size_t)n != strlen(canon))
		FAIL("reference %s: format %d", s, n);
	if (image_ref_parse(canon, &again, &e) || memcmp(&again, &r, sizeof(r)))
		FAIL("reference %s: canonical %s does not read back the same", s, canon);
	n = image_name_encode(canon, file, sizeof(file));
	if (n == -ENAMETOOLONG)
		return;
	if (n < 0 || n > 255 || strchr(file, '/') || file[0] == '.')
		FAIL("reference %s: file name %s", s, file);
	if (image_name_decode(file, back, sizeof(back)) != (int)strlen(canon) || strcmp(back, canon))
		FAIL("reference %s: file name %s does not decode back", s, file);
}

static void file_name(const char *s)
{
	char dec[300], enc[300];
	int n = image_name_decode(s, dec, sizeof(dec));

	if (n < 0) {
		if (n != -EINVAL && n != -ENAMETOOLONG)
			FAIL("decode: %d", n);
		return;
	}
	if (image_name_encode(dec, enc, sizeof(enc)) != (int)strlen(s) || strcmp(enc, s))
		FAIL("decode %s then encode: %s", s, enc);
	/* and the other way */
	n = image_name_encode(s, enc, sizeof(enc));
	if (n >= 0 && (image_name_decode(enc, dec, sizeof(dec)) != (int)strlen(s) || strcmp(dec, s)))
		FAIL("encode %s then decode", s);
}

static void platform(const char *s)
{
	struct image_platform_want p, again;
	struct spec_err e;
	char buf[100];

	if (image_platform_parse(s, &p, &e)) {
		one_line(e.msg, "platform");
		return;
	}
	image_platform_format(&p, buf, sizeof(buf));
	if (image_platform_parse(buf, &again, &e) || memcmp(&again, &p, sizeof(p)))
		FAIL("platform %s: formatted %s does not read back the same", s, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	unsigned which = data[0] % 8;
	const char *buf = (const char *)data + 1;
	size--;
	char *s = NULL;

	switch (which) {
	case 0: manifest(buf, size); break;
	case 1: index_doc(buf, size); break;
	case 2: config(buf, size); break;
	case 3: kind(buf, size, data[0] & 8 ? IMAGE_MT_OCI_INDEX : data[0] & 16 ? IMAGE_MT_DOCKER_MANIFEST : NULL); break;
	case 7:
		manifest(buf, size);
		index_doc(buf, size);
		config(buf, size);
		break;
	default:
		s = malloc(size + 1);
		if (!s)
			return 0;
		memcpy(s, buf, size);
		s[size] = 0;
		if (which == 4)
			reference(s);
		else if (which == 5)
			file_name(s);
		else
			platform(s);
		free(s);
	}
	return 0;
}
