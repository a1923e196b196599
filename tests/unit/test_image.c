/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for spec/image.c: references and their file names, digests,
 * media types, manifests, indexes, configs, platforms and their selection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/image.h"
#include "tests/unit/unit.h"

/* Documents are written with ' for " (see test_spec.c). */
static char *dq(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

#define HEX_A "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
#define HEX_B "0b2bf5f2ba4f3b5d7e2ab18ba7b3a1a7c4a0c8f3b7ef1d3d3a1b0c9e8f7a6b5c"
#define HEX_C "1111111111111111111111111111111111111111111111111111111111111111"
#define DA "sha256:" HEX_A
#define DB "sha256:" HEX_B
#define DC "sha256:" HEX_C

/* ---- references ------------------------------------------------------------------ */

static void ref_ok_at(const char *in, const char *reg, const char *repo, const char *tag,
		      const char *digest, const char *canon, const char *file, int line)
{
	struct image_ref r;
	struct spec_err err = { "" };
	char name[700], buf[IMAGE_REF_MAX + 1];
	int rc = image_ref_parse(in, &r, &err);
	bool ok = rc == 0 && !strcmp(r.registry, reg) && !strcmp(r.repository, repo) &&
		  !strcmp(r.tag, tag) && !strcmp(r.digest, digest);

	snprintf(name, sizeof(name), "reference %s", in);
	if (!unit_report(ok, file, line, name)) {
		printf("#   rc=%d %s\n#   got: %s | %s | %s | %s\n", rc, err.msg, r.registry,
		       r.repository, r.tag, r.digest);
		return;
	}
	/* the canonical form, and that it reads back the same */
	rc = image_ref_format(&r, buf, sizeof(buf));
	snprintf(name, sizeof(name), "canonical %s", in);
	if (!unit_report(rc == (int)strlen(canon) && !strcmp(buf, canon), file, line, name))
		printf("#   got:  %s\n#   want: %s\n", buf, canon);
	struct image_ref again;
	rc = image_ref_parse(buf, &again, &err);
	snprintf(name, sizeof(name), "round trip %s", in);
	unit_report(rc == 0 && !memcmp(&again, &r, sizeof(r)), file, line, name);
}

static void ref_bad_at(const char *in, const char *why, const char *file, int line)
{
	struct image_ref r;
	struct spec_err err = { "" };
	char want[700], name[720];
	int rc = image_ref_parse(in, &r, &err);

	/* Short printable references are quoted as they are; others escaped
	 * and cut (checked on their own below). */
	bool plain = strlen(in) <= 64;
	for (const char *p = in; *p; p++)
		plain &= *p >= 0x20 && *p < 0x7f;
	snprintf(want, sizeof(want), "invalid reference \"%s\": %s", in, why);
	snprintf(name, sizeof(name), "refused: %s", want);
	for (char *p = name; *p; p++)   /* one TAP line */
		if ((unsigned char)*p < 0x20)
			*p = '?';
	char tail[300];
	snprintf(tail, sizeof(tail), "\": %s", why);
	size_t ml = strlen(err.msg), tl = strlen(tail);
	bool same = plain ? !strcmp(err.msg, want) :
		!strncmp(err.msg, "invalid reference \"", 19) && ml > tl && !strcmp(err.msg + ml - tl, tail) &&
		!strchr(err.msg, '\n') && !strchr(err.msg, '\t');
	if (!unit_report(rc == -EINVAL && same && !r.repository[0], file, line, name))
		printf("#   rc=%d\n#   got:  %s\n", rc, err.msg);
}

#define REF_OK(in, reg, repo, tag, dig, canon) ref_ok_at(in, reg, repo, tag, dig, canon, __FILE__, __LINE__)
#define REF_BAD(in, why) ref_bad_at(in, why, __FILE__, __LINE__)

static void test_refs(void)
{
	UNIT_GROUP("references");
	REF_OK("busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest");
	REF_OK("busybox:1.36", "docker.io", "library/busybox", "1.36", "",
	       "docker.io/library/busybox:1.36");
	REF_OK("foo/bar", "docker.io", "foo/bar", "latest", "", "docker.io/foo/bar:latest");
	REF_OK("docker.io/busybox", "docker.io", "library/busybox", "latest", "",
	       "docker.io/library/busybox:latest");
	REF_OK("index.docker.io/library/alpine:3", "docker.io", "library/alpine", "3", "",
	       "docker.io/library/alpine:3");
	REF_OK("quay.io/x/y", "quay.io", "x/y", "latest", "", "quay.io/x/y:latest");
	REF_OK("quay.io/y", "quay.io", "y", "latest", "", "quay.io/y:latest");
	REF_OK("localhost/a", "localhost", "a", "latest", "", "localhost/a:latest");
	REF_OK("localhost:5000/a/b:t", "localhost:5000", "a/b", "t", "", "localhost:5000/a/b:t");
	REF_OK("127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", "", "127.0.0.1:5000/x:latest");
	REF_OK("[::1]:5000/x", "[::1]:5000", "x", "latest", "", "[::1]:5000/x:latest");
	REF_OK("Registry.Example.COM/x", "Registry.Example.COM", "x", "latest", "",
	       "Registry.Example.COM/x:latest");
	/* "localhost:5000" alone is busybox:tag-like: name localhost, tag 5000 */
	REF_OK("localhost:5000", "docker.io", "library/localhost", "5000", "",
	       "docker.io/library/localhost:5000");
	REF_OK("busybox@" DA, "docker.io", "library/busybox", "", DA, "docker.io/library/busybox@" DA);
	REF_OK("quay.io/x/y@" DA, "quay.io", "x/y", "", DA, "quay.io/x/y@" DA);
	REF_OK("ghcr.io/o/r:v1.2@" DB, "ghcr.io", "o/r", "v1.2", DB, "ghcr.io/o/r:v1.2@" DB);
	REF_OK("a.b-c/d.e/f_g/h__i/j---k:_T.a-g", "a.b-c", "d.e/f_g/h__i/j---k", "_T.a-g", "",
	       "a.b-c/d.e/f_g/h__i/j---k:_T.a-g");
	REF_OK("a/b/c/d/e/f/g", "docker.io", "a/b/c/d/e/f/g", "latest", "",
	       "docker.io/a/b/c/d/e/f/g:latest");
	REF_OK("x:5000/y", "x:5000", "y", "latest", "", "x:5000/y:latest");

	/* length limits */
	char tag128[140], tag129[140], name[400], in[500];
	memset(tag128, 'T', 128);
	tag128[128] = 0;
	memset(tag129, 'T', 129);
	tag129[129] = 0;
	snprintf(in, sizeof(in), "busybox:%s", tag128);
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse(in, &r, &err) == 0 && !strcmp(r.tag, tag128));
	}
	snprintf(in, sizeof(in), "busybox:%s", tag129);
	REF_BAD(in, "tag longer than 128 characters");
	/* quay.io/ + 247 = 255 */
	memset(name, 'n', 247);
	name[247] = 0;
	snprintf(in, sizeof(in), "quay.io/%s", name);
	{
		struct image_ref r;
		struct spec_err err;
		char buf[IMAGE_REF_MAX + 1];
		CHECK(image_ref_parse(in, &r, &err) == 0);
		CHECK_INT(image_ref_name(&r, buf, sizeof(buf)), 255);
		CHECK_INT(image_ref_name(&r, buf, 255), -ENAMETOOLONG);
		CHECK_STR(buf, "");
		CHECK_INT(image_ref_format(&r, buf, 10), -ENAMETOOLONG);
	}
	name[247] = 'n';
	name[248] = 0;
	snprintf(in, sizeof(in), "quay.io/%s", name);
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse(in, &r, &err) == -EINVAL &&
		      strstr(err.msg, ": name longer than 255 characters") &&
		      strstr(err.msg, "nnn...\": "));
	}
	/* a registry alone too long (the fuzzer's find: it overflowed .registry) */
	memset(name, 'r', 300);
	memcpy(name + 300, ".io/x", 6);
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse(name, &r, &err) == -EINVAL &&
		      strstr(err.msg, "rrr...\": name longer than 255 characters"));
	}
	/* docker.io/library/ counts */
	memset(name, 'n', 237);
	name[237] = 0;
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse(name, &r, &err) == 0);   /* docker.io/library/ + 237 = 255 */
		name[237] = 'n';
		name[238] = 0;
		CHECK(image_ref_parse(name, &r, &err) == -EINVAL);
	}
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = 0;
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse(in, &r, &err) == -EINVAL && strstr(err.msg, ": too long"));
	}

	UNIT_GROUP("references refused");
	REF_BAD("", "empty reference");
	REF_BAD("Busybox", "repository name must be lowercase");
	REF_BAD("foo/Bar", "repository name must be lowercase");
	REF_BAD("quay.io/Foo/bar", "repository name must be lowercase");
	REF_BAD("a//b", "empty path component");
	REF_BAD("a/", "empty path component");
	REF_BAD("/a", "empty path component");
	REF_BAD("quay.io/", "empty path component");
	REF_BAD("quay.io//x", "empty path component");
	REF_BAD("a/../b", "invalid path component \"..\"");
	REF_BAD("a/.b", "invalid path component \".b\"");
	REF_BAD("a/b.", "invalid path component \"b.\"");
	REF_BAD("a/b___c", "invalid path component \"b___c\"");
	REF_BAD("a/-b", "invalid path component \"-b\"");
	REF_BAD("a/b_-c", "invalid path component \"b_-c\"");
	REF_BAD("bu sybox", "contains whitespace");
	REF_BAD(" busybox", "contains whitespace");
	REF_BAD("busybox\t", "contains whitespace");
	REF_BAD("busyb\xc3\xb6x", "contains a character that is not printable ASCII");
	REF_BAD("busybox:", "empty tag");
	REF_BAD("busybox:.x", "invalid tag (letters, digits, '_', '.' and '-', not first '.' or '-')");
	REF_BAD("busybox:-x", "invalid tag (letters, digits, '_', '.' and '-', not first '.' or '-')");
	REF_BAD("busybox:a+b", "invalid tag (letters, digits, '_', '.' and '-', not first '.' or '-')");
	REF_BAD("busybox:a:b", "invalid path component \"busybox:a\"");
	REF_BAD(":tag", "no repository name");
	REF_BAD("@" DA, "no repository name");
	REF_BAD("busybox@sha512:" HEX_A HEX_A, "only sha256 digests are supported");
	REF_BAD("busybox@md5:abcd", "only sha256 digests are supported");
	REF_BAD("busybox@sha256:" "A3ED95CAEB02FFE68CDD9FD84406680AE93D633CB16422D00E8A7C22955B46D4",
		"invalid sha256 digest (64 lowercase hex digits expected)");
	REF_BAD("busybox@sha256:abc", "invalid sha256 digest (64 lowercase hex digits expected)");
	REF_BAD("busybox@sha256:" HEX_A "0", "invalid sha256 digest (64 lowercase hex digits expected)");
	REF_BAD("busybox@", "invalid digest");
	REF_BAD("busybox@sha256", "invalid digest");
	REF_BAD("busybox@" DA "@" DA, "invalid sha256 digest (64 lowercase hex digits expected)");
	REF_BAD("busybox@Sha256:x", "invalid digest");
	REF_BAD("-quay.io/x", "invalid registry host");
	REF_BAD("quay..io/x", "invalid registry host");
	REF_BAD("quay.io:/x", "invalid registry host");
	REF_BAD("quay.io:50a/x", "invalid registry host");
	REF_BAD("qu_ay.io/x", "invalid registry host");
	REF_BAD("[::g]:5000/x", "invalid registry host");
	REF_BAD("[]:5000/x", "invalid registry host");
	REF_BAD("[]/x", "invalid path component \"[]\"");
	REF_BAD(HEX_A, "a 64-hex-digit name is an image ID, not a repository");
	/* quoted as one line */
	REF_BAD("a\nb", "contains whitespace");
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse("busybox\t", &r, &err) == -EINVAL);
		CHECK_STR(err.msg, "invalid reference \"busybox\\x09\": contains whitespace");
		CHECK(image_ref_parse("busybox@sha256:" HEX_A "0", &r, &err) == -EINVAL);
		CHECK_STR(err.msg, "invalid reference \"busybox@sha256:" "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00"
			  "...\": invalid sha256 digest (64 lowercase hex digits expected)");
	}
	{
		struct image_ref r;
		struct spec_err err;
		CHECK(image_ref_parse("x\x01y", &r, &err) == -EINVAL);
		CHECK_STR(err.msg, "invalid reference \"x\\x01y\": contains a character that is not printable ASCII");
	}
	/* a hex name with a namespace is a name */
	REF_OK("x/" HEX_A, "docker.io", "x/" HEX_A, "latest", "", "docker.io/x/" HEX_A ":latest");
}

