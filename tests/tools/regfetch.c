/* SPDX-License-Identifier: Apache-2.0 */
/* regfetch: overlay/registry.c from the command line, for the tests
 * (tests/integration/registry.bats).
 *
 *   regfetch [OPTIONS] manifest HOST REPO REF [OUT]
 *       prints the media type and the digest (one line each), then the body
 *       (or writes the body to OUT)
 *   regfetch [OPTIONS] blob HOST REPO DIGEST OUT [--offset N]
 *       writes the blob's bytes from N on into OUT (truncated first; again
 *       when the server starts over, which "restarted" on stderr reports)
 *   regfetch [OPTIONS] blobs HOST REPO DIR DIGEST...
 *       every blob at once, one thread each on the same handle, into
 *       DIR/<hex of the digest>
 *   regfetch [OPTIONS] pull HOST REPO REF DIR
 *       what a pull does on one handle: the manifest into DIR/manifest.json,
 *       then its config and layers at once as with blobs, each checked
 *       against its sha256 digest
 *
 * OPTIONS: --insecure --cert-dir D --authfile F --creds USER:PASS --retries N
 * Errors: one line "regfetch: MESSAGE" on stderr, exit status 1. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yajl/yajl_tree.h>

#include "overlay/registry.h"

static int usage(void)
{
	fprintf(stderr, "usage: regfetch [--insecure] [--cert-dir D] [--authfile F] [--creds U:P] [--retries N]\n"
			"         manifest HOST REPO REF [OUT] | blob HOST REPO DIGEST OUT [--offset N] |\n"
			"         blobs HOST REPO DIR DIGEST... | pull HOST REPO REF DIR\n");
	return 2;
}

static int fail(const struct hull_err *e)
{
	fprintf(stderr, "regfetch: %s\n", e->msg);
	return 1;
}

/* The sink: appends to the fd; NULL means start over. */
static int file_sink(void *ctx, const void *buf, size_t n)
{
	int fd = *(int *)ctx;
	if (!buf) {
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		return 0;
	}
	return write_all(fd, buf, n);
}

