/* SPDX-License-Identifier: Apache-2.0 */
/* A client of OCI distribution registries on libcurl: see registry.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yajl/yajl_tree.h>

#include "overlay/registry.h"
#include "spec/image.h"

/* The media types a manifest GET accepts: those spec/image reads (OCI
 * manifest and index, Docker schema2 manifest and list; not schema1). */
#define ACCEPT_MANIFESTS "Accept: " IMAGE_MANIFEST_ACCEPT

enum { ERRBODY_MAX = 64 << 10, TOKEN_BODY_MAX = 1 << 20, POOL_MAX = 16 };
enum scheme { SCHEME_UNKNOWN, SCHEME_HTTPS, SCHEME_HTTP };
enum auth { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct registry {
	char *host;             /* as given: messages, cert dir, auth file */
	char *endpoint;         /* where it is reached (docker.io's differs) */
	char *repo;
	bool insecure;
	int retries;
	char *user, *pass;      /* NULL: anonymous only */
	STACK_OF(X509) *cas;    /* the cert dir's *.crt */
	char *client_cert, *client_key;

	CURLSH *share;          /* DNS answers and TLS sessions */
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

	pthread_mutex_t pool_lock;
	CURL *pool[POOL_MAX];
	int npool;

	/* Everything below is under lock, which is also held while a token is
	 * fetched: threads that hit the same 401 wait for one new token
	 * instead of each fetching its own. */
	pthread_mutex_t lock;
	enum scheme scheme;
	enum auth auth;
	char *realm, *service;  /* the Bearer challenge */
	char *token;
	time_t token_expiry;
	unsigned token_gen;     /* bumped with every new token */
};

/* One HTTP exchange (with its retries) and what came back. */
struct req {
	struct registry *r;
	const char *what;       /* "manifest latest": for messages */
	char *url;              /* absolute (token realm), else NULL */
	const char *path;       /* "/v2/REPO/..." on the registry */
	bool manifest;          /* Accept the manifest types, keep the body */
	bool token;             /* the realm: basic creds, no challenge */
	/* blob streaming */
	int (*sink)(void *ctx, const void *buf, size_t n);
	void *ctx;
	uint64_t pos;           /* next byte the sink expects */
	bool restarted;
	int sink_err;
	bool checked;           /* this response's start checked */
	/* the response */
	long status;
	struct buf body;        /* the manifest/token, or an error body */
	size_t limit;
	bool toolarge;
	char content_type[256];
	char dcd[160];          /* Docker-Content-Digest */
	char challenge[2048];   /* WWW-Authenticate (Bearer preferred) */
	char retry_after[64];
	char content_range[128];
	char curlerr[CURL_ERROR_SIZE];
	char why[CURL_ERROR_SIZE]; /* write_cb's reason to stop (curl owns curlerr) */
	long oserr;             /* errno of a failed connect, 0 if none */
	int attempts;
};

/* ------------------------------------------------------------ small bits */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;
static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool valid_host(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:[]", *s))
			return false;
	return true;
}

/* The distribution-spec's repository name, loosely: lower-case components
 * of [a-z0-9._-] separated by single slashes, none starting with '.' or
 * '-', so nothing in it can change the meaning of the URL. */
static bool valid_repo(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return false;
	bool start = true;
	for (; *s; s++) {
		if (*s == '/') {
			if (start)
				return false;
			start = true;
			continue;
		}
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr("._-", *s)))
			return false;
		if (start && (*s == '.' || *s == '-'))
			return false;
		start = false;
	}
	return !start;
}

static bool valid_tag(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

_Static_assert(REGISTRY_DIGEST_SIZE == IMAGE_DIGEST_LEN + 1, "a digest is spec/image's");

/* "sha256:<hex of data>" into out (REGISTRY_DIGEST_SIZE).  sha256 is the
 * only digest hull takes (spec/image.h: image_digest_valid). */
static void sha256_of(const void *data, size_t len, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(data, len, h, &n, EVP_sha256(), NULL);
	int o = sprintf(out, "sha256:");
	for (unsigned i = 0; i < n; i++)
		o += sprintf(out + o, "%02x", h[i]);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard base64 (padding optional) into a malloc'd NUL-terminated string;
 * NULL when s is not base64 or memory is short. */
static char *b64decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 3 / 4 + 4), *o = out;
	if (!out)
		return NULL;
	unsigned acc = 0, bits = 0;
	for (; *s && *s != '='; s++) {
		int v = b64val((unsigned char)*s);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((acc >> bits) & 0xff);
		}
	}
	*o = 0;
	return out;
}

