/* SHA-256 through libcrypto's EVP interface (never hand-written). */
#include <openssl/evp.h>
#include <stdio.h>

#include "internal.h"

int ovl_hash_init(struct ovl_hash *h, struct cap_error **err)
{
	h->n = 0;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		ovl_hash_free(h);
		return cap_fail(err, 0, "sha256: cannot initialise libcrypto digest");
	}
	return 0;
}

void ovl_hash_update(struct ovl_hash *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
	h->n += (long long)len;
}

void ovl_hash_final(struct ovl_hash *h, char hex[OVL_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(h->ctx, md, &len);
	for (unsigned int i = 0; i < len && i < OVL_HEX_LEN / 2; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[OVL_HEX_LEN] = '\0';
}

void ovl_hash_free(struct ovl_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
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