/* ---- file names -------------------------------------------------------------------- */

static void test_file_names(void)
{
	char enc[300], dec[600];

	UNIT_GROUP("file names");
	CHECK_INT(image_name_encode("docker.io/library/busybox:latest", enc, sizeof(enc)), 38);
	CHECK_STR(enc, "docker.io%2Flibrary%2Fbusybox%3Alatest");
	CHECK_INT(image_name_encode("quay.io/x/y@" DA, enc, sizeof(enc)), 91);
	CHECK_STR(enc, "quay.io%2Fx%2Fy%40sha256%3A" HEX_A);
	CHECK_INT(image_name_encode(".hidden%x", enc, sizeof(enc)), 13);
	CHECK_STR(enc, "%2Ehidden%25x");
	CHECK_INT(image_name_encode("a.b c\x7f", enc, sizeof(enc)), 10);
	CHECK_STR(enc, "a.b%20c%7F");
	CHECK_INT(image_name_encode("", enc, sizeof(enc)), 0);
	CHECK_INT(image_name_encode("abc", enc, 3), -ENAMETOOLONG);
	CHECK_INT(image_name_encode("abc", enc, 4), 3);

	/* Round trips: every sort of name, and every byte. */
	static const char *const refs[] = {
		"busybox", "busybox:1.36", "foo/bar", "quay.io/x/y", "localhost:5000/a/b:t",
		"127.0.0.1:5000/x", "[::1]:5000/x@" DA, "ghcr.io/o/r:v1.2@" DB, "x/y.z_w__v--u:T",
		"registry.example.com:443/team/project/image:2024.01-rc1",
	};
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct image_ref r;
		struct spec_err err;
		char canon[IMAGE_REF_MAX + 1];
		if (!CHECK(image_ref_parse(refs[i], &r, &err) == 0))
			continue;
		image_ref_format(&r, canon, sizeof(canon));
		int n = image_name_encode(canon, enc, sizeof(enc));
		CHECK(n > 0 && !strchr(enc, '/') && enc[0] != '.' && n <= 255);
		CHECK_INT(image_name_decode(enc, dec, sizeof(dec)), (int)strlen(canon));
		CHECK_STR(dec, canon);
	}
	int bad = 0;
	for (int c = 1; c < 256; c++) {
		char s[4] = { (char)c, (char)c, 'x', 0 };
		int n = image_name_encode(s, enc, sizeof(enc));
		if (n <= 0 || strchr(enc, '/') || enc[0] == '.' || image_name_decode(enc, dec, sizeof(dec)) != 3 ||
		    strcmp(dec, s))
			bad++;
	}
	CHECK_INT(bad, 0);
	/* pseudo-random names of the reference alphabet */
	unsigned seed = 1;
	bad = 0;
	for (int k = 0; k < 2000; k++) {
		static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789._-/:@%ABCXYZ[]";
		char s[80];
		size_t len = (seed = seed * 1103515245 + 12345) >> 16 & 63;
		for (size_t i = 0; i < len; i++)
			s[i] = alpha[((seed = seed * 1103515245 + 12345) >> 16) % (sizeof(alpha) - 1)];
		s[len] = 0;
		int n = image_name_encode(s, enc, sizeof(enc));
		if (n < 0 || image_name_decode(enc, dec, sizeof(dec)) != (int)len || strcmp(dec, s))
			bad++;
		/* and decoding then encoding gives the file name back */
		char again[300];
		if (image_name_encode(dec, again, sizeof(again)) != n || strcmp(again, enc))
			bad++;
	}
	CHECK_INT(bad, 0);

	/* 255 bytes at most */
	char longname[300];
	memset(longname, 'a', 255);
	longname[255] = 0;
	CHECK_INT(image_name_encode(longname, enc, sizeof(enc)), 255);
	longname[254] = '/';
	CHECK_INT(image_name_encode(longname, enc, sizeof(enc)), -ENAMETOOLONG);
	CHECK_STR(enc, "");
	/* a long canonical reference does not fit */
	{
		struct image_ref r;
		struct spec_err err;
		char in[400], canon[IMAGE_REF_MAX + 1];
		memset(longname, 'b', 200);
		longname[200] = 0;
		snprintf(in, sizeof(in), "quay.io/%s@%s", longname, DA);
		CHECK(image_ref_parse(in, &r, &err) == 0);
		image_ref_format(&r, canon, sizeof(canon));
		CHECK_INT(image_name_encode(canon, enc, sizeof(enc)), -ENAMETOOLONG);
	}

	UNIT_GROUP("file names refused");
	CHECK_INT(image_name_decode("a/b", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode(".a", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a:b", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a@b", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a b", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a%2fb", dec, sizeof(dec)), -EINVAL);   /* lowercase hex */
	CHECK_INT(image_name_decode("a%41", dec, sizeof(dec)), -EINVAL);    /* "A" needs no escape */
	CHECK_INT(image_name_decode("a%2", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a%", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a%00", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a%G0", dec, sizeof(dec)), -EINVAL);
	CHECK_INT(image_name_decode("a%2E", dec, sizeof(dec)), -EINVAL);    /* '.' inside needs none */
	CHECK_INT(image_name_decode("%2Ea", dec, sizeof(dec)), 2);
	CHECK_STR(dec, ".a");
	CHECK_INT(image_name_decode("abc", dec, 3), -ENAMETOOLONG);
	CHECK_INT(image_name_decode("abc", dec, 4), 3);
	memset(longname, 'a', 256);
	longname[256] = 0;
	CHECK_INT(image_name_decode(longname, dec, sizeof(dec)), -EINVAL);
}

/* ---- digests and media types -------------------------------------------------------- */

static void test_digests(void)
{
	UNIT_GROUP("digests");
	CHECK(image_digest_valid(DA));
	CHECK_STR(image_digest_hex(DA), HEX_A);
	CHECK(!image_digest_valid(NULL));
	CHECK(!image_digest_valid(""));
	CHECK(!image_digest_valid("sha256:"));
	CHECK(!image_digest_valid(HEX_A));
	CHECK(!image_digest_valid("sha256:" HEX_A "0"));
	CHECK(!image_digest_valid("sha256:" HEX_A " "));
	CHECK(!image_digest_valid("sha256:A3ED95CAEB02FFE68CDD9FD84406680AE93D633CB16422D00E8A7C22955B46D4"));
	CHECK(!image_digest_valid("sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d"));
	CHECK(!image_digest_valid("sha256:g3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"));
	CHECK(!image_digest_valid("sha512:" HEX_A HEX_A));
	CHECK(!image_digest_valid("SHA256:" HEX_A));
	CHECK(image_digest_hex("sha256:" HEX_A "x") == NULL);
}

static void test_media_types(void)
{
	struct image_media m;

	UNIT_GROUP("media types");
	CHECK_INT(image_media_classify(IMAGE_MT_OCI_MANIFEST, &m), IMAGE_KIND_MANIFEST);
	CHECK(!m.docker);
	CHECK_INT(image_media_classify(IMAGE_MT_DOCKER_MANIFEST, &m), IMAGE_KIND_MANIFEST);
	CHECK(m.docker);
	CHECK_INT(image_media_classify(IMAGE_MT_OCI_INDEX, &m), IMAGE_KIND_INDEX);
	CHECK_INT(image_media_classify(IMAGE_MT_DOCKER_LIST, &m), IMAGE_KIND_INDEX);
	CHECK(m.docker);
	CHECK_INT(image_media_classify(IMAGE_MT_OCI_CONFIG, &m), IMAGE_KIND_CONFIG);
	CHECK_INT(image_media_classify(IMAGE_MT_DOCKER_CONFIG, &m), IMAGE_KIND_CONFIG);
	CHECK_INT(image_media_classify(IMAGE_MT_DOCKER_SCHEMA1, &m), IMAGE_KIND_SCHEMA1);
	CHECK_INT(image_media_classify(IMAGE_MT_DOCKER_SCHEMA1_SIGNED, &m), IMAGE_KIND_SCHEMA1);

	static const struct {
		const char *mt;
		enum image_compression comp;
		bool docker, nd;
	} layers[] = {
		{ "application/vnd.oci.image.layer.v1.tar", IMAGE_COMP_NONE, false, false },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", IMAGE_COMP_GZIP, false, false },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", IMAGE_COMP_ZSTD, false, false },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", IMAGE_COMP_NONE, false, true },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", IMAGE_COMP_GZIP, false, true },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", IMAGE_COMP_ZSTD, false, true },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", IMAGE_COMP_GZIP, true, false },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", IMAGE_COMP_GZIP, true, true },
		{ "application/vnd.docker.image.rootfs.diff.tar", IMAGE_COMP_NONE, true, false },
	};
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		CHECK_INT(image_media_classify(layers[i].mt, &m), IMAGE_KIND_LAYER);
		CHECK_INT(m.compression, layers[i].comp);
		CHECK_INT(m.docker, layers[i].docker);
		CHECK_INT(m.nondistributable, layers[i].nd);
	}
	/* a Content-Type with parameters, any case */
	CHECK_INT(image_media_classify("Application/VND.OCI.image.manifest.v1+json; charset=utf-8", &m),
		  IMAGE_KIND_MANIFEST);
	CHECK_INT(image_media_classify(IMAGE_MT_OCI_INDEX " ;x", NULL), IMAGE_KIND_INDEX);
	CHECK_INT(image_media_classify(NULL, &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(image_media_classify("", &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(image_media_classify("application/json", &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(image_media_classify("application/vnd.oci.image.layer.v1.tar+bzip2", &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(image_media_classify(IMAGE_MT_OCI_MANIFEST "x", &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(image_media_classify("application/vnd.oci.image.manifest.v1", &m), IMAGE_KIND_UNKNOWN);
	CHECK_INT(m.kind, IMAGE_KIND_UNKNOWN);
	CHECK(strstr(IMAGE_MANIFEST_ACCEPT, IMAGE_MT_DOCKER_LIST) != NULL);
}

/* ---- documents ---------------------------------------------------------------------- */

enum doc { MANIFEST, INDEX, CONFIG };

static int parse_doc(enum doc which, const char *sq, const char *display, void **out,
		     struct spec_err *err)
{
	char *doc = dq(sq);
	int rc;

	if (which == MANIFEST)
		rc = image_manifest_parse(doc, strlen(doc), display, (struct image_manifest **)out, err);
	else if (which == INDEX)
		rc = image_index_parse(doc, strlen(doc), display, (struct image_index **)out, err);
	else
		rc = image_config_parse(doc, strlen(doc), display, (struct image_config **)out, err);
	free(doc);   /* the result must not point into the caller's buffer */
	return rc;
}

static void free_doc(enum doc which, void *p)
{
	if (which == MANIFEST)
		image_manifest_free(p);
	else if (which == INDEX)
		image_index_free(p);
	else
		image_config_free(p);
}

static void doc_bad_at(enum doc which, const char *sq, const char *want, const char *file, int line)
{
	void *out = (void *)1;
	struct spec_err err = { "" };
	char name[820];
	int rc = parse_doc(which, sq, "sha256:1234", &out, &err);

	snprintf(name, sizeof(name), "refused: %s", want);
	if (!unit_report(rc == -EINVAL && !out && !strcmp(err.msg, want), file, line, name))
		printf("#   rc=%d\n#   got:  %s\n", rc, err.msg);
	if (!rc)
		free_doc(which, out);
}

#define MANIFEST_BAD(doc, msg) doc_bad_at(MANIFEST, doc, msg, __FILE__, __LINE__)
#define INDEX_BAD(doc, msg)    doc_bad_at(INDEX, doc, msg, __FILE__, __LINE__)
#define CONFIG_BAD(doc, msg)   doc_bad_at(CONFIG, doc, msg, __FILE__, __LINE__)

/* Shaped like docker.io/library/busybox's linux/amd64 manifest (OCI). */
static const char hub_manifest[] =
	"{\n"
	"  'schemaVersion': 2,\n"
	"  'mediaType': 'application/vnd.oci.image.manifest.v1+json',\n"
	"  'config': {\n"
	"    'mediaType': 'application/vnd.oci.image.config.v1+json',\n"
	"    'digest': '" DA "',\n"
	"    'size': 1457\n"
	"  },\n"
	"  'layers': [\n"
	"    {\n"
	"      'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',\n"
	"      'digest': '" DB "',\n"
	"      'size': 2152262\n"
	"    },\n"
	"    {\n"
	"      'mediaType': 'application/vnd.oci.image.layer.v1.tar+zstd',\n"
	"      'digest': '" DC "',\n"
	"      'size': 0,\n"
	"      'urls': ['https://example.com/blob'],\n"
	"      'annotations': {'org.opencontainers.image.title': 'layer.tar'}\n"
	"    }\n"
	"  ],\n"
	"  'annotations': {\n"
	"    'com.docker.official-images.bashbrew.arch': 'amd64',\n"
	"    'org.opencontainers.image.created': '2024-09-26T21:31:42Z',\n"
	"    'org.opencontainers.image.version': '1.37.0-glibc'\n"
	"  }\n"
	"}\n";

/* Docker schema 2, as quay.io and older Hub pushes serve it. */
static const char docker_manifest[] =
	"{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest.v2+json',"
	"'config':{'mediaType':'application/vnd.docker.container.image.v1+json','size':7023,'digest':'" DA "'},"
	"'layers':[{'mediaType':'application/vnd.docker.image.rootfs.diff.tar.gzip','size':32654,'digest':'" DB "'},"
	"{'mediaType':'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip','size':16724,'digest':'" DC "',"
	"'urls':['https://mcr.microsoft.com/v2/x/blobs/" DC "']}]}";

#define M_CONFIG "'config':{'mediaType':'application/vnd.oci.image.config.v1+json','digest':'" DA "','size':1}"
#define LAYER(...) "{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip','digest':'" DB "'," __VA_ARGS__ "}"
#define M(...) "{'schemaVersion':2," M_CONFIG "," __VA_ARGS__ "}"

static void test_manifest(void)
{
	struct image_manifest *m = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("manifest");
	if (!CHECK(parse_doc(MANIFEST, hub_manifest, "sha256:1234", (void **)&m, &err) == 0)) {
		printf("#   %s\n", err.msg);
		return;
	}
	CHECK_STR(m->media_type, IMAGE_MT_OCI_MANIFEST);
	CHECK(!m->docker);
	CHECK_STR(m->config.digest, DA);
	CHECK_INT(m->config.size, 1457);
	CHECK_INT(m->config.media.kind, IMAGE_KIND_CONFIG);
	CHECK_UINT(m->n_layers, 2);
	CHECK_STR(m->layers[0].digest, DB);
	CHECK_INT(m->layers[0].size, 2152262);
	CHECK_INT(m->layers[0].media.compression, IMAGE_COMP_GZIP);
	CHECK_INT(m->layers[1].media.compression, IMAGE_COMP_ZSTD);
	CHECK_INT(m->layers[1].size, 0);
	CHECK_UINT(m->layers[1].n_urls, 1);
	CHECK_STR(m->layers[1].urls[0], "https://example.com/blob");
	CHECK_UINT(m->layers[1].n_annotations, 1);
	CHECK_STR(m->layers[1].annotations[0].value, "layer.tar");
	CHECK_UINT(m->n_annotations, 3);
	CHECK_STR(m->annotations[2].key, "org.opencontainers.image.version");
	CHECK(m->subject == NULL);
	image_manifest_free(m);

	m = NULL;
	CHECK(parse_doc(MANIFEST, docker_manifest, "quay.io/x/y:1", (void **)&m, &err) == 0);
	if (m) {
		CHECK(m->docker);
		CHECK_INT(m->config.media.kind, IMAGE_KIND_CONFIG);
		CHECK(m->config.media.docker);
		CHECK_UINT(m->n_layers, 2);
		CHECK(m->layers[1].media.nondistributable);
		CHECK_INT(m->layers[1].size, 16724);
	}
	image_manifest_free(m);

	/* no mediaType, no layers at all, a subject, an artifactType; 2^63-1 */
	m = NULL;
	CHECK(parse_doc(MANIFEST, M("'layers':[], 'artifactType':'x/y', 'subject':{'mediaType':'"
				    IMAGE_MT_OCI_MANIFEST "','digest':'" DC "','size':9223372036854775807}"),
			"m", (void **)&m, &err) == 0);
	if (m) {
		CHECK(m->media_type == NULL);
		CHECK_UINT(m->n_layers, 0);
		CHECK_STR(m->artifact_type, "x/y");
		CHECK(m->subject && m->subject->size == INT64_MAX);
	}
	image_manifest_free(m);
	/* unknown fields, and null for absent */
	m = NULL;
	CHECK(parse_doc(MANIFEST, M("'layers':[" LAYER("'size':1,'data':'e30=','x':[1]") "],'annotations':null,'foo':{}"),
			"m", (void **)&m, &err) == 0);
	image_manifest_free(m);
	image_manifest_free(NULL);

	UNIT_GROUP("manifest refused");
	MANIFEST_BAD("", "sha256:1234: invalid JSON: parse error: premature EOF");
	MANIFEST_BAD("[]", "sha256:1234: expected an object");
	MANIFEST_BAD("{}", "sha256:1234: schemaVersion: required field missing");
	MANIFEST_BAD("{'schemaVersion':1,'name':'x','tag':'y','fsLayers':[],'signatures':[]}",
		     "sha256:1234: schemaVersion: Docker schema 1 manifests are not supported "
		     "(push the image again with a current client)");
	MANIFEST_BAD("{'schemaVersion':3}", "sha256:1234: schemaVersion: unsupported schemaVersion \"3\" (expected 2)");
	MANIFEST_BAD("{'schemaVersion':2.0}", "sha256:1234: schemaVersion: unsupported schemaVersion \"2.0\" (expected 2)");
	MANIFEST_BAD("{'schemaVersion':'2'}", "sha256:1234: schemaVersion: expected an integer");
	MANIFEST_BAD("{'schemaVersion':2,'layers':[]}", "sha256:1234: config: required field missing");
	MANIFEST_BAD("{'schemaVersion':2," M_CONFIG "}", "sha256:1234: layers: required field missing");
	MANIFEST_BAD(M("'layers':{}"), "sha256:1234: layers: expected an array");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':-1") "]"), "sha256:1234: layers[0].size: must not be negative");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':1.5") "]"), "sha256:1234: layers[0].size: expected a 64-bit integer");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':9223372036854775808") "]"),
		     "sha256:1234: layers[0].size: expected a 64-bit integer");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':'1'") "]"), "sha256:1234: layers[0].size: expected a 64-bit integer");
	MANIFEST_BAD(M("'layers':[{'mediaType':'application/vnd.oci.image.layer.v1.tar','size':1}]"),
		     "sha256:1234: layers[0].digest: required field missing");
	MANIFEST_BAD(M("'layers':[{'digest':'" DB "','size':1}]"),
		     "sha256:1234: layers[0].mediaType: required field missing");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':1") ",{'mediaType':'" IMAGE_MT_OCI_LAYER "','digest':'" DB "'}]"),
		     "sha256:1234: layers[1].size: required field missing");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':1") ",{'mediaType':'" IMAGE_MT_OCI_LAYER "','size':1,'digest':'sha256:XYZ'}]"),
		     "sha256:1234: layers[1].digest: invalid sha256 digest (64 lowercase hex digits expected) \"sha256:XYZ\"");
	MANIFEST_BAD(M("'layers':[{'mediaType':'" IMAGE_MT_OCI_LAYER "','size':1,'digest':'sha512:" HEX_A HEX_A "'}]"),
		     "sha256:1234: layers[0].digest: only sha256 digests are supported \"sha512:"
		     "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c229...\"");
	MANIFEST_BAD(M("'layers':[{'mediaType':'" IMAGE_MT_OCI_LAYER "','size':1,'digest':'" HEX_A "'}]"),
		     "sha256:1234: layers[0].digest: invalid digest \"" HEX_A "\"");
	MANIFEST_BAD(M("'layers':[{'mediaType':'" IMAGE_MT_OCI_LAYER "','size':1,'digest':7}]"),
		     "sha256:1234: layers[0].digest: expected a string");
	MANIFEST_BAD(M("'layers':[{'mediaType':'application/vnd.oci.image.layer.v1.tar+bzip2','size':1,'digest':'" DB "'}]"),
		     "sha256:1234: layers[0].mediaType: unknown layer media type \"application/vnd.oci.image.layer.v1.tar+bzip2\"");
	MANIFEST_BAD(M("'layers':[{'mediaType':'" IMAGE_MT_OCI_CONFIG "','size':1,'digest':'" DB "'}]"),
		     "sha256:1234: layers[0].mediaType: unknown layer media type \"" IMAGE_MT_OCI_CONFIG "\"");
	MANIFEST_BAD("{'schemaVersion':2,'config':{'mediaType':'application/vnd.oci.empty.v1+json','digest':'" DA "','size':2},'layers':[]}",
		     "sha256:1234: config.mediaType: not an image config media type \"application/vnd.oci.empty.v1+json\"");
	MANIFEST_BAD("{'schemaVersion':2,'config':{'mediaType':'" IMAGE_MT_OCI_CONFIG "','digest':'" DA "','size':-5},'layers':[]}",
		     "sha256:1234: config.size: must not be negative");
	MANIFEST_BAD(M("'layers':[],'mediaType':'" IMAGE_MT_OCI_INDEX "'"),
		     "sha256:1234: mediaType: an image index, not an image manifest: \"" IMAGE_MT_OCI_INDEX "\"");
	MANIFEST_BAD(M("'layers':[],'mediaType':'" IMAGE_MT_DOCKER_SCHEMA1_SIGNED "'"),
		     "sha256:1234: mediaType: Docker schema 1 manifests are not supported");
	MANIFEST_BAD(M("'layers':[],'mediaType':'text/plain'"),
		     "sha256:1234: mediaType: unknown manifest media type \"text/plain\"");
	MANIFEST_BAD("{'schemaVersion':2,'manifests':[]}", "sha256:1234: an image index, not an image manifest");
	MANIFEST_BAD(M("'manifests':[], 'layers':null"), "sha256:1234: an image index, not an image manifest");
	MANIFEST_BAD(M("'layers':null"), "sha256:1234: layers: required field missing");
	MANIFEST_BAD("{'schemaVersion':2,'layers':[],'config':null}", "sha256:1234: config: required field missing");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':1,'urls':[1]") "]"), "sha256:1234: layers[0].urls[0]: expected a string");
	MANIFEST_BAD(M("'layers':[" LAYER("'size':1,'annotations':{'a':1}") "]"),
		     "sha256:1234: layers[0].annotations.a: expected a string");
	{
		struct image_manifest *bad = NULL;
		struct spec_err e;
		CHECK(image_manifest_parse("{} x", 4, "m", &bad, &e) == -EINVAL && !bad);
		CHECK(!strncmp(e.msg, "m: invalid JSON: parse error: trailing garbage", 46));
	}
	MANIFEST_BAD(M("'layers':[],'annotations':{'k':'v\\u0000'}"),
		     "sha256:1234: annotations.k: string contains a NUL byte");
}

/* Shaped like docker.io/library/busybox's index: images and buildkit's
 * attestation manifests. */
#define ENTRY(mt, dig, plat, ...) "{'mediaType':'" mt "','digest':'" dig "','size':610,'platform':{" plat "}" __VA_ARGS__ "}"
#define PLAT(os, arch) "'os':'" os "','architecture':'" arch "'"
#define PLATV(os, arch, v) PLAT(os, arch) ",'variant':'" v "'"
#define ATTEST(dig) ENTRY(IMAGE_MT_OCI_MANIFEST, dig, PLAT("unknown", "unknown"), \
	",'annotations':{'vnd.docker.reference.digest':'" DA "','vnd.docker.reference.type':'attestation-manifest'}")

static const char hub_index[] =
	"{'schemaVersion':2,'mediaType':'application/vnd.oci.image.index.v1+json','manifests':["
	ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm", "v5")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DC, PLATV("linux", "arm", "v6")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm", "v7")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm64", "v8")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DC, PLAT("linux", "386")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "ppc64le")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLAT("linux", "riscv64")) ","
	ENTRY(IMAGE_MT_OCI_MANIFEST, DC, PLAT("linux", "s390x")) ","
	ATTEST(DA) "," ATTEST(DB)
	"],'annotations':{'org.opencontainers.image.ref.name':'1.37'}}";

static const char docker_list[] =
	"{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest.list.v2+json','manifests':["
	ENTRY(IMAGE_MT_DOCKER_MANIFEST, DA, PLAT("linux", "amd64") ",'features':['sse4']") ","
	ENTRY(IMAGE_MT_DOCKER_MANIFEST, DB, PLAT("linux", "arm64")) ","
	ENTRY(IMAGE_MT_DOCKER_MANIFEST, DC, PLAT("windows", "amd64") ",'os.version':'10.0.17763.1879','os.features':['win32k']")
	"]}";

#define IX(...) "{'schemaVersion':2,'manifests':[" __VA_ARGS__ "]}"

static void test_index(void)
{
	struct image_index *ix = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("index");
	if (!CHECK(parse_doc(INDEX, hub_index, "docker.io/library/busybox:latest", (void **)&ix, &err) == 0)) {
		printf("#   %s\n", err.msg);
		return;
	}
	CHECK(!ix->docker);
	CHECK_UINT(ix->n_manifests, 11);
	CHECK_STR(ix->manifests[1].platform->variant, "v5");
	CHECK_STR(ix->manifests[0].platform->os, "linux");
	CHECK(ix->manifests[0].platform->variant == NULL);
	CHECK_INT(ix->manifests[0].media.kind, IMAGE_KIND_MANIFEST);
	CHECK_STR(ix->display, "docker.io/library/busybox:latest");
	CHECK_UINT(ix->n_annotations, 1);
	image_index_free(ix);

	ix = NULL;
	CHECK(parse_doc(INDEX, docker_list, "l", (void **)&ix, &err) == 0);
	if (ix) {
		CHECK(ix->docker);
		CHECK_STR(ix->manifests[2].platform->os_version, "10.0.17763.1879");
		CHECK_UINT(ix->manifests[2].platform->n_os_features, 1);
		CHECK_STR(ix->manifests[2].platform->os_features[0], "win32k");
	}
	image_index_free(ix);

	/* no mediaType; an entry of a type nobody knows is kept; empty */
	ix = NULL;
	CHECK(parse_doc(INDEX, IX("{'mediaType':'application/x-foo','digest':'" DA "','size':3}"), "i",
			(void **)&ix, &err) == 0);
	if (ix) {
		CHECK(ix->media_type == NULL);
		CHECK_INT(ix->manifests[0].media.kind, IMAGE_KIND_UNKNOWN);
		CHECK(ix->manifests[0].platform == NULL);
	}
	image_index_free(ix);
	ix = NULL;
	CHECK(parse_doc(INDEX, IX(), NULL, (void **)&ix, &err) == 0);
	if (ix)
		CHECK_STR(ix->display, "document");
	image_index_free(ix);
	image_index_free(NULL);

	UNIT_GROUP("index refused");
	INDEX_BAD("{'manifests':[]}", "sha256:1234: schemaVersion: required field missing");
	INDEX_BAD("{'schemaVersion':2}", "sha256:1234: manifests: required field missing");
	INDEX_BAD("{'schemaVersion':2,'manifests':[],'mediaType':'" IMAGE_MT_DOCKER_MANIFEST "'}",
		  "sha256:1234: mediaType: an image manifest, not an image index: \"" IMAGE_MT_DOCKER_MANIFEST "\"");
	INDEX_BAD("{'schemaVersion':2,'manifests':[],'mediaType':'x'}",
		  "sha256:1234: mediaType: unknown index media type \"x\"");
	INDEX_BAD(M("'layers':[]"), "sha256:1234: an image manifest, not an image index");
	INDEX_BAD(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, "sha256:0", PLAT("linux", "amd64"))),
		  "sha256:1234: manifests[0].digest: invalid sha256 digest (64 lowercase hex digits expected) \"sha256:0\"");
	INDEX_BAD(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, "'os':'linux'")),
		  "sha256:1234: manifests[0].platform.architecture: required field missing");
	INDEX_BAD(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, "'architecture':'amd64'")),
		  "sha256:1234: manifests[0].platform.os: required field missing");
	INDEX_BAD(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64") ",'os.features':'x'")),
		  "sha256:1234: manifests[0].platform.os.features: expected an array");
	INDEX_BAD(IX("{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DA "','size':-1}"),
		  "sha256:1234: manifests[0].size: must not be negative");
	INDEX_BAD(IX("{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DA "','size':1,'platform':[]}"),
		  "sha256:1234: manifests[0].platform: expected an object");
	INDEX_BAD("{'schemaVersion':1,'manifests':[]}",
		  "sha256:1234: schemaVersion: Docker schema 1 manifests are not supported "
		  "(push the image again with a current client)");
}

static void test_document_kind(void)
{
	struct spec_err err = { "" };
	char *d;

	UNIT_GROUP("document kind");
#define KIND(doc, ct) (d = dq(doc), kind_rc = image_document_kind(d, strlen(d), "sha256:1234", ct, &err), free(d), kind_rc)
	int kind_rc;
	CHECK_INT(KIND(hub_manifest, NULL), IMAGE_KIND_MANIFEST);
	CHECK_INT(KIND(docker_manifest, IMAGE_MT_OCI_INDEX), IMAGE_KIND_MANIFEST);   /* the document wins */
	CHECK_INT(KIND(hub_index, NULL), IMAGE_KIND_INDEX);
	CHECK_INT(KIND(docker_list, NULL), IMAGE_KIND_INDEX);
	CHECK_INT(KIND(M("'layers':[]"), NULL), IMAGE_KIND_MANIFEST);
	CHECK_INT(KIND(IX(), NULL), IMAGE_KIND_INDEX);
	CHECK_INT(KIND("{'schemaVersion':2}", IMAGE_MT_DOCKER_LIST), IMAGE_KIND_INDEX);
	CHECK_INT(KIND("{'schemaVersion':2,'layers':[],'manifests':[]}", IMAGE_MT_OCI_MANIFEST "; charset=utf-8"),
		  IMAGE_KIND_MANIFEST);
	CHECK_INT(KIND("{'schemaVersion':2}", "application/json"), -EINVAL);
	CHECK_STR(err.msg, "sha256:1234: neither an image manifest nor an image index");
	CHECK_INT(KIND("{'schemaVersion':1,'fsLayers':[]}", IMAGE_MT_DOCKER_SCHEMA1_SIGNED), -EINVAL);
	CHECK_STR(err.msg, "sha256:1234: schemaVersion: Docker schema 1 manifests are not supported");
	CHECK_INT(KIND("{'mediaType':'" IMAGE_MT_DOCKER_SCHEMA1 "'}", NULL), -EINVAL);
	CHECK_STR(err.msg, "sha256:1234: mediaType: Docker schema 1 manifests are not supported");
	CHECK_INT(KIND("{'mediaType':'" IMAGE_MT_OCI_CONFIG "'}", NULL), -EINVAL);
	CHECK_STR(err.msg, "sha256:1234: mediaType: not an image manifest or index media type \"" IMAGE_MT_OCI_CONFIG "\"");
	CHECK_INT(KIND("{'mediaType':3}", NULL), -EINVAL);
	CHECK_STR(err.msg, "sha256:1234: mediaType: expected a string");
	CHECK_INT(KIND("nope", NULL), -EINVAL);
	CHECK(!strncmp(err.msg, "sha256:1234: invalid JSON", 25));
#undef KIND
}

/* ---- configs ---------------------------------------------------------------------- */

/* Shaped like the config of docker.io/library/nginx (Docker's JSON). */
static const char nginx_config[] =
	"{'architecture':'amd64','config':{'Hostname':'','Domainname':'','User':'','AttachStdin':false,"
	"'ExposedPorts':{'80/tcp':{}},'Tty':false,"
	"'Env':['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin','NGINX_VERSION=1.27.2','EMPTY='],"
	"'Cmd':['nginx','-g','daemon off;'],'Image':'sha256:x','Volumes':null,'WorkingDir':'',"
	"'Entrypoint':['/docker-entrypoint.sh'],'OnBuild':null,"
	"'Labels':{'maintainer':'NGINX Docker Maintainers <docker-maint@nginx.com>'},'StopSignal':'SIGQUIT'},"
	"'container':'abc','container_config':{'Cmd':['/bin/sh','-c','#(nop) ']},"
	"'created':'2024-10-02T17:55:35Z','docker_version':'20.10.23',"
	"'history':[{'created':'2024-09-26T00:00:00Z','created_by':'/bin/sh -c #(nop) ADD file:x in / '},"
	"{'created':'2024-09-26T00:00:01Z','created_by':'CMD [\\'bash\\']','empty_layer':true}],"
	"'os':'linux','rootfs':{'type':'layers','diff_ids':['" DA "','" DB "']}}";

/* OCI, as buildkit writes it, with Volumes and a variant. */
static const char oci_config[] =
	"{'architecture':'arm','os':'linux','variant':'v7','author':'me',"
	"'config':{'User':'1000:1000','Env':['A=b=c'],'Entrypoint':['/bin/app'],"
	"'WorkingDir':'/srv','Volumes':{'/data':{},'/cache':{}},'ExposedPorts':{'53/udp':{},'8080':{}},"
	"'ArgsEscaped':true,'Cmd':[]},"
	"'rootfs':{'type':'layers','diff_ids':[]},'history':[]}";

#define C(...) "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':[]}," __VA_ARGS__ "}"

static void test_config(void)
{
	struct image_config *c = NULL;
	struct spec_err err = { "" };

	UNIT_GROUP("config");
	if (!CHECK(parse_doc(CONFIG, nginx_config, "sha256:1234", (void **)&c, &err) == 0)) {
		printf("#   %s\n", err.msg);
		return;
	}
	CHECK_STR(c->architecture, "amd64");
	CHECK_STR(c->os, "linux");
	CHECK(c->variant == NULL);
	CHECK_STR(c->created, "2024-10-02T17:55:35Z");
	CHECK_STR(c->config.user, "");
	CHECK_UINT(c->config.n_env, 3);
	CHECK_STR(c->config.env[1], "NGINX_VERSION=1.27.2");
	CHECK(c->config.has_cmd && c->config.n_cmd == 3);
	CHECK_STR(c->config.cmd[2], "daemon off;");
	CHECK(c->config.has_entrypoint && c->config.n_entrypoint == 1);
	CHECK_STR(c->config.entrypoint[0], "/docker-entrypoint.sh");
	CHECK_STR(c->config.working_dir, "");
	CHECK_UINT(c->config.n_labels, 1);
	CHECK_STR(c->config.labels[0].key, "maintainer");
	CHECK_STR(c->config.stop_signal, "SIGQUIT");
	CHECK_UINT(c->config.n_exposed_ports, 1);
	CHECK_STR(c->config.exposed_ports[0], "80/tcp");
	CHECK_UINT(c->config.n_volumes, 0);
	CHECK_STR(c->rootfs_type, "layers");
	CHECK_UINT(c->n_diff_ids, 2);
	CHECK_STR(c->diff_ids[1], DB);

	/* the diff_ids go with the manifest's layers */
	struct image_manifest *m = NULL;
	if (CHECK(parse_doc(MANIFEST, hub_manifest, "m", (void **)&m, &err) == 0)) {
		CHECK_INT(image_config_check_layers(c, m, "sha256:1234", &err), 0);
		m->n_layers = 3;
		CHECK_INT(image_config_check_layers(c, m, "sha256:1234", &err), -EINVAL);
		CHECK_STR(err.msg, "sha256:1234: rootfs.diff_ids: 2 layers, but the manifest has 3");
	}
	image_manifest_free(m);
	image_config_free(c);

	c = NULL;
	CHECK(parse_doc(CONFIG, oci_config, "c", (void **)&c, &err) == 0);
	if (c) {
		CHECK_STR(c->variant, "v7");
		CHECK_STR(c->author, "me");
		CHECK_STR(c->config.user, "1000:1000");
		CHECK(c->config.has_cmd && c->config.n_cmd == 0);
		CHECK_UINT(c->config.n_volumes, 2);
		CHECK_STR(c->config.volumes[1], "/cache");
		CHECK_UINT(c->config.n_exposed_ports, 2);
		CHECK_STR(c->config.exposed_ports[1], "8080");
		CHECK_UINT(c->n_diff_ids, 0);
	}
	image_config_free(c);
	/* "config" absent or null; diff_ids absent */
	c = NULL;
	CHECK(parse_doc(CONFIG, "{'architecture':'amd64','os':'linux','config':null,'rootfs':{'type':'layers'}}",
			"c", (void **)&c, &err) == 0);
	if (c) {
		CHECK(!c->config.has_cmd && !c->config.has_entrypoint && c->config.n_env == 0);
		CHECK(c->config.user == NULL);
	}
	image_config_free(c);
	image_config_free(NULL);

	UNIT_GROUP("config refused");
	CONFIG_BAD("{'os':'linux','rootfs':{'type':'layers'}}", "sha256:1234: architecture: required field missing");
	CONFIG_BAD("{'architecture':'amd64','rootfs':{'type':'layers'}}", "sha256:1234: os: required field missing");
	CONFIG_BAD("{'architecture':'amd64','os':'linux'}", "sha256:1234: rootfs: required field missing");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':{}}", "sha256:1234: rootfs.type: required field missing");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':{'type':'tar'}}",
		   "sha256:1234: rootfs.type: unknown rootfs type \"tar\"");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':['" DA "','sha256:x']}}",
		   "sha256:1234: rootfs.diff_ids[1]: invalid sha256 digest (64 lowercase hex digits expected) \"sha256:x\"");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':[1]}}",
		   "sha256:1234: rootfs.diff_ids[0]: expected a string");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':'x'}}",
		   "sha256:1234: rootfs.diff_ids: expected an array");
	CONFIG_BAD("{'architecture':'amd64','os':'linux','rootfs':[]}", "sha256:1234: rootfs: expected an object");
	CONFIG_BAD(C("'config':{'Env':['PATH=/bin','JUSTNAME']}"),
		   "sha256:1234: config.Env[1]: expected NAME=value, not \"JUSTNAME\"");
	CONFIG_BAD(C("'config':{'Env':['=x']}"), "sha256:1234: config.Env[0]: expected NAME=value, not \"=x\"");
	CONFIG_BAD(C("'config':{'Env':'A=b'}"), "sha256:1234: config.Env: expected an array");
	CONFIG_BAD(C("'config':{'Cmd':'sh'}"), "sha256:1234: config.Cmd: expected an array");
	CONFIG_BAD(C("'config':{'Entrypoint':[1]}"), "sha256:1234: config.Entrypoint[0]: expected a string");
	CONFIG_BAD(C("'config':{'User':0}"), "sha256:1234: config.User: expected a string");
	CONFIG_BAD(C("'config':{'Labels':{'a':1}}"), "sha256:1234: config.Labels.a: expected a string");
	CONFIG_BAD(C("'config':{'Labels':{'a b':1}}"), "sha256:1234: config.Labels[\"a b\"]: expected a string");
	CONFIG_BAD(C("'config':{'ExposedPorts':['80']}"), "sha256:1234: config.ExposedPorts: expected an object");
	CONFIG_BAD(C("'config':{'Volumes':'/data'}"), "sha256:1234: config.Volumes: expected an object");
	CONFIG_BAD(C("'config':[]"), "sha256:1234: config: expected an object");
	CONFIG_BAD(C("'os':'linux\\u0000'"), "sha256:1234: os: string contains a NUL byte");
}

