/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/digest.h: streaming sha256 (OpenSSL's EVP, libcrypto) written as
 * an OCI digest, "sha256:" and 64 lowercase hex digits (image-spec
 * descriptor.md).  Linked only into the image helper (Makefile IMG_LIBS). */
#ifndef HULL_DIGEST_H
#define HULL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

/* "sha256:" + 64 hex + NUL */
#define DIGEST_LEN 72

struct digest {
	void *ctx;  /* EVP_MD_CTX; NULL until digest_init */
};

/* 0, or -ENOMEM when libcrypto could not set up a context. */
int digest_init(struct digest *d);
void digest_update(struct digest *d, const void *p, size_t n);
/* The digest of everything given so far into out; frees the context. */
void digest_final(struct digest *d, char out[DIGEST_LEN]);
/* Frees the context if digest_final did not (safe to call twice). */
void digest_free(struct digest *d);

/* Whether s is a sha256 digest as OCI writes it: "sha256:" and exactly 64
 * lowercase hex digits (the only form digest_final produces, so a digest
 * written any other way can never match). */
bool digest_is_sha256(const char *s);
/* Whether the computed digest equals the expected one (both full strings). */
bool digest_matches(const char *computed, const char *expected);

#endif
