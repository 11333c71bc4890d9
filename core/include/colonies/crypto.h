/*
 * libcolonies: keys, ids and signatures, byte-identical to the Colonies
 * server's implementation.
 *
 * A private key is 64 hex characters (a secp256k1 scalar 0 < k < n). An id
 * is SHA3-256 of the lowercase hex of the uncompressed public key, as 64 hex
 * characters. A signature is r || s || v (v the recovery id) as 130 hex
 * characters, over SHA3-256 of the message, with an RFC 6979 nonce and low s.
 * Hex input may be upper or lower case; output is always lower case.
 *
 * All functions are thread-safe. Outputs are set to NULL on entry and on
 * success hold a string the caller releases with colonies_free().
 */
#ifndef COLONIES_CRYPTO_H
#define COLONIES_CRYPTO_H

#include "colonies/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new random private key (64 hex), from OpenSSL's CSPRNG. */
COLONIES_API colonies_status colonies_crypto_prvkey(char **out_prvkey);

/* The id (64 hex) of a private key. COLONIES_ECRYPTO for an invalid key. */
COLONIES_API colonies_status colonies_crypto_id(char **out_id, const char *prvkey);

/* SHA3-256 (FIPS 202) of msg[0..msg_len), as 64 hex. msg may be NULL when msg_len is 0. */
COLONIES_API colonies_status colonies_crypto_hash(char **out_hash, const char *msg, size_t msg_len);

/* Signs msg[0..msg_len) with prvkey; the signature is 130 hex. */
COLONIES_API colonies_status colonies_crypto_sign(char **out_sig, const char *msg, size_t msg_len,
                                      const char *prvkey);

/*
 * The id of the key that made sig over msg. COLONIES_ECRYPTO when sig is
 * malformed (length, hex, r or s not below the curve order, s above half the
 * order, recovery id above 7) or no key can be recovered.
 */
COLONIES_API colonies_status colonies_crypto_recover_id(char **out_id, const char *msg, size_t msg_len,
                                            const char *sig);

/*
 * Checks that sig over msg was made by the key whose id is id. Returns
 * COLONIES_OK when it was, COLONIES_ECRYPTO when it was not or sig is
 * malformed, COLONIES_EINVAL when id is not 64 hex.
 */
COLONIES_API colonies_status colonies_crypto_verify(const char *id, const char *msg, size_t msg_len,
                                        const char *sig);

#ifdef __cplusplus
}
#endif
#endif
