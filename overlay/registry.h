/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/registry: a client of OCI distribution registries (the pull side
 * of the distribution-spec: manifests and blobs) on libcurl.
 *
 * It lives outside LIB_SRCS: hull is a static PIE and libcurl cannot be
 * linked statically here, so this is built into a dynamically linked
 * helper (REG_SRCS / REG_LIBS in the Makefile).
 *
 * One handle per (registry, repository).  Everything on a handle may be
 * called from several threads at once (one per layer): each request takes
 * an easy handle of its own from the handle's pool (libcurl does not
 * support sharing one connection cache between concurrent threads, so
 * connections stay with their easy handle), while DNS answers and TLS
 * sessions are shared, and the bearer token is cached once per handle
 * under a mutex.
 *
 * Transport: https.  With `insecure` certificates are not verified and, if
 * the server does not speak TLS at all, plain http is used (what Podman's
 * --tls-verify=false does).  "docker.io" is reached at registry-1.docker.io
 * (repo is then the full name: "library/busybox").
 *
 * Trust: the system CAs (libcurl's default bundle) plus every *.crt of the
 * cert dir, added to each TLS context's store (CURLOPT_SSL_CTX_FUNCTION)
 * rather than given as CURLOPT_CAINFO/CAPATH, which would replace the
 * system bundle instead of extending it.  The first *.cert with a matching
 * *.key (in name order) is the client certificate.
 *
 * Auth: anonymous first; on 401 the WWW-Authenticate challenge decides:
 * Bearer (Docker's token protocol: a token for repository:REPO:pull fetched
 * from the realm, with the credentials when there are some, reused until it
 * expires and fetched again once on a later 401) or Basic (the credentials
 * on every request).  Credentials: opts.creds, else the first auth file
 * (opts.authfile; else $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR:-/run/containers/UID}
 * /containers/auth.json, ~/.docker/config.json) with an "auths" entry for
 * HOST/REPO, HOST/REPO's parents, or HOST (also as "https://HOST/...", and
 * index.docker.io for docker.io).  Credential helpers are not supported.
 *
 * Retries: 429 (after its Retry-After, at most REGISTRY_RETRY_AFTER_MAX s),
 * 5xx and connection failures, with 250 ms doubling otherwise; a blob
 * transfer that broke resumes at the byte where it broke.  A 401 leads to
 * one new token (or the switch to Basic) per request; a second 401 is final.
 *
 * Errors are one line naming the host, the repository and what was asked:
 *   HOST/REPO: manifest REF not found                                  (-ENOENT)
 *   HOST/REPO: blob DIGEST not found                                   (-ENOENT)
 *   registry HOST: unauthorized for REPO (check --creds/--authfile)    (-EACCES)
 *   registry HOST: manifest REF of REPO: digest mismatch: ...          (-EBADMSG)
 *   registry HOST: manifest REF of REPO: larger than 4194304 bytes     (-EFBIG)
 *   registry HOST: manifest REF of REPO: HTTP 503 (UNAVAILABLE: ...) after 4 attempts
 *                                       (-EIO; 429: -EAGAIN; 416: -ERANGE)
 *   registry HOST: blob DIGEST of REPO: <libcurl's words> (<errno>) [after N attempts]
 *                                       (-ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT,
 *                                        TLS: -EPROTO with a hint, else -EIO)
 *
 * registry_close must not run while a call on the handle is running.
 */
#ifndef HULL_OVERLAY_REGISTRY_H
#define HULL_OVERLAY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/util.h"

/* "sha256:" + 64 hex digits + NUL */
enum { REGISTRY_DIGEST_SIZE = 72 };
/* Largest manifest accepted (the distribution-spec suggests registries
 * refuse more than 4 MiB). */
enum { REGISTRY_MANIFEST_MAX = 4 << 20 };
/* Retries when opts.max_retries is 0; the longest Retry-After honoured (s). */
enum { REGISTRY_RETRIES_DEFAULT = 3, REGISTRY_RETRY_AFTER_MAX = 30 };

struct registry_opts {
	/* true: certificates not verified, plain http used when the server
	 * does not speak TLS (Podman's --tls-verify=false).  Named this way
	 * round so that a zeroed struct is the safe default. */
	bool insecure;
	/* certs.d layout (*.crt CAs, *.cert + *.key client pair); NULL:
	 * /etc/containers/certs.d/HOST, else /etc/docker/certs.d/HOST, when
	 * present. */
	const char *cert_dir;
	/* auth.json / ~/.docker/config.json: {"auths":{"HOST":{"auth":
	 * "base64(user:pass)"}}}; must exist when given.  NULL: the defaults
	 * above, missing ones skipped. */
	const char *authfile;
	/* "user:pass", overriding any auth file. */
	const char *creds;
	/* Retries of 429, 5xx and connection failures: 0 means
	 * REGISTRY_RETRIES_DEFAULT, negative none. */
	int max_retries;
};

struct registry;

/* A handle for repo ("library/busybox") on host ("quay.io",
 * "127.0.0.1:5000", "docker.io").  Nothing is sent yet; the cert dir and
 * auth file are read here. */
int registry_open(const char *host, const char *repo, const struct registry_opts *o, struct registry **out,
		  struct hull_err *e);
void registry_close(struct registry *r);

/* GET /v2/REPO/manifests/REF (REF: a tag or "sha256:<hex>", the only
 * digests hull takes: spec/image.h's image_digest_valid), accepting OCI
 * manifests and indexes and Docker schema2 manifests and lists.  *body
 * (malloc'd, NUL-terminated, *len bytes; at most REGISTRY_MANIFEST_MAX),
 * media_type (the document's mediaType, else the Content-Type; "" when
 * neither says) and digest ("sha256:<hex>" of the body).  When REF is a
 * digest the body must have it, and a sha256 Docker-Content-Digest that
 * disagrees with the body is refused too (-EBADMSG). */
int registry_get_manifest(struct registry *r, const char *ref, char **body, size_t *len, char *media_type,
			  size_t mtcap, char digest[REGISTRY_DIGEST_SIZE], struct hull_err *e);

/* GET /v2/REPO/blobs/DIGEST, following redirects (to storage), streamed to
 * sink from byte offset (Range: bytes=OFFSET-).  sink returns 0 or -errno
 * (which ends the transfer and is returned).  sink(ctx, NULL, 0) means
 * "drop what you have: the data starts over at byte 0": the server
 * ignored the range (200 instead of 206), before the first byte or on a
 * retry after a broken transfer (which otherwise resumes where it broke);
 * *restarted (may be NULL) then ends true.  The bytes are not checked
 * against the digest here: the caller, which has the whole blob, does. */
int registry_get_blob(struct registry *r, const char *digest, uint64_t offset,
		      int (*sink)(void *ctx, const void *buf, size_t n), void *ctx, bool *restarted,
		      struct hull_err *e);

#endif
