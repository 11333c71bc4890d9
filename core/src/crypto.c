/*
 * Keys, ids and signatures over libsecp256k1 (with its recovery module) and
 * OpenSSL's SHA3-256 and CSPRNG.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "internal.h"

#define PRVKEY_HEX 64
#define SIG_BYTES 65
#define SIG_HEX 130

static secp256k1_context *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

/*
 * libsecp256k1's default callbacks abort the process on misuse. Arguments are
 * validated before every call, so reaching one is a library bug; record it
 * instead of taking the host process down.
 */
static void illegal_callback(const char *msg, void *data)
{
    (void)data;
    cl_fail(COLONIES_ECRYPTO, "secp256k1: %s", msg);
}

static void ctx_init(void)
{
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == NULL) return;
    secp256k1_context_set_illegal_callback(c, illegal_callback, NULL);
    secp256k1_context_set_error_callback(c, illegal_callback, NULL);
    /* Blinding against side channels: randomise once, before any sharing. */
    unsigned char seed[32];
    if (RAND_bytes(seed, sizeof seed) == 1 && !secp256k1_context_randomize(c, seed)) {
        /* Blinding is a defence in depth; an unblinded context still signs correctly. */
    }
    OPENSSL_cleanse(seed, sizeof seed);
    ctx = c;
}

static const secp256k1_context *get_ctx(void)
{
    pthread_once(&ctx_once, ctx_init);
    return ctx;
}

static int sha3_256(unsigned char out[32], const void *msg, size_t len)
{
    unsigned int out_len = 0;
    if (EVP_Digest(len ? msg : "", len, out, &out_len, EVP_sha3_256(), NULL) != 1 || out_len != 32)
        return cl_fail(COLONIES_ECRYPTO, "SHA3-256 failed in OpenSSL");
    return COLONIES_OK;
}

/* Validates the text of a private key and decodes it into a valid scalar. */
static int parse_prvkey(unsigned char key[32], const char *prvkey)
{
    if (prvkey == NULL) return cl_fail(COLONIES_EINVAL, "private key is NULL");
    size_t len = strnlen(prvkey, PRVKEY_HEX + 1);
    if (len != PRVKEY_HEX)
        return cl_fail(COLONIES_ECRYPTO, "private key must be 64 hex characters, got %s%zu",
                       len > PRVKEY_HEX ? "more than " : "", len > PRVKEY_HEX ? (size_t)PRVKEY_HEX : len);
    if (cl_hex_decode(key, 32, prvkey) != 0) {
        /* The bytes before the bad character were decoded: wiped too. */
        OPENSSL_cleanse(key, 32);
        return cl_fail(COLONIES_ECRYPTO, "private key contains a non-hex character");
    }
    const secp256k1_context *c = get_ctx();
    if (c == NULL) {
        OPENSSL_cleanse(key, 32);
        return cl_fail(COLONIES_ENOMEM, "cannot create the secp256k1 context");
    }
    if (!secp256k1_ec_seckey_verify(c, key)) {
        OPENSSL_cleanse(key, 32);
        return cl_fail(COLONIES_ECRYPTO, "private key is zero or not below the secp256k1 order");
    }
    return COLONIES_OK;
}

/* The id of a public key: SHA3-256 of the lowercase hex of its uncompressed form. */
static int id_of_pubkey(char out[65], const secp256k1_pubkey *pub)
{
    unsigned char ser[65];
    size_t ser_len = sizeof ser;
    secp256k1_ec_pubkey_serialize(get_ctx(), ser, &ser_len, pub, SECP256K1_EC_UNCOMPRESSED);
    char hex[131];
    cl_hex_encode(hex, ser, ser_len);
    unsigned char digest[32];
    int rc = sha3_256(digest, hex, 130);
    if (rc == 0) cl_hex_encode(out, digest, 32);
    return rc;
}

static int out_copy(char **out, const char *text)
{
    *out = cl_strdup(text);
    return *out ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
}

colonies_status colonies_crypto_prvkey(char **out_prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_prvkey);
    const secp256k1_context *c = get_ctx();
    if (c == NULL) return cl_fail(COLONIES_ENOMEM, "cannot create the secp256k1 context");
    unsigned char key[32];
    do {
        if (RAND_bytes(key, sizeof key) != 1)
            return cl_fail(COLONIES_ECRYPTO, "OpenSSL's random generator failed");
    } while (!secp256k1_ec_seckey_verify(c, key));
    char hex[PRVKEY_HEX + 1];
    cl_hex_encode(hex, key, 32);
    int rc = out_copy(out_prvkey, hex);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(hex, sizeof hex);
    return rc;
}

colonies_status colonies_crypto_id(char **out_id, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_id);
    unsigned char key[32];
    int rc = parse_prvkey(key, prvkey);
    if (rc != 0) return rc;
    secp256k1_pubkey pub;
    int ok = secp256k1_ec_pubkey_create(get_ctx(), &pub, key);
    OPENSSL_cleanse(key, sizeof key);
    if (!ok) return cl_fail(COLONIES_ECRYPTO, "cannot derive a public key");
    char id[65];
    rc = id_of_pubkey(id, &pub);
    return rc ? rc : out_copy(out_id, id);
}