/* "user:pass" split at the first ':' into two malloc'd strings. */
static int split_creds(const char *s, char **user, char **pass)
{
	const char *c = strchr(s, ':');
	if (!c || c == s)
		return -EINVAL;
	*user = strndup(s, c - s);
	*pass = strdup(c + 1);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ auth file */

/* The host an auth file key names: "https://index.docker.io/v1/" ->
 * "docker.io", "quay.io/org" -> "quay.io/org" (a key with a scheme is a
 * Docker-style URL: only its host counts). */
static void auth_key_norm(const char *key, char *out, size_t cap)
{
	bool url = false;
	if (!strncmp(key, "https://", 8))
		key += 8, url = true;
	else if (!strncmp(key, "http://", 7))
		key += 7, url = true;
	size_t n = url ? strcspn(key, "/") : strlen(key);
	while (n > 0 && key[n - 1] == '/')
		n--;
	snprintf(out, cap, "%.*s", (int)n, key);
	if (!strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io"))
		snprintf(out, cap, "docker.io");
}

/* Credentials for r from one auth file: 1 found (r->user/pass set), 0 none,
 * -errno. */
static int authfile_lookup(struct registry *r, const char *path, bool must_exist, struct hull_err *e)
{
	_cleanup_free_ char *text = NULL;
	int rc = read_file(path, &text, NULL);
	if (rc == -ENOENT && !must_exist)
		return 0;
	if (rc < 0)
		return hull_syserr(e, -rc, "auth file %s", path);
	char err[256];
	yajl_val root = yajl_tree_parse(text, err, sizeof err);
	if (!root)
		return hull_errf(e, EINVAL, "auth file %s: not JSON: %s", path, strtok(err, "\n") ?: "");
	const char *p_auths[] = { "auths", NULL };
	yajl_val auths = yajl_tree_get(root, p_auths, yajl_t_object);
	rc = 0;
	if (auths) {
		/* HOST/REPO, then its parents, then HOST: the most specific wins */
		_cleanup_free_ char *want = xasprintf("%s/%s", r->host, r->repo);
		if (!want) {
			yajl_tree_free(root);
			return hull_errf(e, ENOMEM, "auth file %s: out of memory", path);
		}
		for (;;) {
			for (size_t i = 0; i < auths->u.object.len && !rc; i++) {
				char key[512];
				auth_key_norm(auths->u.object.keys[i], key, sizeof key);
				if (strcmp(key, want))
					continue;
				const char *p_auth[] = { "auth", NULL };
				yajl_val a = yajl_tree_get(auths->u.object.values[i], p_auth, yajl_t_string);
				if (!a || !*YAJL_GET_STRING(a))
					continue;
				_cleanup_free_ char *dec = b64decode(YAJL_GET_STRING(a));
				if (!dec || split_creds(dec, &r->user, &r->pass) < 0)
					rc = hull_errf(e, EINVAL, "auth file %s: the \"auth\" of %s is not base64 of user:password",
						       path, auths->u.object.keys[i]);
				else
					rc = 1;
			}
			char *slash = strrchr(want, '/');
			if (rc || !slash)
				break;
			*slash = 0;
		}
	}
	yajl_tree_free(root);
	return rc;
}

static int load_creds(struct registry *r, const struct registry_opts *o, struct hull_err *e)
{
	if (o->creds) {
		int rc = split_creds(o->creds, &r->user, &r->pass);
		if (rc < 0)
			return hull_errf(e, -rc, "registry %s: credentials must be user:password", r->host);
		return 0;
	}
	if (o->authfile)
		return authfile_lookup(r, o->authfile, true, e) < 0 ? -e->code : 0;
	char *paths[3] = { NULL, NULL, NULL };
	const char *env = getenv("REGISTRY_AUTH_FILE");
	if (env && *env)
		paths[0] = strdup(env);
	env = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		paths[1] = xasprintf("%s/containers/auth.json", env);
	else
		paths[1] = xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
	env = getenv("HOME");
	if (env && *env)
		paths[2] = xasprintf("%s/.docker/config.json", env);
	int rc = 0;
	for (int i = 0; i < 3 && rc == 0; i++)
		if (paths[i])
			rc = authfile_lookup(r, paths[i], false, e);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ cert dir */

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

static int load_certs(struct registry *r, const struct registry_opts *o, struct hull_err *e)
{
	_cleanup_free_ char *dflt = NULL;
	const char *dir = o->cert_dir;
	struct stat st;
	if (!dir) {
		dflt = xasprintf("/etc/containers/certs.d/%s", r->host);
		if (dflt && stat(dflt, &st) < 0) {
			free(dflt);
			dflt = xasprintf("/etc/docker/certs.d/%s", r->host);
		}
		if (!dflt || stat(dflt, &st) < 0)
			return 0;
		dir = dflt;
	}
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return hull_syserr(e, errno, "registry %s: cert dir %s", r->host, dir);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
		if (!path) {
			rc = hull_errf(e, ENOMEM, "out of memory");
		} else if (rc == 0 && has_suffix(name, ".crt")) {
			FILE *f = fopen(path, "re");
			if (!f) {
				rc = hull_syserr(e, errno, "registry %s: CA file %s", r->host, path);
				continue;
			}
			int got = 0;
			X509 *x;
			while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
				if (!r->cas && !(r->cas = sk_X509_new_null())) {
					X509_free(x);
					break;
				}
				/* OpenSSL fills a certificate's cached extensions on
				 * first use: done here, while only this thread sees
				 * it, not in ssl_ctx_cb on several threads at once */
				X509_check_purpose(x, -1, 0);
				sk_X509_push(r->cas, x);
				got++;
			}
			ERR_clear_error(); /* the end of the file reads as an error */
			fclose(f);
			if (!got)
				rc = hull_errf(e, EINVAL, "registry %s: CA file %s holds no PEM certificate", r->host, path);
		} else if (rc == 0 && has_suffix(name, ".cert") && !r->client_cert) {
			/* Docker's rule: a client certificate needs its key */
			char *key = xasprintf("%.*s.key", (int)(strlen(path) - 5), path);
			if (!key || access(key, R_OK) < 0) {
				rc = hull_errf(e, ENOENT, "registry %s: client certificate %s has no %s", r->host, path,
					       key ? key : "key");
				free(key);
				continue;
			}
			r->client_cert = take_ptr(&path);
			r->client_key = key;
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

/* libcurl's hook into each new TLS context: the cert dir's CAs join the
 * store curl filled with the system bundle. */
static CURLcode ssl_ctx_cb(CURL *c, void *sslctx, void *arg)
{
	(void)c;
	STACK_OF(X509) *cas = arg;
	X509_STORE *st = SSL_CTX_get_cert_store(sslctx);
	for (int i = 0; i < sk_X509_num(cas); i++)
		X509_STORE_add_cert(st, sk_X509_value(cas, i)); /* a duplicate is no error */
	return CURLE_OK;
}

/* ------------------------------------------------------------ open/close */

static void share_lock(CURL *c, curl_lock_data d, curl_lock_access a, void *arg)
{
	(void)c, (void)a;
	struct registry *r = arg;
	pthread_mutex_lock(&r->share_locks[d]);
}

static void share_unlock(CURL *c, curl_lock_data d, void *arg)
{
	(void)c;
	struct registry *r = arg;
	pthread_mutex_unlock(&r->share_locks[d]);
}

int registry_open(const char *host, const char *repo, const struct registry_opts *o, struct registry **out,
		  struct hull_err *e)
{
	static const struct registry_opts none = { 0 };
	if (!o)
		o = &none;
	*out = NULL;
	if (!valid_host(host))
		return hull_errf(e, EINVAL, "registry host \"%s\" is not a host[:port]", host);
	if (!valid_repo(repo))
		return hull_errf(e, EINVAL, "registry %s: \"%s\" is not a repository name", host, repo);
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return hull_errf(e, EIO, "libcurl: %s", curl_easy_strerror(global_rc));

	struct registry *r = calloc(1, sizeof *r);
	if (!r)
		return hull_errf(e, ENOMEM, "out of memory");
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&r->share_locks[i], NULL);
	pthread_mutex_init(&r->pool_lock, NULL);
	pthread_mutex_init(&r->lock, NULL);
	r->host = strdup(host);
	/* Docker Hub's registry API is not served under its image name */
	r->endpoint = strdup(!strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ? "registry-1.docker.io" : host);
	r->repo = strdup(repo);
	r->insecure = o->insecure;
	r->retries = o->max_retries == 0 ? REGISTRY_RETRIES_DEFAULT : o->max_retries < 0 ? 0 : o->max_retries;
	r->scheme = r->insecure ? SCHEME_UNKNOWN : SCHEME_HTTPS;
	int rc;
	if (!r->host || !r->endpoint || !r->repo) {
		rc = hull_errf(e, ENOMEM, "out of memory");
		goto fail;
	}
	r->share = curl_share_init();
	if (!r->share) {
		rc = hull_errf(e, ENOMEM, "libcurl: cannot make a share handle");
		goto fail;
	}
	curl_share_setopt(r->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(r->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(r->share, CURLSHOPT_USERDATA, r);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	if ((rc = load_certs(r, o, e)) < 0 || (rc = load_creds(r, o, e)) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	registry_close(r);
	return rc;
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->npool; i++)
		curl_easy_cleanup(r->pool[i]);
	if (r->share)
		curl_share_cleanup(r->share);
	if (r->cas)
		sk_X509_pop_free(r->cas, X509_free);
	if (r->pass)
		explicit_bzero(r->pass, strlen(r->pass));
	if (r->token)
		explicit_bzero(r->token, strlen(r->token));
	free(r->host);
	free(r->endpoint);
	free(r->repo);
	free(r->user);
	free(r->pass);
	free(r->client_cert);
	free(r->client_key);
	free(r->realm);
	free(r->service);
	free(r->token);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&r->share_locks[i]);
	pthread_mutex_destroy(&r->pool_lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Easy handles are reused (each keeps its own connections) but never by
 * two threads at once. */
static CURL *pool_get(struct registry *r)
{
	CURL *c = NULL;
	pthread_mutex_lock(&r->pool_lock);
	if (r->npool > 0)
		c = r->pool[--r->npool];
	pthread_mutex_unlock(&r->pool_lock);
	if (c)
		curl_easy_reset(c);
	else
		c = curl_easy_init();
	return c;
}

static void pool_put(struct registry *r, CURL *c)
{
	pthread_mutex_lock(&r->pool_lock);
	if (r->npool < POOL_MAX) {
		r->pool[r->npool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&r->pool_lock);
	if (c)
		curl_easy_cleanup(c);
}

/* ------------------------------------------------------------ callbacks */

/* Copy a header's value (trimmed) into out when line is "name: value". */
static bool header_is(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	const char *v = line + k + 1, *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	snprintf(out, cap, "%.*s", (int)(end - v), v);
	return true;
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *arg)
{
	struct req *q = arg;
	size_t n = size * nitems;
	char tmp[sizeof q->challenge];
	int code;
	if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new response (after a redirect or 100): forget the last.
		 * Its status is noted now, before any of its body reaches
		 * write_cb, which must know where the bytes go (an error body
		 * is kept, never given to the sink). */
		if (sscanf(line, "HTTP/%*s %d", &code) == 1)
			q->status = code;
		q->content_type[0] = q->dcd[0] = q->challenge[0] = 0;
		q->retry_after[0] = q->content_range[0] = 0;
	} else if (header_is(line, n, "WWW-Authenticate", tmp, sizeof tmp)) {
		/* Bearer when offered, whatever else is */
		if (!q->challenge[0] || !strncasecmp(tmp, "bearer", 6))
			snprintf(q->challenge, sizeof q->challenge, "%s", tmp);
	} else if (!header_is(line, n, "Content-Type", q->content_type, sizeof q->content_type) &&
		   !header_is(line, n, "Docker-Content-Digest", q->dcd, sizeof q->dcd) &&
		   !header_is(line, n, "Retry-After", q->retry_after, sizeof q->retry_after)) {
		header_is(line, n, "Content-Range", q->content_range, sizeof q->content_range);
	}
	return n;
}

static size_t write_cb(char *data, size_t size, size_t nitems, void *arg)
{
	struct req *q = arg;
	size_t n = size * nitems;
	long status = q->status;
	bool ok = status >= 200 && status < 300;
	if (!ok || !q->sink) {
		size_t limit = ok ? q->limit : ERRBODY_MAX;
		if (q->body.len + n > limit) {
			if (ok) {
				q->toolarge = true;
				return 0;
			}
			return n; /* the start of an error body is enough */
		}
		buf_put(&q->body, data, n);
		return q->body.oom ? 0 : n;
	}
	if (!q->checked) {
		q->checked = true;
		if (status == 206) {
			unsigned long long start;
			if (sscanf(q->content_range, "bytes %llu-", &start) != 1 || start != q->pos) {
				q->sink_err = -EPROTO;
				snprintf(q->why, sizeof q->why, "asked for bytes from %llu, got Content-Range \"%s\"",
					 (unsigned long long)q->pos, q->content_range);
				return 0;
			}
		} else if (q->pos > 0) {
			/* the range was ignored: the whole blob comes */
			int rc = q->sink(q->ctx, NULL, 0);
			if (rc < 0) {
				q->sink_err = rc;
				return 0;
			}
			q->pos = 0;
			q->restarted = true;
		}
	}
	int rc = q->sink(q->ctx, data, n);
	if (rc < 0) {
		q->sink_err = rc;
		return 0;
	}
	q->pos += n;
	return n;
}

/* libcurl's sockets are made without SOCK_CLOEXEC: hull's rule is that
 * no fd outlives an exec. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)arg, (void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ------------------------------------------------------------ challenges */

/* One parameter of a WWW-Authenticate challenge (RFC 7235: name=token or
 * name="quoted, with \\ escapes"), malloc'd; NULL when absent. */
static char *challenge_param(const char *s, const char *want)
{
	/* skip the scheme */
	s += strcspn(s, " \t");
	for (;;) {
		s += strspn(s, " \t,");
		if (!*s)
			return NULL;
		const char *name = s;
		size_t nlen = strcspn(s, "= \t,");
		s += nlen;
		s += strspn(s, " \t");
		if (*s != '=')
			return NULL; /* another challenge starts: not ours */
		s++;
		s += strspn(s, " \t");
		struct buf v = { 0 };
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				buf_put(&v, s, 1);
			}
			if (*s == '"')
				s++;
		} else {
			size_t k = strcspn(s, " \t,");
			buf_put(&v, s, k);
			s += k;
		}
		buf_put(&v, "", 1);
		if (nlen == strlen(want) && !strncasecmp(name, want, nlen) && !v.oom)
			return v.s;
		free(v.s);
	}
}

/* ------------------------------------------------------------ requests */

static int do_request(struct req *q, struct hull_err *e);

static bool curl_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static int curl_errno(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return EPROTO;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

/* The registry's own words for an error: " (CODE: message)" from
 * {"errors":[{"code":..., "message":...}]}, or "". */
static void registry_words(struct req *q, char *out, size_t cap)
{
	out[0] = 0;
	if (!q->body.len || q->body.oom)
		return;
	buf_put(&q->body, "", 1);
	if (q->body.oom)
		return;
	yajl_val root = yajl_tree_parse(q->body.s, NULL, 0);
	const char *p_errors[] = { "errors", NULL };
	yajl_val errs = root ? yajl_tree_get(root, p_errors, yajl_t_array) : NULL;
	if (errs && errs->u.array.len > 0) {
		const char *p_code[] = { "code", NULL }, *p_msg[] = { "message", NULL };
		yajl_val code = yajl_tree_get(errs->u.array.values[0], p_code, yajl_t_string);
		yajl_val msg = yajl_tree_get(errs->u.array.values[0], p_msg, yajl_t_string);
		snprintf(out, cap, " (%s%s%s)", code ? YAJL_GET_STRING(code) : "", code && msg ? ": " : "",
			 msg ? YAJL_GET_STRING(msg) : "");
		for (char *p = out; *p; p++) /* one line */
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	yajl_tree_free(root);
}

/* How long to wait before retry number `attempt` (0-based): Retry-After
 * (seconds or an HTTP date) when the server said, capped, else 250 ms
 * doubling up to 4 s. */
static long retry_wait_ms(struct req *q, int attempt)
{
	if (q->retry_after[0]) {
		long s = -1;
		char *end;
		long v = strtol(q->retry_after, &end, 10);
		if (end != q->retry_after && !*end)
			s = v;
		else {
			time_t t = curl_getdate(q->retry_after, NULL);
			if (t != -1)
				s = (long)(t - time(NULL));
		}
		if (s >= 0)
			return (s > REGISTRY_RETRY_AFTER_MAX ? REGISTRY_RETRY_AFTER_MAX : s) * 1000;
	}
	return 250L << (attempt < 4 ? attempt : 4);
}

/* Fetch a bearer token for r's challenge; r->lock held.  0 or -errno. */
static int fetch_token(struct registry *r, struct hull_err *e)
{
	if (strncmp(r->realm, "https://", 8) && strncmp(r->realm, "http://", 7))
		return hull_errf(e, EPROTO, "registry %s: token realm \"%s\" is not an http(s) URL", r->host, r->realm);
	/* credentials go in clear over http only when the user said the
	 * registry may be insecure */
	if (r->user && !strncmp(r->realm, "http://", 7) && !r->insecure)
		return hull_errf(e, EPERM, "registry %s: refusing to send credentials to the plain http token realm %s",
				 r->host, r->realm);
	/* (curl_easy_escape takes no handle since libcurl 7.82) */
	char *svc = r->service ? curl_easy_escape(NULL, r->service, 0) : NULL;
	_cleanup_free_ char *scope_raw = xasprintf("repository:%s:pull", r->repo);
	char *scope = scope_raw ? curl_easy_escape(NULL, scope_raw, 0) : NULL;
	struct req q = { .r = r, .what = "token", .token = true, .limit = TOKEN_BODY_MAX };
	if (scope)
		q.url = xasprintf("%s%c%s%s%sscope=%s", r->realm, strchr(r->realm, '?') ? '&' : '?', svc ? "service=" : "",
				  svc ? svc : "", svc ? "&" : "", scope);
	curl_free(svc);
	curl_free(scope);
	if (!q.url)
		return hull_errf(e, ENOMEM, "out of memory");
	int rc = do_request(&q, e);
	free(q.url);
	if (rc < 0) {
		free(q.body.s);
		return rc;
	}
	buf_put(&q.body, "", 1);
	if (q.body.oom) {
		free(q.body.s);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	char err[256];
	yajl_val root = yajl_tree_parse(q.body.s, err, sizeof err);
	free(q.body.s);
	const char *p_token[] = { "token", NULL }, *p_access[] = { "access_token", NULL };
	const char *p_exp[] = { "expires_in", NULL };
	yajl_val t = root ? yajl_tree_get(root, p_token, yajl_t_string) : NULL;
	if (!t || !*YAJL_GET_STRING(t))
		t = root ? yajl_tree_get(root, p_access, yajl_t_string) : NULL;
	if (!t || !*YAJL_GET_STRING(t)) {
		yajl_tree_free(root);
		return hull_errf(e, EPROTO, "registry %s: the token server %s answered no token", r->host, r->realm);
	}
	yajl_val x = yajl_tree_get(root, p_exp, yajl_t_number);
	/* Docker's token spec: 60 s when not said, and no less */
	long long exp = x && YAJL_IS_INTEGER(x) ? YAJL_GET_INTEGER(x) : 60;
	if (exp < 60)
		exp = 60;
	const char *ts = YAJL_GET_STRING(t);
	char *tok = ts ? strdup(ts) : NULL;
	yajl_tree_free(root);
	if (!tok)
		return hull_errf(e, ENOMEM, "out of memory");
	free(r->token);
	r->token = tok;
	/* renewed a little early: a request must not carry it past expiry */
	r->token_expiry = time(NULL) + exp - 10;
	r->token_gen++;
	return 0;
}

/* After a 401 whose challenge is q->challenge, set r up to authenticate:
 * 0 (retry the request), 1 (retry: another thread had already renewed the
 * token or chosen Basic, nothing was asked of the server) or -errno. */
static int authenticate(struct req *q, enum auth auth_used, unsigned gen_used, struct hull_err *e)
{
	struct registry *r = q->r;
	int rc = 0;
	pthread_mutex_lock(&r->lock);
	/* another thread has fetched a new token or chosen Basic meanwhile */
	if ((r->auth == AUTH_BEARER && r->token_gen != gen_used) || (r->auth == AUTH_BASIC && auth_used != AUTH_BASIC)) {
		rc = 1;
		goto out;
	}
	if (!strncasecmp(q->challenge, "bearer", 6) && (q->challenge[6] == ' ' || q->challenge[6] == '\t')) {
		char *realm = challenge_param(q->challenge, "realm");
		if (!realm) {
			rc = hull_errf(e, EPROTO, "registry %s: a Bearer challenge without a realm: %s", r->host, q->challenge);
			goto out;
		}
		free(r->realm);
		free(r->service);
		r->realm = realm;
		r->service = challenge_param(q->challenge, "service");
		r->auth = AUTH_BEARER;
		rc = fetch_token(r, e);
	} else if (!strncasecmp(q->challenge, "basic", 5) && r->user && auth_used != AUTH_BASIC) {
		r->auth = AUTH_BASIC;
	} else {
		rc = hull_errf(e, EACCES, "registry %s: unauthorized for %s (check --creds/--authfile)", r->host, r->repo);
	}
out:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static int fail_curl(struct req *q, CURLcode c, struct hull_err *e)
{
	struct registry *r = q->r;
	const char *words = q->curlerr[0] ? q->curlerr : curl_easy_strerror(c);
	char hint[160] = "";
	int err = curl_errno(c);
	if (c == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(hint, sizeof hint, " (is the registry's CA in a *.crt of its cert dir?)");
	else if (c == CURLE_SSL_CONNECT_ERROR && strstr(words, "wrong version number"))
		snprintf(hint, sizeof hint, " (the server does not speak TLS: plain http is for insecure registries only)");
	else if (q->oserr > 0 && !strstr(words, strerror((int)q->oserr)))
		/* curl's words for a refused connect do not say why */
		snprintf(hint, sizeof hint, " (%s)", strerror((int)q->oserr));
	if (q->oserr > 0 && err != EPROTO)
		err = (int)q->oserr;
	char tries[48] = "";
	if (q->attempts > 1)
		snprintf(tries, sizeof tries, " after %d attempts", q->attempts);
	if (q->token)
		return hull_errf(e, err, "registry %s: token server %s: %s%s%s", r->host, r->realm, words, hint, tries);
	return hull_errf(e, err, "registry %s: %s of %s: %s%s%s", r->host, q->what, r->repo, words, hint, tries);
}

/* The exchange q describes, with auth, retries and the insecure fallback to
 * http.  On success q->status is 2xx and the body is in q->body (or went
 * to the sink). */
static int do_request(struct req *q, struct hull_err *e)
{
	struct registry *r = q->r;
	/* One new token (or the switch to Basic) per request: a second 401
	 * after it is final.  Adopting another thread's new token does not
	 * count, but is bounded too. */
	bool authed = false;
	int attempt = 0, adopted = 0;
	for (;;) {
		/* what this attempt sends, decided under the lock */
		enum scheme scheme;
		char *authz = NULL;
		unsigned gen = 0;
		enum auth auth = AUTH_NONE;
		int rc = 0;
		if (!q->token) {
			pthread_mutex_lock(&r->lock);
			if (r->auth == AUTH_BEARER && time(NULL) >= r->token_expiry)
				rc = fetch_token(r, e);
			scheme = r->scheme;
			auth = r->auth;
			gen = r->token_gen;
			if (rc == 0 && auth == AUTH_BEARER && !(authz = xasprintf("Authorization: Bearer %s", r->token)))
				rc = hull_errf(e, ENOMEM, "out of memory");
			pthread_mutex_unlock(&r->lock);
			if (rc < 0)
				return rc;
		} else {
			scheme = SCHEME_HTTPS; /* the realm URL says */
		}
		bool try_http = false;
	again:;
		char *url = q->url ? NULL
				   : xasprintf("%s://%s%s", (scheme == SCHEME_HTTP || try_http) ? "http" : "https",
						     r->endpoint, q->path);
		CURL *c = pool_get(r);
		struct curl_slist *hdrs = NULL, *h;
		if (!c || (!q->url && !url)) {
			if (c)
				pool_put(r, c);
			free(authz);
			free(url);
			return hull_errf(e, ENOMEM, "out of memory");
		}
		if (q->manifest && (h = curl_slist_append(hdrs, ACCEPT_MANIFESTS)))
			hdrs = h;
		/* libcurl drops a custom Authorization header when a redirect
		 * leaves the host (blob storage must not see the token) */
		if (authz && (h = curl_slist_append(hdrs, authz)))
			hdrs = h;
		char range[48] = "";
		if (q->sink && q->pos > 0)
			snprintf(range, sizeof range, "%llu-", (unsigned long long)q->pos);
		q->status = 0;
		q->body.len = 0;
		q->toolarge = q->checked = false;
		q->sink_err = 0;
		q->curlerr[0] = 0;
		q->content_type[0] = q->dcd[0] = q->challenge[0] = q->retry_after[0] = q->content_range[0] = 0;

		curl_easy_setopt(c, CURLOPT_SHARE, r->share);
		curl_easy_setopt(c, CURLOPT_URL, q->url ? q->url : url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "hull");
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, r->insecure ? "http,https" : "https");
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
		/* a stalled transfer (not a slow one) is a connection failure */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->curlerr);
		if (range[0])
			curl_easy_setopt(c, CURLOPT_RANGE, range);
		if (r->insecure) {
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
		if (r->cas) {
			curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
			curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, r->cas);
		}
		if (r->client_cert) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
			curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
		}
		if (r->user && (q->token || auth == AUTH_BASIC)) {
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
			curl_easy_setopt(c, CURLOPT_PASSWORD, r->pass);
		}
		CURLcode cc = curl_easy_perform(c);
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		q->oserr = 0;
		if (cc != CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &q->oserr);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
		pool_put(r, c);
		curl_slist_free_all(hdrs);
		free(url);
		q->status = status;

		if (cc != CURLE_OK) {
			if (q->sink_err && cc == CURLE_WRITE_ERROR) {
				free(authz);
				if (q->sink_err == -EPROTO)
					return hull_errf(e, EPROTO, "registry %s: %s of %s: %s", r->host, q->what, r->repo, q->why);
				return hull_syserr(e, -q->sink_err, "registry %s: %s of %s: writing", r->host, q->what, r->repo);
			}
			if (q->toolarge) {
				free(authz);
				return hull_errf(e, EFBIG, "registry %s: %s of %s: larger than %zu bytes", r->host, q->what,
						 r->repo, q->limit);
			}
			/* --tls-verify=false: a server that does not speak TLS
			 * is asked again in plain http */
			if (scheme == SCHEME_UNKNOWN && !try_http && cc != CURLE_COULDNT_CONNECT &&
			    cc != CURLE_COULDNT_RESOLVE_HOST && cc != CURLE_OPERATION_TIMEDOUT) {
				try_http = true;
				goto again;
			}
			if (curl_retryable(cc) && attempt < r->retries) {
				sleep_ms(retry_wait_ms(q, attempt++));
				free(authz);
				continue;
			}
			free(authz);
			q->attempts = attempt + 1;
			return fail_curl(q, cc, e);
		}
		free(authz);
		if (scheme == SCHEME_UNKNOWN && !q->token) {
			pthread_mutex_lock(&r->lock);
			r->scheme = try_http ? SCHEME_HTTP : SCHEME_HTTPS;
			pthread_mutex_unlock(&r->lock);
		}
		if (status >= 200 && status < 300)
			return 0;
		char words[512];
		registry_words(q, words, sizeof words);
		if (status == 401) {
			if (q->token || authed || !q->challenge[0] || adopted > 4)
				return hull_errf(e, EACCES, "registry %s: unauthorized for %s (check --creds/--authfile)",
						 r->host, r->repo);
			if ((rc = authenticate(q, auth, gen, e)) < 0)
				return rc;
			if (rc == 0)
				authed = true;
			else
				adopted++;
			continue;
		}
		if ((status == 429 || status >= 500) && attempt < r->retries) {
			sleep_ms(retry_wait_ms(q, attempt++));
			continue;
		}
		if (status == 404 && !q->token)
			return hull_errf(e, ENOENT, "%s/%s: %s not found", r->host, r->repo, q->what);
		char tries[48] = "";
		if (attempt > 0)
			snprintf(tries, sizeof tries, " after %d attempts", attempt + 1);
		if (q->token)
			return hull_errf(e, EIO, "registry %s: token server %s: HTTP %ld%s%s", r->host, r->realm, status,
					 words, tries);
		return hull_errf(e, status == 429 ? EAGAIN : status == 416 ? ERANGE : EIO,
				 "registry %s: %s of %s: HTTP %ld%s%s", r->host, q->what, r->repo, status, words, tries);
	}
}

/* ------------------------------------------------------------ the API */

int registry_get_manifest(struct registry *r, const char *ref, char **body, size_t *len, char *media_type,
			  size_t mtcap, char digest[REGISTRY_DIGEST_SIZE], struct hull_err *e)
{
	*body = NULL;
	bool by_digest = image_digest_valid(ref);
	if (!by_digest && !valid_tag(ref))
		return hull_errf(e, EINVAL, "registry %s: \"%s\" is neither a tag nor a sha256 digest", r->host, ref);
	_cleanup_free_ char *what = xasprintf("manifest %s", ref);
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", r->repo, ref);
	if (!what || !path)
		return hull_errf(e, ENOMEM, "out of memory");
	struct req q = { .r = r, .what = what, .path = path, .manifest = true, .limit = REGISTRY_MANIFEST_MAX };
	int rc = do_request(&q, e);
	if (rc == 0) {
		buf_put(&q.body, "", 1);
		if (q.body.oom)
			rc = hull_errf(e, ENOMEM, "out of memory");
	}
	if (rc < 0) {
		free(q.body.s);
		return rc;
	}
	size_t n = q.body.len - 1;
	/* content addressing: the body is what the digest names */
	sha256_of(q.body.s, n, digest);
	if (by_digest) {
		if (strcmp(digest, ref)) {
			free(q.body.s);
			return hull_errf(e, EBADMSG, "registry %s: manifest %s of %s: digest mismatch: the body is %s",
					 r->host, ref, r->repo, digest);
		}
	}
	/* a header in another algorithm cannot be checked here (nor used) */
	if (!strncmp(q.dcd, "sha256:", 7) && strcmp(q.dcd, digest)) {
		free(q.body.s);
		return hull_errf(e, EBADMSG,
				 "registry %s: manifest %s of %s: digest mismatch: Docker-Content-Digest %s, the body is %s",
				 r->host, ref, r->repo, q.dcd, digest);
	}

	/* the document's mediaType is covered by the digest; the header is not */
	char mt[256] = "";
	yajl_val root = yajl_tree_parse(q.body.s, NULL, 0);
	const char *p_mt[] = { "mediaType", NULL };
	yajl_val v = root ? yajl_tree_get(root, p_mt, yajl_t_string) : NULL;
	if (v)
		snprintf(mt, sizeof mt, "%s", YAJL_GET_STRING(v));
	yajl_tree_free(root);
	if (!mt[0])
		snprintf(mt, sizeof mt, "%.*s", (int)strcspn(q.content_type, "; \t"), q.content_type);
	if (strlen(mt) >= mtcap) {
		free(q.body.s);
		return hull_errf(e, ENAMETOOLONG, "registry %s: manifest %s of %s: media type too long: %s", r->host,
				 ref, r->repo, mt);
	}
	strcpy(media_type, mt);
	*body = q.body.s;
	if (len)
		*len = n;
	return 0;
}

int registry_get_blob(struct registry *r, const char *digest, uint64_t offset,
		      int (*sink)(void *ctx, const void *buf, size_t n), void *ctx, bool *restarted, struct hull_err *e)
{
	if (restarted)
		*restarted = false;
	if (!image_digest_valid(digest))
		return hull_errf(e, EINVAL, "registry %s: \"%s\" is not a sha256 digest", r->host, digest);
	_cleanup_free_ char *what = xasprintf("blob %s", digest);
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", r->repo, digest);
	if (!what || !path)
		return hull_errf(e, ENOMEM, "out of memory");
	struct req q = { .r = r, .what = what, .path = path, .sink = sink, .ctx = ctx, .pos = offset };
	int rc = do_request(&q, e);
	free(q.body.s);
	if (restarted)
		*restarted = q.restarted;
	return rc;
}
