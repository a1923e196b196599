/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/store: names, image records, container directories, gc, removal
 * — on a store in a temporary directory. */
#include "overlay/store.h"
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static bool exists(const char *rel)
{
	char p[256];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return lstat(p, &sb) == 0;
}

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void mkd(const char *rel)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	mkdir(p, 0755);
}

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static int count_names(void *ctx, const char *name, const char *manifest)
{
	(void)name, (void)manifest;
	(*(int *)ctx)++;
	return 0;
}

static void removed(void *ctx, const char *what, uint64_t bytes)
{
	(void)bytes;
	printf("#   gc: %s\n", what);
	(*(int *)ctx)++;
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/hull-store-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	struct store s;
	struct hull_err e;

	UNIT_GROUP("open");
	CHECK(store_open("relative/path", true, &s, &e) == -EINVAL);
	char sub[96];
	snprintf(sub, sizeof sub, "%s/none", dir);
	CHECK(store_open(sub, false, &s, &e) == -ENOENT);
	CHECK(strstr(e.msg, "no image store there") != NULL);
	snprintf(sub, sizeof sub, "%s", dir);
	CHECK(store_open(sub, true, &s, &e) == 0);
	CHECK(exists("blobs/sha256") && exists("layers") && exists("names") && exists("images") &&
	      exists("containers") && exists("tmp"));

	UNIT_GROUP("names");
	char m[72];
	CHECK(store_name_get(&s, "docker.io/library/busybox:latest", m, &e) == -ENOENT);
	CHECK(store_name_set(&s, "docker.io/library/busybox:latest", D("a"), &e) == 0);
	CHECK(store_name_set(&s, "127.0.0.1:5000/x/y@" D("c"), D("a"), &e) == 0);
	CHECK(store_name_get(&s, "docker.io/library/busybox:latest", m, &e) == 0);
	CHECK_STR(m, D("a"));
	CHECK(store_name_get(&s, "127.0.0.1:5000/x/y@" D("c"), m, &e) == 0);
	int n = 0;
	CHECK(store_names(&s, count_names, &n, &e) == 0);
	CHECK_INT(n, 2);
	CHECK(store_name_remove(&s, "127.0.0.1:5000/x/y@" D("c"), &e) == 0);
	CHECK(store_name_remove(&s, "127.0.0.1:5000/x/y@" D("c"), &e) == -ENOENT);
	put("names/garbage", "not a digest\n");
	CHECK(store_name_get(&s, "garbage", m, &e) == -EBADMSG);

	UNIT_GROUP("image records");
	struct store_layer layers[2] = {
		{ D("1"), D("1"), D("b"), 10, "application/vnd.oci.image.layer.v1.tar+gzip" },
		{ D("2"), D("3"), D("c"), 20, "application/vnd.oci.image.layer.v1.tar" },
	};
	struct store_image img = { D("a"), D("9"), "application/vnd.oci.image.manifest.v1+json", 2, layers };
	CHECK(store_image_put(&s, &img, &e) == 0);
	struct store_image got;
	CHECK(store_image_get(&s, D("a"), &got, &e) == 0);
	CHECK_STR(got.config, D("9"));
	CHECK_INT(got.n_layers, 2);
	if (got.n_layers == 2) {
		CHECK_STR(got.layers[1].chain, D("2"));
		CHECK_STR(got.layers[1].diff_id, D("3"));
		CHECK_STR(got.layers[1].blob, D("c"));
		CHECK(got.layers[1].size == 20);
		CHECK_STR(got.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
	}
	store_image_free(&got);
	CHECK(store_image_get(&s, D("e"), &got, &e) == -ENOENT);
	CHECK(store_image_get(&s, "sha256:short", &got, &e) == -EINVAL);
	put("images/" H("f"), "manifest " D("f") " x\nconfig nonsense\n");
	CHECK(store_image_get(&s, D("f"), &got, &e) == -EBADMSG);

	UNIT_GROUP("blobs and layers");
	put("blobs/sha256/" H("9"), "{}");
	put("blobs/sha256/" H("b"), "layer b");
	put("blobs/sha256/" H("c"), "layer c");
	put("blobs/sha256/" H("a"), "manifest a");
	put("blobs/sha256/" H("d"), "unused");
	mkd("layers/" H("1"));
	mkd("layers/" H("1") "/diff");
	mkd("layers/" H("2"));
	mkd("layers/" H("2") "/diff");
	mkd("layers/" H("2") "/diff/deep");
	put("layers/" H("2") "/diff/deep/file", "x");
	mkd("layers/" H("7"));
	mkd("layers/" H("7") "/diff");
	CHECK(store_blob_has(&s, D("b")));
	CHECK(!store_blob_has(&s, D("8")));
	CHECK(store_layer_has(&s, D("2")));
	CHECK(!store_layer_has(&s, D("8")));
	char *buf = NULL;
	size_t len = 0;
	CHECK(store_blob_read(&s, D("b"), 100, &buf, &len, &e) == 0);
	CHECK(len == 7 && !memcmp(buf, "layer b", 7));
	free(buf);
	CHECK(store_blob_read(&s, D("b"), 3, &buf, &len, &e) == -EFBIG);

	UNIT_GROUP("containers");
	CHECK(store_container_make(&s, "ctr", D("a"), &e) == 0);
	CHECK(exists("containers/ctr/upper") && exists("containers/ctr/work") && exists("containers/ctr/rootfs") &&
	      exists("containers/ctr/image"));
	CHECK(store_container_make(&s, "ctr", D("a"), &e) == -EEXIST);
	CHECK(store_container_make(&s, "../x", D("a"), &e) == -EINVAL);

	UNIT_GROUP("gc");
	/* A: named and used; D unused; layer 7 unused; a tmp layer of a dead ingest. */
	mkd("tmp/layer-" H("7") "-abc");
	put("tmp/blob-" H("e"), "partial");
	int k = 0;
	CHECK(store_gc(&s, removed, &k, &e) == 0);
	CHECK(!exists("blobs/sha256/" H("d")));
	CHECK(!exists("layers/" H("7")));
	CHECK(!exists("images/" H("f")));
	CHECK(exists("blobs/sha256/" H("a")) && exists("blobs/sha256/" H("9")) && exists("blobs/sha256/" H("b")) &&
	      exists("blobs/sha256/" H("c")));
	CHECK(exists("layers/" H("1")) && exists("layers/" H("2") "/diff/deep/file"));
	CHECK(exists("images/" H("a")));
	CHECK(exists("tmp/blob-" H("e")));   /* partial downloads are resumed, not collected */
	CHECK(!exists("tmp/layer-" H("7") "-abc"));
	/* Unnamed but used by a container: kept; then neither: gone. */
	CHECK(store_name_remove(&s, "docker.io/library/busybox:latest", &e) == 0);
	CHECK(store_gc(&s, removed, &k, &e) == 0);
	CHECK(exists("images/" H("a")) && exists("layers/" H("2")));
	CHECK(store_container_remove(&s, "ctr", &e) == 0);
	CHECK(!exists("containers/ctr"));
	CHECK(store_gc(&s, removed, &k, &e) == 0);
	CHECK(!exists("images/" H("a")) && !exists("layers/" H("2")) && !exists("blobs/sha256/" H("b")));

	UNIT_GROUP("rm -rf");
	mkd("x");
	mkd("x/y");
	put("x/y/z", "1");
	char link[128];
	snprintf(link, sizeof link, "%s/x/out", dir);
	CHECK(symlink(dir, link) == 0);   /* never followed */
	CHECK(store_rm_rf_at(s.fd, "x") == 0);
	CHECK(!exists("x") && exists("blobs"));
	CHECK(store_rm_rf_at(s.fd, "nothing") == 0);

	store_close(&s);
	int fd = open("/tmp", O_PATH | O_DIRECTORY);
	store_rm_rf_at(fd, dir + 5);
	close(fd);
	return unit_done();
}
