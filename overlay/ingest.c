/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/ingest.c: an image into the store, every layer streamed and
 * unpacked at once (see ingest.h). */
#include "overlay/ingest.h"
#include "overlay/digest.h"
#include "overlay/layer.h"
#include "spec/image.h"

#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { CONFIG_MAX = 8 << 20, PARALLEL_DEFAULT = 8 };

/* ---- small blobs -------------------------------------------------------- */

int ingest_small_blob(const struct store *s, const char *digest, const void *buf, size_t len, struct hull_err *e)
{
	char rel[128];
	if (!store_blob_rel(digest, rel, sizeof rel))
		return hull_errf(e, EINVAL, "\"%s\" is not a sha256 digest", digest);
	if (store_blob_has(s, digest))
		return 0;
	struct digest d;
	char got[DIGEST_LEN];
	if (digest_init(&d) < 0)
		return hull_errf(e, ENOMEM, "out of memory");
	digest_update(&d, buf, len);
	digest_final(&d, got);
	if (!digest_matches(got, digest))
		return hull_errf(e, EBADMSG, "blob %s: its content has the digest %s", digest, got);
	/* An unnamed file linked in when whole: a crash leaves nothing. */
	int fd = openat(s->fd, "blobs/sha256", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_syserr(e, errno, "store %s: a file for blob %s", s->path, digest);
	int r = write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (r == 0 && linkat(AT_FDCWD, path, s->fd, rel, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
		r = -errno;
	close(fd);
	return r < 0 ? hull_syserr(e, -r, "store %s: writing blob %s", s->path, digest) : 0;
}

/* ---- tmp/ --------------------------------------------------------------- */

/* tmp/chain-HEX.lock, held while a layer of that chain ID is unpacked into
 * tmp/layer-HEX-XXXXXX: a directory whose lock is free belongs to an
 * ingest that died. */
static int chain_lock(const struct store *s, const char *chain, bool wait)
{
	char rel[128];
	snprintf(rel, sizeof rel, "tmp/chain-%s.lock", chain + 7);
	int fd = openat(s->fd, rel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r;
	do
		r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void ingest_sweep(const struct store *s)
{
	int dfd = openat(s->fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char chain[80];
		if (!strncmp(de->d_name, "import-", 7)) {
			/* An archive being unpacked holds import-X/.lock. */
			char rel[300];
			snprintf(rel, sizeof rel, "%s/.lock", de->d_name);
			int lk = openat(dirfd(d), rel, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
			struct stat sb;
			/* (No lock file yet: just made, unless a minute old.) */
			bool dead = lk >= 0 ? flock(lk, LOCK_EX | LOCK_NB) == 0
					    : fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
						      sb.st_mtime < time(NULL) - 60;
			if (dead)
				store_rm_rf_at(dirfd(d), de->d_name);
			if (lk >= 0)
				close(lk);
			continue;
		}
		if (strncmp(de->d_name, "layer-", 6) || strlen(de->d_name) < 6 + 64 + 1)
			continue;
		snprintf(chain, sizeof chain, "sha256:%.64s", de->d_name + 6);
		int lk = chain_lock(s, chain, false);
		if (lk < 0)
			continue;   /* an ingest of it is alive */
		store_rm_rf_at(dirfd(d), de->d_name);
		close(lk);
	}
	closedir(d);
}

/* ---- one layer ---------------------------------------------------------- */

struct job {
	const struct store *s;
	const struct ingest_source *src;
	const struct ingest_opts *o;
	const struct image_descriptor *desc;
	const char *diff_id;
	char chain[DIGEST_LEN];
	_Atomic uint64_t bytes;     /* compressed bytes read so far */
	_Atomic int state;          /* enum job_state */
	int r;
	struct hull_err e;
};

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_EXISTS, JOB_DONE, JOB_FAILED };

/* The layer source: reads an fd, counting for the progress display. */
struct fd_reader {
	int fd;
	struct job *job;
};

static ssize_t fd_read(void *ctx, void *buf, size_t cap)
{
	struct fd_reader *fr = ctx;
	ssize_t n;
	do
		n = read(fr->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	atomic_fetch_add(&fr->job->bytes, (uint64_t)n);
	return n;
}

/* The fetch side of a streamed layer: the registry's bytes into a pipe. */
struct fetcher {
	struct job *job;
	int wfd;
	uint64_t sent;
	int r;
	struct hull_err e;
};

static int pipe_sink(void *ctx, const void *buf, size_t n)
{
	struct fetcher *f = ctx;
	if (!buf)   /* the source starts over: fine only before any byte went */
		return f->sent ? -ECANCELED : 0;
	int r = write_all(f->wfd, buf, n);
	if (r == 0)
		f->sent += n;
	return r;
}

static void *fetch_main(void *arg)
{
	struct fetcher *f = arg;
	f->r = f->job->src->stream(f->job->src->ctx, f->job->desc->digest, 0, pipe_sink, f, &f->e);
	close(f->wfd);
	return NULL;
}

/* The resume of a partial blob: the rest appended to the file. */
struct appender {
	int fd;
	struct job *job;
};

static int append_sink(void *ctx, const void *buf, size_t n)
{
	struct appender *a = ctx;
	if (!buf) {
		atomic_store(&a->job->bytes, 0);
		return ftruncate(a->fd, 0) < 0 || lseek(a->fd, 0, SEEK_SET) < 0 ? -errno : 0;
	}
	atomic_fetch_add(&a->job->bytes, (uint64_t)n);
	return write_all(a->fd, buf, n);
}

static enum layer_compression job_compression(const struct job *j)
{
	switch (j->desc->media.compression) {
	case IMAGE_COMP_GZIP: return LAYER_GZIP;
	case IMAGE_COMP_ZSTD: return LAYER_ZSTD;
	default: return LAYER_PLAIN;
	}
}

static int job_unpack(struct job *j, int in_fd, int copy_fd, int dirfd)
{
	struct fd_reader fr = { in_fd, j };
	struct layer_source src = { fd_read, &fr };
	struct layer_expect x = {
		.digest = j->desc->digest, .size = j->desc->size, .diff_id = j->diff_id,
		.max_bytes = j->o->max_layer_bytes, .allow_devices = true,
	};
	/* (layer_unpack's messages start "layer DISPLAY: ...") */
	return layer_unpack(&src, job_compression(j), &x, copy_fd, dirfd, j->desc->digest, NULL, &j->e);
}

static int job_run(struct job *j)
{
	const struct store *s = j->s;
	const char *hex = j->desc->digest + 7;
	if (store_layer_has(s, j->chain) && store_blob_has(s, j->desc->digest)) {
		atomic_store(&j->state, JOB_EXISTS);
		return 0;
	}
	int lk = chain_lock(s, j->chain, true);
	if (lk < 0)
		return hull_syserr(&j->e, -lk, "store %s: locking layer %s", s->path, j->chain);
	if (store_layer_has(s, j->chain) && store_blob_has(s, j->desc->digest)) {
		close(lk);
		atomic_store(&j->state, JOB_EXISTS);
		return 0;
	}
	atomic_store(&j->state, JOB_RUNNING);
	int r = 0, partial = -1, in_fd = -1, dirfd = -1, pipefd[2] = { -1, -1 };
	bool fetching = false, keep_partial = false;
	pthread_t fetch_thread;
	struct fetcher f = { .job = j, .wfd = -1 };
	char tmp[PATH_MAX], prel[128], brel[128], lrel[128];
	snprintf(tmp, sizeof tmp, "%s/tmp/layer-%s-XXXXXX", s->path, j->chain + 7);
	snprintf(prel, sizeof prel, "tmp/blob-%s", hex);
	store_blob_rel(j->desc->digest, brel, sizeof brel);
	store_layer_rel(j->chain, lrel, sizeof lrel);
	char diff[PATH_MAX + 8];
	if (mkdtemp(tmp))
		snprintf(diff, sizeof diff, "%s/diff", tmp);
	if (!tmp[0] || strstr(tmp, "XXXXXX") || mkdir(diff, 0755) < 0 ||
	    (dirfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		r = hull_syserr(&j->e, errno, "store %s: a directory for layer %s", s->path, j->desc->digest);
		goto out;
	}
	if (store_blob_has(s, j->desc->digest)) {
		/* The blob is here (its layer went): unpacked from it. */
		in_fd = openat(s->fd, brel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		r = in_fd < 0 ? hull_syserr(&j->e, errno, "store %s: %s", s->path, brel) : job_unpack(j, in_fd, -1, dirfd);
		goto done;
	}
	/* The partial blob, locked: the same blob may be a layer of another
	 * chain that another ingest is fetching (an empty layer, say).  Once
	 * locked, it must still be the file at that name: the other ingest
	 * may have renamed it into blobs/ meanwhile, and then it is done. */
	struct stat sb, now;
	for (;;) {
		partial = openat(s->fd, prel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (partial < 0 || flock(partial, LOCK_EX) < 0 || fstat(partial, &sb) < 0) {
			r = hull_syserr(&j->e, errno, "store %s: %s", s->path, prel);
			goto out;
		}
		if (fstatat(s->fd, prel, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == sb.st_ino &&
		    now.st_dev == sb.st_dev)
			break;
		close(partial);
		partial = -1;
		if (store_blob_has(s, j->desc->digest)) {
			/* (The empty one this loop may have made: anyone holding
			 * it finds it unlinked and looks again, as here.) */
			if (fstatat(s->fd, prel, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_size == 0)
				unlinkat(s->fd, prel, 0);
			in_fd = openat(s->fd, brel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			r = in_fd < 0 ? hull_syserr(&j->e, errno, "store %s: %s", s->path, brel)
				      : job_unpack(j, in_fd, -1, dirfd);
			goto done;
		}
	}
	if (j->src->open && (in_fd = j->src->open(j->src->ctx, j->desc->digest)) >= 0) {
		/* A file: read once, kept as it is read. */
		if (ftruncate(partial, 0) < 0) {
			r = hull_syserr(&j->e, errno, "store %s: %s", s->path, prel);
			goto out;
		}
		r = job_unpack(j, in_fd, partial, dirfd);
	} else if (sb.st_size > 0 && (uint64_t)sb.st_size < (uint64_t)j->desc->size) {
		/* A download cut off before: the rest fetched (HTTP Range),
		 * then the whole file unpacked. */
		struct appender a = { partial, j };
		atomic_store(&j->bytes, (uint64_t)sb.st_size);
		if (lseek(partial, 0, SEEK_END) < 0) {
			r = hull_syserr(&j->e, errno, "store %s: %s", s->path, prel);
			goto out;
		}
		r = j->src->stream(j->src->ctx, j->desc->digest, (uint64_t)sb.st_size, append_sink, &a, &j->e);
		if (r < 0) {
			keep_partial = true;
			goto out;
		}
		atomic_store(&j->bytes, 0);
		in_fd = openat(s->fd, prel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		r = in_fd < 0 ? hull_syserr(&j->e, errno, "store %s: %s", s->path, prel) : job_unpack(j, in_fd, -1, dirfd);
	} else {
		/* Streamed: fetched into a pipe by a thread of its own while
		 * this one decompresses, verifies and unpacks. */
		if (ftruncate(partial, 0) < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
			r = hull_syserr(&j->e, errno, "store %s: %s", s->path, prel);
			goto out;
		}
		fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
		f.wfd = pipefd[1];
		pipefd[1] = -1;
		if ((r = pthread_create(&fetch_thread, NULL, fetch_main, &f)) != 0) {
			close(f.wfd);
			r = hull_syserr(&j->e, r, "a thread for layer %s", j->desc->digest);
			goto out;
		}
		fetching = true;
		r = job_unpack(j, pipefd[0], partial, dirfd);
		/* The fetcher stops at the pipe's closed end if unpacking did. */
		close(pipefd[0]);
		pipefd[0] = -1;
		pthread_join(fetch_thread, NULL);
		fetching = false;
		if (f.r < 0 && f.r != -EPIPE) {
			/* The download broke: its words, not the unpacker's
			 * (which saw a stream cut short); what came is kept.
			 * (-EPIPE: the unpacker stopped first, and said why.) */
			j->e = f.e;
			r = f.r;
			keep_partial = true;
		}
	}
done:
	if (r == 0 && partial >= 0 && (fsync(partial) < 0 || renameat(s->fd, prel, s->fd, brel) < 0))
		r = hull_syserr(&j->e, errno, "store %s: putting blob %s in place", s->path, j->desc->digest);
	if (r == 0 && syncfs(dirfd) < 0)
		r = hull_syserr(&j->e, errno, "store %s: syncing layer %s", s->path, j->desc->digest);
	if (r == 0 && renameat(AT_FDCWD, tmp, s->fd, lrel) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = hull_syserr(&j->e, errno, "store %s: putting layer %s in place", s->path, j->desc->digest);
	}
out:
	if (fetching) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		pthread_join(fetch_thread, NULL);
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (in_fd >= 0)
		close(in_fd);
	if (dirfd >= 0)
		close(dirfd);
	if (tmp[0] == '/' && strstr(tmp, "/tmp/layer-") && access(tmp, F_OK) == 0) {
		/* Failed, or another ingest's rename won: ours goes. */
		char *slash = strrchr(tmp, '/');
		int tfd = openat(s->fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (tfd >= 0) {
			store_rm_rf_at(tfd, slash + 1);
			close(tfd);
		}
	}
	if (partial >= 0) {
		/* Kept for a resume: what a registry sent before the transfer
		 * broke (never a file's, nor nothing). */
		struct stat psb;
		if (r < 0 && (!keep_partial || j->src->open || fstat(partial, &psb) < 0 || psb.st_size == 0))
			unlinkat(s->fd, prel, 0);
		close(partial);
	}
	close(lk);
	atomic_store(&j->state, r < 0 ? JOB_FAILED : JOB_DONE);
	return r;
}

/* ---- all layers at once ------------------------------------------------- */

struct pool {
	struct job *jobs;
	size_t n;
	_Atomic size_t next;
};

static void *worker_main(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			return NULL;
		p->jobs[i].r = job_run(&p->jobs[i]);
	}
}

static void human(uint64_t b, char *buf, size_t cap)
{
	if (b >= 1 << 20)
		snprintf(buf, cap, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 1 << 10)
		snprintf(buf, cap, "%.1f KiB", (double)b / (1 << 10));
	else
		snprintf(buf, cap, "%llu B", (unsigned long long)b);
}

static void job_line(const struct job *j, char *buf, size_t cap)
{
	char done[32], total[32];
	human(atomic_load(&j->bytes), done, sizeof done);
	human((uint64_t)j->desc->size, total, sizeof total);
	int st = atomic_load(&j->state);
	snprintf(buf, cap, "Copying blob %.12s %s", j->desc->digest + 7,
		 st == JOB_EXISTS ? "skipped: already exists" : st == JOB_DONE ? "done" : st == JOB_FAILED ? "failed" : "");
	if (st == JOB_RUNNING || st == JOB_WAITING) {
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, "%s / %s", done, total);
	} else if (st == JOB_DONE) {
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, " %s", total);
	}
}

/* Until every job ended: on a terminal, a line per layer redrawn; as
 * lines, one per layer when it ends. */
static void progress(struct pool *p, enum ingest_progress mode, pthread_t *workers, size_t nw)
{
	bool *said = calloc(p->n, 1);
	bool drawn = false;
	for (;;) {
		bool all = true;
		for (size_t i = 0; i < p->n; i++) {
			int st = atomic_load(&p->jobs[i].state);
			if (st == JOB_WAITING || st == JOB_RUNNING)
				all = false;
			else if (mode == INGEST_LINES && said && !said[i]) {
				char line[160];
				job_line(&p->jobs[i], line, sizeof line);
				printf("%s\n", line);
				fflush(stdout);
				said[i] = true;
			}
		}
		if (mode == INGEST_TERMINAL) {
			if (drawn)
				printf("\033[%zuA", p->n);
			for (size_t i = 0; i < p->n; i++) {
				char line[160];
				job_line(&p->jobs[i], line, sizeof line);
				printf("\r\033[K%s\n", line);
			}
			fflush(stdout);
			drawn = true;
		}
		if (all)
			break;
		struct timespec ts = { 0, mode == INGEST_TERMINAL ? 100000000 : 50000000 };
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < nw; i++)
		pthread_join(workers[i], NULL);
	free(said);
}

static int get_config(const struct store *s, const struct ingest_source *src, const struct image_descriptor *d,
		      char **buf, size_t *len, struct hull_err *e)
{
	if (store_blob_has(s, d->digest))
		return store_blob_read(s, d->digest, CONFIG_MAX, buf, len, e);
	if (d->size > CONFIG_MAX)
		return hull_errf(e, EFBIG, "%s: config %s: %lld bytes is too large", src->display, d->digest,
				 (long long)d->size);
	int r = src->get(src->ctx, d->digest, CONFIG_MAX, buf, len, e);
	if (r < 0)
		return r;
	if ((int64_t)*len != d->size) {
		free(*buf);
		return hull_errf(e, EBADMSG, "%s: config %s: %zu bytes, the manifest says %lld", src->display,
				 d->digest, *len, (long long)d->size);
	}
	/* Checked now, written with the manifest once every layer is in:
	 * a failed ingest leaves no blob of its own behind. */
	struct digest dg;
	char got[DIGEST_LEN];
	if (digest_init(&dg) < 0) {
		free(*buf);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	digest_update(&dg, *buf, *len);
	digest_final(&dg, got);
	if (!digest_matches(got, d->digest)) {
		free(*buf);
		return hull_errf(e, EBADMSG, "%s: config %s: the bytes served have the digest %s", src->display,
				 d->digest, got);
	}
	return 0;
}

/* Chain IDs (image-spec config.md): the first layer's diff_id, then
 * sha256 of "PARENT DIFFID". */
static int chain_ids(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			snprintf(jobs[i].chain, sizeof jobs[i].chain, "%s", jobs[i].diff_id);
			continue;
		}
		struct digest d;
		if (digest_init(&d) < 0)
			return -ENOMEM;
		digest_update(&d, jobs[i - 1].chain, strlen(jobs[i - 1].chain));
		digest_update(&d, " ", 1);
		digest_update(&d, jobs[i].diff_id, strlen(jobs[i].diff_id));
		digest_final(&d, jobs[i].chain);
	}
	return 0;
}

int ingest_manifest(const struct store *s, const struct ingest_source *src, const char *digest, const char *body,
		    size_t len, const char *name, const struct ingest_opts *o, struct hull_err *e)
{
	struct spec_err serr;
	struct image_manifest *m = NULL;
	struct image_config *cfg = NULL;
	char *cbuf = NULL;
	size_t clen = 0;
	struct job *jobs = NULL;
	struct store_image img = { 0 };
	int r = image_manifest_parse(body, len, digest, &m, &serr);
	if (r < 0)
		return hull_errf(e, -r, "%s: manifest %s", src->display, serr.msg);
	int lock = store_lock(s, false, e);
	if (lock < 0) {
		image_manifest_free(m);
		return lock;
	}
	ingest_sweep(s);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct image_descriptor *d = &m->layers[i];
		if (d->media.kind != IMAGE_KIND_LAYER) {
			r = hull_errf(e, EINVAL, "%s: manifest %s: layers[%zu]: media type \"%s\" is not a layer",
				      src->display, digest, i, d->media_type);
			goto out;
		}
		if (d->n_urls) {
			r = hull_errf(e, ENOTSUP, "%s: manifest %s: layers[%zu] %s is a foreign layer (urls): not supported",
				      src->display, digest, i, d->digest);
			goto out;
		}
	}
	if ((r = get_config(s, src, &m->config, &cbuf, &clen, e)) < 0)
		goto out;
	if ((r = image_config_parse(cbuf, clen, m->config.digest, &cfg, &serr)) < 0 ||
	    (r = image_config_check_layers(cfg, m, m->config.digest, &serr)) < 0) {
		r = hull_errf(e, -r, "%s: config %s", src->display, serr.msg);
		goto out;
	}
	jobs = calloc(m->n_layers + 1, sizeof *jobs);
	img.layers = calloc(m->n_layers + 1, sizeof *img.layers);
	if (!jobs || !img.layers) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n_layers; i++)
		jobs[i] = (struct job){ .s = s, .src = src, .o = o, .desc = &m->layers[i], .diff_id = cfg->diff_ids[i] };
	if (chain_ids(jobs, m->n_layers) < 0) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	struct pool p = { .jobs = jobs, .n = m->n_layers };
	size_t nw = m->n_layers < (size_t)(o->parallel > 0 ? o->parallel : PARALLEL_DEFAULT)
			    ? m->n_layers : (size_t)(o->parallel > 0 ? o->parallel : PARALLEL_DEFAULT);
	pthread_t workers[64];
	if (nw > 64)
		nw = 64;
	size_t started = 0;
	for (; started < nw; started++)
		if (pthread_create(&workers[started], NULL, worker_main, &p) != 0)
			break;
	if (!started && m->n_layers) {
		r = hull_errf(e, EAGAIN, "no thread for the layers");
		goto out;
	}
	progress(&p, o->progress, workers, started);
	for (size_t i = 0; i < m->n_layers; i++)
		if (jobs[i].r < 0) {
			*e = jobs[i].e;
			r = jobs[i].r;
			goto out;
		}
	if (o->progress != INGEST_QUIET)
		printf("Copying config %.12s done\nWriting manifest to image destination\n", m->config.digest + 7);
	if ((r = ingest_small_blob(s, m->config.digest, cbuf, clen, e)) < 0 ||
	    (r = ingest_small_blob(s, digest, body, len, e)) < 0)
		goto out;
	snprintf(img.manifest, sizeof img.manifest, "%s", digest);
	snprintf(img.config, sizeof img.config, "%s", m->config.digest);
	snprintf(img.manifest_type, sizeof img.manifest_type, "%s",
		 m->media_type ? m->media_type : IMAGE_MT_OCI_MANIFEST);
	img.n_layers = m->n_layers;
	for (size_t i = 0; i < m->n_layers; i++) {
		struct store_layer *l = &img.layers[i];
		snprintf(l->chain, sizeof l->chain, "%s", jobs[i].chain);
		snprintf(l->diff_id, sizeof l->diff_id, "%s", jobs[i].diff_id);
		snprintf(l->blob, sizeof l->blob, "%s", m->layers[i].digest);
		l->size = (uint64_t)m->layers[i].size;
		snprintf(l->media_type, sizeof l->media_type, "%s", m->layers[i].media_type);
	}
	if ((r = store_image_put(s, &img, e)) < 0)
		goto out;
	if (name)
		r = store_name_set(s, name, digest, e);
out:
	close(lock);
	/* Layers this ingest put in place but no image will name: gone now.
	 * gc waits for every other ingest (it locks the store exclusively),
	 * whose images are then recorded and kept. */
	bool made = false;
	for (size_t i = 0; r < 0 && jobs && i < m->n_layers; i++)
		made |= atomic_load(&jobs[i].state) == JOB_DONE;
	if (made) {
		struct hull_err ignore;
		store_gc(s, NULL, NULL, &ignore);
	}
	free(jobs);
	free(img.layers);
	free(cbuf);
	image_config_free(cfg);
	image_manifest_free(m);
	return r;
}