/* ---- platforms ---------------------------------------------------------------------- */

static void plat_at(const char *in, const char *want, const char *file, int line)
{
	struct image_platform_want p;
	struct spec_err err = { "" };
	char buf[80] = "", name[200];
	int rc = image_platform_parse(in, &p, &err);

	if (!rc)
		image_platform_format(&p, buf, sizeof(buf));
	snprintf(name, sizeof(name), "platform %s -> %s", in, want);
	if (!unit_report(!rc && !strcmp(buf, want), file, line, name))
		printf("#   rc=%d %s\n#   got: %s\n", rc, err.msg, buf);
}
#define PLAT_OK(in, want) plat_at(in, want, __FILE__, __LINE__)

static void plat_bad(const char *in)
{
	struct image_platform_want p;
	struct spec_err err = { "" };
	char want[200];

	snprintf(want, sizeof(want), "invalid platform \"%s\": expected os/arch[/variant] (linux/arm64)", in);
	if (!CHECK_INT(image_platform_parse(in, &p, &err), -EINVAL))
		return;
	CHECK_STR(err.msg, want);
}

static void host_at(const char *machine, const char *want, const char *file, int line)
{
	struct image_platform_want p;
	char buf[80], name[200];

	image_platform_host(machine, &p);
	image_platform_format(&p, buf, sizeof(buf));
	snprintf(name, sizeof(name), "host %s -> %s", machine, want);
	if (!unit_report(!strcmp(buf, want), file, line, name))
		printf("#   got: %s\n", buf);
}
#define HOST(m, want) host_at(m, want, __FILE__, __LINE__)

