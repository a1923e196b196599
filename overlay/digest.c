/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/digest.c: sha256 through libcrypto's EVP interface (the low-level
 * SHA256_* calls are deprecated in OpenSSL 3; EVP picks the SHA-NI code on
 * CPUs that have it). */
#include "overlay/digest.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

int digest_init(struct digest *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	d->ctx = NULL;
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	d->ctx = ctx;
	return 0;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
	/* Cannot fail for a software sha256 once initialised. */
	if (n)
		EVP_DigestUpdate(d->ctx, p, n);
}

void digest_final(struct digest *d, char out[DIGEST_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(d->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = 0;
	digest_free(d);
}

void digest_free(struct digest *d)
{
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
}

bool digest_is_sha256(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7))
		return false;
	for (int i = 7; i < 71; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[71] == 0;
}

bool digest_matches(const char *computed, const char *expected)
{
	return digest_is_sha256(expected) && !strcmp(computed, expected);
}