colonies_status colonies_crypto_hash(char **out_hash, const char *msg, size_t msg_len)
{
    cl_clear_error();
    CL_CHECK_OUT(out_hash);
    if (msg == NULL && msg_len) return cl_fail(COLONIES_EINVAL, "msg is NULL");
    unsigned char digest[32];
    int rc = sha3_256(digest, msg, msg_len);
    if (rc) return rc;
    char hex[65];
    cl_hex_encode(hex, digest, 32);
    return out_copy(out_hash, hex);
}

int cl_sign_raw(char out_sig[SIG_HEX + 1], const unsigned char *msg, size_t len, const char *prvkey)
{
    unsigned char key[32], digest[32];
    int rc = parse_prvkey(key, prvkey);
    if (rc) return rc;
    rc = sha3_256(digest, msg, len);
    if (rc) {
        OPENSSL_cleanse(key, sizeof key);
        return rc;
    }
    secp256k1_ecdsa_recoverable_signature sig;
    /* NULL nonce function: RFC 6979; libsecp256k1 always produces low s. */
    int ok = secp256k1_ecdsa_sign_recoverable(get_ctx(), &sig, digest, key, NULL, NULL);
    OPENSSL_cleanse(key, sizeof key);
    if (!ok) return cl_fail(COLONIES_ECRYPTO, "signing failed");
    unsigned char raw[SIG_BYTES];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(get_ctx(), raw, &recid, &sig);
    raw[64] = (unsigned char)recid;
    cl_hex_encode(out_sig, raw, SIG_BYTES);
    return COLONIES_OK;
}

colonies_status colonies_crypto_sign(char **out_sig, const char *msg, size_t msg_len, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_sig);
    if (msg == NULL && msg_len) return cl_fail(COLONIES_EINVAL, "msg is NULL");
    char sig[SIG_HEX + 1];
    int rc = cl_sign_raw(sig, (const unsigned char *)msg, msg_len, prvkey);
    return rc ? rc : out_copy(out_sig, sig);
}

/* Parses and checks a signature the way the server does, then recovers the key. */
static int recover(secp256k1_pubkey *pub, const char *msg, size_t msg_len, const char *sig)
{
    if (msg == NULL && msg_len) return cl_fail(COLONIES_EINVAL, "msg is NULL");
    if (sig == NULL) return cl_fail(COLONIES_EINVAL, "signature is NULL");
    size_t len = strnlen(sig, SIG_HEX + 1);
    if (len != SIG_HEX)
        return cl_fail(COLONIES_ECRYPTO, "signature must be 130 hex characters, got %s%zu",
                       len > SIG_HEX ? "more than " : "", len > SIG_HEX ? (size_t)SIG_HEX : len);
    unsigned char raw[SIG_BYTES];
    if (cl_hex_decode(raw, SIG_BYTES, sig) != 0)
        return cl_fail(COLONIES_ECRYPTO, "signature contains a non-hex character");
    /* Like the server, accept 4..7 (the "compressed key" flag) as 0..3. */
    if (raw[64] > 7)
        return cl_fail(COLONIES_ECRYPTO, "signature recovery id must be 0 to 7, got %d", raw[64]);
    int recid = raw[64] & 3;
    const secp256k1_context *c = get_ctx();
    if (c == NULL) return cl_fail(COLONIES_ENOMEM, "cannot create the secp256k1 context");
    secp256k1_ecdsa_recoverable_signature rsig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rsig, raw, recid))
        return cl_fail(COLONIES_ECRYPTO, "signature r or s is not below the secp256k1 order");
    secp256k1_ecdsa_signature plain;
    secp256k1_ecdsa_recoverable_signature_convert(c, &plain, &rsig);
    /* normalize returns 1 when s was high: the server rejects those. */
    if (secp256k1_ecdsa_signature_normalize(c, NULL, &plain))
        return cl_fail(COLONIES_ECRYPTO, "signature s is above half the secp256k1 order (high s)");
    unsigned char digest[32];
    int rc = sha3_256(digest, msg, msg_len);
    if (rc) return rc;
    /* A recovered key verifies the signature by construction, so the
     * server's extra verify step would only double the cost here. */
    if (!secp256k1_ecdsa_recover(c, pub, &rsig, digest))
        return cl_fail(COLONIES_ECRYPTO, "no public key can be recovered from the signature");
    return COLONIES_OK;
}

colonies_status colonies_crypto_recover_id(char **out_id, const char *msg, size_t msg_len, const char *sig)
{
    cl_clear_error();
    CL_CHECK_OUT(out_id);
    secp256k1_pubkey pub;
    int rc = recover(&pub, msg, msg_len, sig);
    if (rc) return rc;
    char id[65];
    rc = id_of_pubkey(id, &pub);
    return rc ? rc : out_copy(out_id, id);
}

colonies_status colonies_crypto_verify(const char *id, const char *msg, size_t msg_len, const char *sig)
{
    cl_clear_error();
    unsigned char want[32];
    if (id == NULL || strnlen(id, 65) != 64 || cl_hex_decode(want, 32, id) != 0)
        return cl_fail(COLONIES_EINVAL, "id must be 64 hex characters");
    secp256k1_pubkey pub;
    int rc = recover(&pub, msg, msg_len, sig);
    if (rc) return rc;
    char got[65], want_hex[65];
    rc = id_of_pubkey(got, &pub);
    if (rc) return rc;
    cl_hex_encode(want_hex, want, 32);
    if (strcmp(got, want_hex) != 0)
        return cl_fail(COLONIES_ECRYPTO, "signature was made by %s, not by %s", got, want_hex);
    return COLONIES_OK;
}