static void test_platforms(void)
{
	UNIT_GROUP("platforms");
	PLAT_OK("linux/amd64", "linux/amd64");
	PLAT_OK("linux/x86_64", "linux/amd64");
	PLAT_OK("Linux/X86_64", "linux/amd64");
	PLAT_OK("linux/amd64/v1", "linux/amd64");
	PLAT_OK("linux/amd64/v3", "linux/amd64/v3");
	PLAT_OK("linux/aarch64", "linux/arm64/v8");
	PLAT_OK("linux/arm64", "linux/arm64/v8");
	PLAT_OK("linux/arm64/8", "linux/arm64/v8");
	PLAT_OK("linux/arm64/v8.0", "linux/arm64/v8");
	PLAT_OK("linux/armhf", "linux/arm/v7");
	PLAT_OK("linux/armel", "linux/arm/v6");
	PLAT_OK("linux/arm", "linux/arm/v7");
	PLAT_OK("linux/arm/6", "linux/arm/v6");
	PLAT_OK("linux/arm/v5", "linux/arm/v5");
	PLAT_OK("linux/i386", "linux/386");
	PLAT_OK("linux/s390x", "linux/s390x");
	PLAT_OK("windows/amd64", "windows/amd64");
	plat_bad("");
	plat_bad("linux");
	plat_bad("amd64");
	plat_bad("linux/");
	plat_bad("/amd64");
	plat_bad("linux//v7");
	plat_bad("linux/arm/");
	plat_bad("linux/arm/v7/x");
	plat_bad("linux/am d64");
	plat_bad("linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	{
		struct image_platform_want p;
		struct spec_err err;
		CHECK_INT(image_platform_parse("linux/a\"\x01", &p, &err), -EINVAL);
		CHECK_STR(err.msg, "invalid platform \"linux/a??\": expected os/arch[/variant] (linux/arm64)");
	}
	HOST("x86_64", "linux/amd64");
	HOST("aarch64", "linux/arm64/v8");
	HOST("armv7l", "linux/arm/v7");
	HOST("armv6l", "linux/arm/v6");
	HOST("i686", "linux/386");
	HOST("ppc64le", "linux/ppc64le");
	HOST("s390x", "linux/s390x");
	HOST("riscv64", "linux/riscv64");
	char small[8];
	struct image_platform_want p;
	image_platform_host("aarch64", &p);
	CHECK_INT(image_platform_format(&p, small, sizeof(small)), 7);
	CHECK_STR(small, "linux/a");
}

