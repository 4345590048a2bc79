/* SHA-256 through libcrypto (never hand-written).  The low-level SHA256_*
 * calls, deprecated in OpenSSL 3 but kept: the EVP interface would link in
 * (and relocate at every start of the binary) libcrypto's provider tables,
 * ~300 KB of pointers, and set up the default provider on first use. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int ovl_hash_init(struct ovl_hash *h, struct cap_error **err)
{
	h->n = 0;
	h->ctx = malloc(sizeof(SHA256_CTX));
	if (!h->ctx || SHA256_Init(h->ctx) != 1) {
		ovl_hash_free(h);
		return cap_fail(err, 0, "sha256: cannot initialise libcrypto digest");
	}
	return 0;
}

void ovl_hash_update(struct ovl_hash *h, const void *buf, size_t len)
{
	SHA256_Update(h->ctx, buf, len);
	h->n += (long long)len;
}

void ovl_hash_final(struct ovl_hash *h, char hex[OVL_HEX_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_Final(md, h->ctx);
	for (unsigned int i = 0; i < SHA256_DIGEST_LENGTH && i < OVL_HEX_LEN / 2; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[OVL_HEX_LEN] = '\0';
}

void ovl_hash_free(struct ovl_hash *h)
{
	free(h->ctx);
	h->ctx = NULL;
}

int ovl_hash_buf(const void *buf, size_t len, char hex[OVL_HEX_LEN + 1], struct cap_error **err)
{
	struct ovl_hash h;
	if (ovl_hash_init(&h, err) < 0)
		return -1;
	ovl_hash_update(&h, buf, len);
	ovl_hash_final(&h, hex);
	ovl_hash_free(&h);
	return 0;
}
