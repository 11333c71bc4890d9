/* Keys, ids and signatures in hex: a private key to sign with, a signature
 * to recover an id from, an id to verify against. The input is the text. */
#include "fuzz.h"

#include "colonies/colonies.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL) return 0;
    char *out = NULL;
    if (colonies_crypto_sign(&out, "message", 7, text) == COLONIES_OK) {
        /* A key that signs gives a signature its id recovers from. */
        char *id = NULL, *rec = NULL;
        if (colonies_crypto_id(&id, text) != COLONIES_OK || colonies_crypto_recover_id(&rec, "message", 7, out) ||
            strcmp(id, rec) != 0)
            __builtin_trap();
        colonies_free(id);
        colonies_free(rec);
        colonies_free(out);
    }
    out = NULL;
    if (colonies_crypto_recover_id(&out, text, size, text) == COLONIES_OK) colonies_free(out);
    (void)colonies_crypto_verify(text, "message", 7, text);
    out = NULL;
    if (colonies_crypto_hash(&out, text, size) == COLONIES_OK) colonies_free(out);
    free(text);
    return 0;
}