static const char *select_digest(const char *index_sq, const char *platform, char *msg)
{
	struct image_index *ix = NULL;
	struct image_platform_want want;
	struct spec_err err = { "" };
	static char got[80];

	msg[0] = 0;
	if (image_platform_parse(platform, &want, &err) ||
	    parse_doc(INDEX, index_sq, "idx", (void **)&ix, &err)) {
		strcpy(msg, err.msg);
		return NULL;
	}
	const struct image_descriptor *d = image_index_select(ix, &want, &err);
	if (d)
		snprintf(got, sizeof(got), "%s", d->digest);
	else
		strcpy(msg, err.msg);
	image_index_free(ix);
	return d ? got : NULL;
}

static void select_at(const char *ix, const char *platform, const char *want, const char *file,
		      int line)
{
	char msg[600], name[200];
	const char *got = select_digest(ix, platform, msg);

	snprintf(name, sizeof(name), "select %s", platform);
	if (!unit_report(got && !strcmp(got, want), file, line, name))
		printf("#   got: %s %s\n", got ? got : "NULL", msg);
}
#define SELECT(ix, plat, want) select_at(ix, plat, want, __FILE__, __LINE__)

static void test_select(void)
{
	char msg[600];

	UNIT_GROUP("platform selection");
	SELECT(hub_index, "linux/amd64", DA);
	SELECT(hub_index, "linux/x86_64", DA);
	SELECT(hub_index, "linux/arm64", DB);
	SELECT(hub_index, "linux/arm/v7", DA);
	SELECT(hub_index, "linux/arm", DA);
	SELECT(hub_index, "linux/arm/v6", DC);
	SELECT(hub_index, "linux/arm/v5", DB);
	SELECT(hub_index, "linux/386", DC);
	SELECT(hub_index, "linux/s390x", DC);
	SELECT(docker_list, "linux/arm64/v8", DB);   /* arm64 without a variant in the list */
	SELECT(docker_list, "linux/amd64", DA);
	SELECT(docker_list, "windows/amd64", DC);

	/* exact variant first, then an older one, then none; document order among equals */
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "arm")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm", "v6")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DC, PLATV("linux", "arm", "v7"))), "linux/arm/v7", DC);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "arm")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm", "v6"))), "linux/arm/v7", DB);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "arm")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm", "v8"))), "linux/arm/v7", DA);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm", "v5")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm", "v6"))), "linux/arm/v7", DB);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm64", "v8")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLAT("linux", "arm64"))), "linux/arm64", DA);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "arm64")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "arm64", "v8"))), "linux/arm64", DB);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm64", "8"))), "linux/arm64", DA);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "amd64", "v2")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DC, PLATV("linux", "amd64", "v3"))), "linux/amd64/v3", DC);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "amd64", "v2"))), "linux/amd64/v3", DB);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DB, PLATV("linux", "amd64", "v3")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64"))), "linux/amd64", DA);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "amd64", "v1"))), "linux/amd64", DA);
	/* the index's names normalised too, any case */
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("Linux", "x86_64"))), "linux/amd64", DA);
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "aarch64"))), "linux/arm64", DA);
	/* attestations, unknown types and other OSes passed by; a nested index taken */
	SELECT(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("linux", "amd64"),
			",'annotations':{'vnd.docker.reference.type':'attestation-manifest'}") ","
		  ENTRY("application/x-foo", DB, PLAT("linux", "amd64")) ","
		  ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLAT("windows", "amd64")) ","
		  ENTRY(IMAGE_MT_OCI_INDEX, DC, PLAT("linux", "amd64"))), "linux/amd64", DC);
	/* one image without a platform: that one */
	SELECT(IX("{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DB "','size':1}"), "linux/s390x", DB);
	SELECT(IX("{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DB "','size':1}," ATTEST(DA)),
	       "linux/amd64", DB);

	UNIT_GROUP("platform selection refused");
	CHECK(!select_digest(hub_index, "linux/mips64le", msg));
	CHECK_STR(msg, "idx: no image for linux/mips64le; the index has linux/amd64, linux/arm/v5, "
		       "linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/386, linux/ppc64le, "
		       "linux/riscv64, linux/s390x");
	CHECK(!select_digest(hub_index, "windows/amd64", msg));
	CHECK(!select_digest(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm", "v7"))), "linux/arm/v6", msg));
	CHECK_STR(msg, "idx: no image for linux/arm/v6; the index has linux/arm/v7");
	CHECK(!select_digest(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "arm64", "v9"))), "linux/arm64", msg));
	CHECK(!select_digest(IX(ENTRY(IMAGE_MT_OCI_MANIFEST, DA, PLATV("linux", "amd64", "v2"))), "linux/amd64", msg));
	CHECK(!select_digest(IX(), "linux/amd64", msg));
	CHECK_STR(msg, "idx: no image for linux/amd64; the index lists no image");
	CHECK(!select_digest(IX(ATTEST(DA)), "linux/amd64", msg));
	CHECK_STR(msg, "idx: no image for linux/amd64; the index lists no image");
	CHECK(!select_digest(IX("{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DB "','size':1},"
				"{'mediaType':'" IMAGE_MT_OCI_MANIFEST "','digest':'" DA "','size':1}"), "linux/amd64", msg));
	CHECK_STR(msg, "idx: no image for linux/amd64; no image in the index names its platform");
	/* a long list is cut, on one line */
	char big[40000];
	size_t o = (size_t)snprintf(big, sizeof(big), "{'schemaVersion':2,'manifests':[");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s" ENTRY(IMAGE_MT_OCI_MANIFEST, DA, "'os':'linux','architecture':'arch%d'"),
				      i ? "," : "", i);
	snprintf(big + o, sizeof(big) - o, "]}");
	CHECK(!select_digest(big, "linux/amd64", msg));
	CHECK(strlen(msg) < 512 && strstr(msg, "linux/arch0, linux/arch1,") && !strcmp(msg + strlen(msg) - 5, ", ..."));
	/* without err: NULL all the same */
	struct image_index *ix = NULL;
	struct image_platform_want want;
	struct spec_err err;
	char *d = dq(IX());
	image_platform_host("x86_64", &want);
	if (CHECK(image_index_parse(d, strlen(d), "i", &ix, &err) == 0))
		CHECK(image_index_select(ix, &want, NULL) == NULL);
	image_index_free(ix);
	free(d);
}

