/*
 * Sign and recover through libcolonies beside raw libsecp256k1 in the same
 * run. Each figure is the median, over RUNS batches, of the time per
 * operation in a batch of BATCH operations.
 *
 * The core's operations include what the protocol needs around the curve
 * math: hex decoding and key validation, SHA3-256 of the message and hex
 * encoding; the raw figures are the bare libsecp256k1 calls on a ready
 * 32-byte digest, the floor the core can approach.
 */
#include <stdio.h>
#include <string.h>

#include <colonies/colonies.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "timing.h"

#define RUNS 51
#define BATCH 200

static const char *KEY = "d6eb959e9aec2e6fdc44b5862b269e987b8a4d6f2baca542d8acaa97ee5e74f6";
/* A typical signed payload: the base64 of a small message, ~100 bytes. */
static const char *MSG = "eyJtc2d0eXBlIjoiZ2V0cHJvY2Vzc21zZyIsInByb2Nlc3NpZCI6IjEyMzQ1Njc4OTAxMjM0NTY3ODkwIn0=";

int main(void)
{
    double core_sign[RUNS], core_recover[RUNS], raw_sign[RUNS], raw_recover[RUNS];
    size_t len = strlen(MSG);
    char *sig = NULL;
    if (colonies_crypto_sign(&sig, MSG, len, KEY) != COLONIES_OK) return 1;

    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    unsigned char seckey[32], digest[32] = {1, 2, 3};
    for (int i = 0; i < 32; i++) sscanf(KEY + 2 * i, "%2hhx", &seckey[i]);
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pub;

    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        for (int i = 0; i < BATCH; i++) {
            char *s = NULL;
            if (colonies_crypto_sign(&s, MSG, len, KEY) != COLONIES_OK) return 1;
            colonies_free(s);
        }
        double t1 = now_s();
        for (int i = 0; i < BATCH; i++) {
            char *id = NULL;
            if (colonies_crypto_recover_id(&id, MSG, len, sig) != COLONIES_OK) return 1;
            colonies_free(id);
        }
        double t2 = now_s();
        for (int i = 0; i < BATCH; i++)
            if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest, seckey, NULL, NULL)) return 1;
        double t3 = now_s();
        for (int i = 0; i < BATCH; i++)
            if (!secp256k1_ecdsa_recover(ctx, &pub, &rsig, digest)) return 1;
        double t4 = now_s();
        core_sign[r] = (t1 - t0) / BATCH * 1e6;
        core_recover[r] = (t2 - t1) / BATCH * 1e6;
        raw_sign[r] = (t3 - t2) / BATCH * 1e6;
        raw_recover[r] = (t4 - t3) / BATCH * 1e6;
    }
    colonies_free(sig);
    secp256k1_context_destroy(ctx);
    printf("median over %d runs of %d operations, message %zu bytes\n", RUNS, BATCH, len);
    printf("%-34s %8.1f us/op\n", "libcolonies sign (hex in/out)", median(core_sign, RUNS));
    printf("%-34s %8.1f us/op\n", "libsecp256k1 sign_recoverable", median(raw_sign, RUNS));
    printf("%-34s %8.1f us/op\n", "libcolonies recover id", median(core_recover, RUNS));
    printf("%-34s %8.1f us/op\n", "libsecp256k1 ecdsa_recover", median(raw_recover, RUNS));
    return 0;
}