static int open_out(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

struct job {
	struct registry *r;
	const char *digest;
	char path[4096];
	struct hull_err e;
	int rc;
};

static void *blob_thread(void *arg)
{
	struct job *j = arg;
	int fd = open_out(j->path);
	if (fd < 0) {
		j->rc = hull_syserr(&j->e, errno, "%s", j->path);
		return NULL;
	}
	j->rc = registry_get_blob(j->r, j->digest, 0, file_sink, &fd, NULL, &j->e);
	close(fd);
	return NULL;
}

/* Every digest at once into dir, one thread each; check: the sha256 of
 * what came must be the digest. */
static int fetch_all(struct registry *r, const char *dir, const char **digests, int n, bool check,
		     struct hull_err *e)
{
	struct job *jobs = calloc(n, sizeof *jobs);
	pthread_t *th = calloc(n, sizeof *th);
	int rc = 0, started = 0;
	if (!jobs || !th) {
		free(jobs);
		free(th);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	for (int k = 0; k < n; k++) {
		jobs[k].r = r;
		jobs[k].digest = digests[k];
		const char *hex = strchr(digests[k], ':');
		snprintf(jobs[k].path, sizeof jobs[k].path, "%s/%s", dir, hex ? hex + 1 : digests[k]);
		if (pthread_create(&th[k], NULL, blob_thread, &jobs[k]) != 0) {
			rc = hull_errf(e, EAGAIN, "pthread_create failed");
			break;
		}
		started++;
	}
	for (int k = 0; k < started; k++) {
		pthread_join(th[k], NULL);
		if (jobs[k].rc < 0 && rc == 0) {
			rc = jobs[k].rc;
			*e = jobs[k].e;
		}
	}
	for (int k = 0; k < started && rc == 0 && check; k++) {
		char *data;
		size_t len;
		if ((rc = read_file(jobs[k].path, &data, &len)) < 0) {
			hull_syserr(e, -rc, "%s", jobs[k].path);
			break;
		}
		unsigned char h[EVP_MAX_MD_SIZE];
		unsigned hn = 0;
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		EVP_Digest(data, len, h, &hn, EVP_sha256(), NULL);
		free(data);
		for (unsigned i = 0; i < hn; i++)
			sprintf(hex + 2 * i, "%02x", h[i]);
		if (strncmp(digests[k], "sha256:", 7) || strcmp(digests[k] + 7, hex))
			rc = hull_errf(e, EBADMSG, "blob %s: got sha256:%s", digests[k], hex);
	}
	free(jobs);
	free(th);
	return rc;
}

/* pull: the manifest, then its config and layers. */
static int pull(struct registry *r, const char *ref, const char *dir, struct hull_err *e)
{
	char *body, mt[256], digest[REGISTRY_DIGEST_SIZE], path[4096];
	size_t len;
	int rc = registry_get_manifest(r, ref, &body, &len, mt, sizeof mt, digest, e);
	if (rc < 0)
		return rc;
	printf("%s\n%s\n", mt, digest);
	fflush(stdout);
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	int fd = open_out(path);
	if (fd < 0 || write_all(fd, body, len) < 0) {
		rc = hull_syserr(e, errno, "%s", path);
		if (fd >= 0)
			close(fd);
		free(body);
		return rc;
	}
	close(fd);
	yajl_val root = yajl_tree_parse(body, NULL, 0);
	free(body);
	const char *p_cfg[] = { "config", "digest", NULL }, *p_layers[] = { "layers", NULL };
	const char *p_d[] = { "digest", NULL };
	yajl_val cfg = root ? yajl_tree_get(root, p_cfg, yajl_t_string) : NULL;
	yajl_val layers = root ? yajl_tree_get(root, p_layers, yajl_t_array) : NULL;
	if (!cfg || !layers) {
		yajl_tree_free(root);
		return hull_errf(e, EINVAL, "manifest %s: not an image manifest (%s)", ref, mt);
	}
	const char **digests = calloc(layers->u.array.len + 1, sizeof *digests);
	int n = 0;
	if (!digests) {
		yajl_tree_free(root);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	digests[n++] = YAJL_GET_STRING(cfg);
	for (size_t i = 0; i < layers->u.array.len; i++) {
		yajl_val d = yajl_tree_get(layers->u.array.values[i], p_d, yajl_t_string);
		const char *ds = d ? YAJL_GET_STRING(d) : NULL;
		bool dup = !ds;
		for (int k = 0; ds && k < n; k++)
			dup = dup || !strcmp(digests[k], ds);
		if (!dup)
			digests[n++] = ds;
	}
	rc = fetch_all(r, dir, digests, n, true, e);
	free(digests);
	yajl_tree_free(root);
	return rc;
}

int main(int argc, char **argv)
{
	struct registry_opts o = { 0 };
	int i = 1;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--insecure"))
			o.insecure = true;
		else if (i + 1 >= argc)
			return usage();
		else if (!strcmp(argv[i], "--cert-dir"))
			o.cert_dir = argv[++i];
		else if (!strcmp(argv[i], "--authfile"))
			o.authfile = argv[++i];
		else if (!strcmp(argv[i], "--creds"))
			o.creds = argv[++i];
		else if (!strcmp(argv[i], "--retries"))
			o.max_retries = atoi(argv[++i]);
		else
			return usage();
	}
	if (argc - i < 4)
		return usage();
	const char *cmd = argv[i], *host = argv[i + 1], *repo = argv[i + 2];
	struct hull_err e = { 0 };
	struct registry *r;
	if (registry_open(host, repo, &o, &r, &e) < 0)
		return fail(&e);
	int rc = 0;
	if (!strcmp(cmd, "manifest") && argc - i <= 5) {
		char *body, mt[256], digest[REGISTRY_DIGEST_SIZE];
		size_t len;
		rc = registry_get_manifest(r, argv[i + 3], &body, &len, mt, sizeof mt, digest, &e);
		if (rc == 0) {
			printf("%s\n%s\n", mt, digest);
			fflush(stdout);
			if (argc - i == 5) {
				int fd = open_out(argv[i + 4]);
				rc = fd < 0 ? hull_syserr(&e, errno, "%s", argv[i + 4]) : write_all(fd, body, len);
				if (fd >= 0)
					close(fd);
			} else {
				rc = write_all(1, body, len);
			}
			if (rc < 0 && !e.msg[0])
				hull_syserr(&e, -rc, "writing the manifest");
			free(body);
		}
	} else if (!strcmp(cmd, "blob") && (argc - i == 5 || (argc - i == 7 && !strcmp(argv[i + 5], "--offset")))) {
		uint64_t off = 0;
		if (argc - i == 7 && parse_u64(argv[i + 6], &off) < 0) {
			registry_close(r);
			return usage();
		}
		int fd = open_out(argv[i + 4]);
		if (fd < 0) {
			rc = hull_syserr(&e, errno, "%s", argv[i + 4]);
		} else {
			bool restarted = false;
			rc = registry_get_blob(r, argv[i + 3], off, file_sink, &fd, &restarted, &e);
			close(fd);
			if (restarted)
				fprintf(stderr, "restarted\n");
		}
	} else if (!strcmp(cmd, "blobs") && argc - i >= 5) {
		rc = fetch_all(r, argv[i + 3], (const char **)argv + i + 4, argc - i - 4, false, &e);
	} else if (!strcmp(cmd, "pull") && argc - i == 5) {
		rc = pull(r, argv[i + 3], argv[i + 4], &e);
	} else {
		registry_close(r);
		return usage();
	}
	registry_close(r);
	return rc < 0 ? fail(&e) : 0;
}