int main(void)
{
	test_refs();
	test_file_names();
	test_digests();
	test_media_types();
	test_manifest();
	test_index();
	test_document_kind();
	test_config();
	test_platforms();
	test_select();
	{
		UNIT_GROUP("registries.conf");
		const char *v2 = "# comment\nunqualified-search-registries = [\"docker.io\"]\n"
				 "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n"
				 "[[registry]]\nprefix = \"example.com/secure\"\nlocation = \"example.com/secure\"\ninsecure = false\n"
				 "[[registry]]\nlocation = 'example.com'\ninsecure = true\n"
				 "[[registry.mirror]]\nlocation = \"mirror.example.com\"\n";
		CHECK(image_registry_insecure(v2, "127.0.0.1:5000/x/y:1") == 1);
		CHECK(image_registry_insecure(v2, "127.0.0.1:50000/x/y:1") == 0);
		CHECK(image_registry_insecure(v2, "example.com/a/b:1") == 1);
		CHECK(image_registry_insecure(v2, "example.com/secure/b:1") == 0);   /* the longest prefix wins */
		CHECK(image_registry_insecure(v2, "example.com/securex/b:1") == 1);  /* a prefix ends at a separator */
		CHECK(image_registry_insecure(v2, "docker.io/library/busybox:latest") == 0);
		const char *v1 = "[registries.search]\nregistries = ['docker.io']\n"
				 "[registries.insecure]\nregistries = [\n  'localhost:5000', # a comment\n  \"10.0.0.1\",\n]\n"
				 "[registries.block]\nregistries = ['127.0.0.1:5000']\n";
		CHECK(image_registry_insecure(v1, "localhost:5000/a:1") == 1);
		CHECK(image_registry_insecure(v1, "10.0.0.1/a:1") == 1);
		CHECK(image_registry_insecure(v1, "127.0.0.1:5000/a:1") == 0);
		CHECK(image_registry_insecure(v1, "docker.io/library/a:1") == 0);
		CHECK(image_registry_insecure("", "docker.io/library/a:1") == 0);
		CHECK(image_registry_insecure("[[registry]]\ninsecure = true\n", "x.io/a:1") == 0);  /* no location */
	}
	return unit_done();
}
