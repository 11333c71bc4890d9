/* Crypto against the shared vectors (tests/vectors/crypto.json) and bad input. */
#include <cjson/cJSON.h>

#include "check.h"

/* A vector's string field; a missing one fails a check rather than crash. */
static const char *str(const cJSON *obj, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
    CHECK(s != NULL);
    return s ? s : "";
}

static void test_ids(const cJSON *v)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(v, "ids"))
    {
        char *id = NULL;
        CHECK_RC(colonies_crypto_id(&id, str(item, "prvkey")), COLONIES_OK);
        CHECK_STR(id, str(item, "id"));
        colonies_free(id);
    }
}

static void test_signatures(const cJSON *v)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(v, "signatures"))
    {
        const char *msg = str(item, "msg");
        char *sig = NULL, *id = NULL;
        CHECK_RC(colonies_crypto_sign(&sig, msg, strlen(msg), str(item, "prvkey")), COLONIES_OK);
        CHECK_STR(sig, str(item, "signature"));
        CHECK_RC(colonies_crypto_recover_id(&id, msg, strlen(msg), str(item, "signature")), COLONIES_OK);
        CHECK_STR(id, str(item, "id"));
        CHECK_RC(colonies_crypto_verify(str(item, "id"), msg, strlen(msg), str(item, "signature")), COLONIES_OK);
        /* The same signature over another message recovers another key. */
        CHECK_RC(colonies_crypto_verify(str(item, "id"), "other", 5, str(item, "signature")), COLONIES_ECRYPTO);
        colonies_free(sig);
        colonies_free(id);
    }
}

static void test_hashes(const cJSON *v)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(v, "hashes"))
    {
        char *h = NULL;
        const char *msg = str(item, "msg");
        CHECK_RC(colonies_crypto_hash(&h, msg, strlen(msg)), COLONIES_OK);
        CHECK_STR(h, str(item, "hash"));
        colonies_free(h);
    }
}

static void test_bad_input(const cJSON *v)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(v, "bad_prvkeys"))
    {
        char *out = (char *)"untouched";
        CHECK_RC(colonies_crypto_id(&out, str(item, "prvkey")), COLONIES_ECRYPTO);
        CHECK(out == NULL);
        CHECK(strstr(colonies_last_error(), "private key") != NULL);
        out = (char *)"untouched";
        CHECK_RC(colonies_crypto_sign(&out, "m", 1, str(item, "prvkey")), COLONIES_ECRYPTO);
        CHECK(out == NULL);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(v, "bad_signatures"))
    {
        char *out = NULL;
        const char *msg = str(item, "msg");
        CHECK_RC(colonies_crypto_recover_id(&out, msg, strlen(msg), str(item, "signature")), COLONIES_ECRYPTO);
        CHECK(out == NULL);
        CHECK(strstr(colonies_last_error(), "signature") != NULL);
        if (strstr(colonies_last_error(), "signature") == NULL) fprintf(stderr, "  case: %s\n", str(item, "why"));
    }
    const cJSON *w = cJSON_GetObjectItem(v, "wrong_recovery_id");
    char *id = NULL;
    int rc = colonies_crypto_recover_id(&id, "hello", 5, str(w, "signature"));
    CHECK(rc == COLONIES_ECRYPTO || (rc == COLONIES_OK && strcmp(id, str(w, "signer_id")) != 0));
    colonies_free(id);
    CHECK_RC(colonies_crypto_verify(str(w, "signer_id"), "hello", 5, str(w, "signature")), COLONIES_ECRYPTO);

    /* NULL arguments are errors, never crashes. */
    CHECK_RC(colonies_crypto_id(NULL, "00"), COLONIES_EINVAL);
    CHECK_RC(colonies_crypto_id(&id, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_crypto_sign(&id, NULL, 3, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_crypto_hash(&id, NULL, 1), COLONIES_EINVAL);
    CHECK_RC(colonies_crypto_recover_id(&id, "m", 1, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_crypto_verify("xyz", "m", 1, "00"), COLONIES_EINVAL);
    /* The last error is cleared by the next successful call. */
    char *h = NULL;
    CHECK_RC(colonies_crypto_hash(&h, NULL, 0), COLONIES_OK);
    CHECK_STR(colonies_last_error(), "");
    colonies_free(h);
}

/* Random keys: sign and recover round trips, and uppercase hex input. */
static void test_roundtrips(void)
{
    for (int i = 0; i < 200; i++) {
        char *key = NULL, *id = NULL, *sig = NULL, *rec = NULL;
        char msg[64];
        int n = snprintf(msg, sizeof msg, "message %d", i);
        CHECK_RC(colonies_crypto_prvkey(&key), COLONIES_OK);
        CHECK(key && strlen(key) == 64);
        CHECK_RC(colonies_crypto_id(&id, key), COLONIES_OK);
        CHECK_RC(colonies_crypto_sign(&sig, msg, (size_t)n, key), COLONIES_OK);
        CHECK_RC(colonies_crypto_recover_id(&rec, msg, (size_t)n, sig), COLONIES_OK);
        CHECK_STR(rec, id);
        if (i == 0) {
            for (char *p = key; *p; p++)
                if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
            char *id2 = NULL;
            CHECK_RC(colonies_crypto_id(&id2, key), COLONIES_OK);
            CHECK_STR(id2, id);
            colonies_free(id2);
        }
        colonies_free(key);
        colonies_free(id);
        colonies_free(sig);
        colonies_free(rec);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/vectors/crypto.json\n", argv[0]);
        return 2;
    }
    char *text = read_file(argv[1]);
    cJSON *v = cJSON_Parse(text);
    if (v == NULL) return 2;
    test_ids(v);
    test_signatures(v);
    test_hashes(v);
    test_bad_input(v);
    test_roundtrips();
    cJSON_Delete(v);
    free(text);
    return check_summary("test_crypto");
}
