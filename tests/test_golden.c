/*
 * Golden payloads, no server needed: for every operation the server serves
 * (over POST, or as a websocket's first frame), tests/golden/payloads.json
 * holds sample parameters and the message the server's own pkg/rpc
 * constructors build from them
 * (tests/upstream writes it from the server module's code, and the list of
 * served message types from its source). The core must build the same
 * message from the same parameters, in a signed envelope that verifies.
 * Prints the coverage: operations the registry types over message types the
 * server serves.
 */
#include <cjson/cJSON.h>

#include "check.h"

static const char *KEY = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05";

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes standard base64 (the test's own decoder, independent of the core's). */
static char *b64_decode(const char *in)
{
    size_t n = strlen(in), o = 0;
    char *out = malloc(n / 4 * 3 + 1);
    if (out == NULL) return NULL;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        int v = b64_value(in[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    return out;
}

/* The number of times needle occurs in text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* The registry's row for an operation. */
static const cJSON *row(const cJSON *registry, const char *name)
{
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItem(registry, "operations"))
    {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(op, "name"));
        if (n && strcmp(n, name) == 0) return op;
    }
    return NULL;
}

static int in_list(const cJSON *list, const char *s)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, s) == 0) return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_golden tests/golden/payloads.json\n");
        return 2;
    }
    char *text = read_file(argv[1]);
    cJSON *golden = cJSON_Parse(text);
    free(text);
    CHECK(golden != NULL);
    if (golden == NULL) return check_summary("test_golden");
    char *id = NULL;
    CHECK_RC(colonies_crypto_id(&id, KEY), COLONIES_OK);
    cJSON *registry = cJSON_Parse(colonies_registry());
    CHECK(registry != NULL);

    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(golden, "cases"))
    {
        const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(c, "operation"));
        const char *msgtype = cJSON_GetStringValue(cJSON_GetObjectItem(c, "msgtype"));
        CHECK(op != NULL && msgtype != NULL);
        if (op == NULL || msgtype == NULL) continue;
        char *params = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "params"));
        char *want = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "payload"));
        char *envelope_text = NULL;
        int rc = colonies_request_encode(&envelope_text, op, params, KEY);
        CHECK_RC(rc, COLONIES_OK);
        if (rc) fprintf(stderr, "  %s: %s\n", op, colonies_last_error());
        cJSON *envelope = envelope_text ? cJSON_Parse(envelope_text) : NULL;
        const char *payload_b64 = cJSON_GetStringValue(cJSON_GetObjectItem(envelope, "payload"));
        const char *sig = cJSON_GetStringValue(cJSON_GetObjectItem(envelope, "signature"));
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(envelope, "payloadtype")), msgtype);
        CHECK(payload_b64 != NULL && sig != NULL);
        if (payload_b64 && sig) {
            /* The envelope verifies: the signature over the base64 text recovers the key's id. */
            const char *signer = cJSON_GetStringValue(cJSON_GetObjectItem(row(registry, op), "signer"));
            if (signer && strcmp(signer, "none") == 0)
                CHECK_STR(sig, "");
            else
                CHECK_RC(colonies_crypto_verify(id, payload_b64, strlen(payload_b64), sig), COLONIES_OK);
            char *got = b64_decode(payload_b64);
            cJSON *got_json = got ? cJSON_Parse(got) : NULL, *want_json = cJSON_Parse(want);
            int same = cJSON_Compare(got_json, want_json, 1);
            if (!same) fprintf(stderr, "  %s:\n    got  %s\n    want %s\n", op, got ? got : "(none)", want);
            CHECK(same);
            /* Large integers are copied as written, never rounded through a double. */
            CHECK(occurrences(got ? got : "", "1732921234567891234") == occurrences(want, "1732921234567891234"));
            cJSON_Delete(got_json);
            cJSON_Delete(want_json);
            free(got);
        }
        cJSON_Delete(envelope);
        colonies_free(envelope_text);
        free(params);
        free(want);
        cases++;
    }

    /* Coverage, counted against the server's source, not against the registry. */
    const cJSON *served = cJSON_GetObjectItem(golden, "served");
    int total = 0, typed = 0, by_group[3] = {0};
    const char *groups[] = {"signed", "unsigned", "websocket"};
    for (int g = 0; g < 3; g++) {
        const cJSON *m;
        cJSON_ArrayForEach(m, cJSON_GetObjectItem(served, groups[g]))
        {
            total++;
            const cJSON *op;
            cJSON_ArrayForEach(op, cJSON_GetObjectItem(registry, "operations"))
            {
                const char *msgtype = cJSON_GetStringValue(cJSON_GetObjectItem(op, "msgtype"));
                const char *signer = cJSON_GetStringValue(cJSON_GetObjectItem(op, "signer"));
                const char *transport = cJSON_GetStringValue(cJSON_GetObjectItem(op, "transport"));
                if (msgtype == NULL || strcmp(msgtype, m->valuestring) != 0) continue;
                typed++;
                by_group[g]++;
                /* The registry signs exactly what the server checks the signature of, and
                 * opens a websocket for exactly the server's subscriptions. */
                int is_signed = strcmp(signer ? signer : "", "none") != 0;
                CHECK(is_signed == (g != 1));
                CHECK((transport != NULL && strcmp(transport, "websocket") == 0) == (g == 2));
            }
        }
    }
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItem(registry, "operations"))
    {
        /* No row for a type the server does not serve; a local operation (run by the
         * client out of S3 and other messages) has no message type of its own. */
        const char *msgtype = cJSON_GetStringValue(cJSON_GetObjectItem(op, "msgtype"));
        const char *transport = cJSON_GetStringValue(cJSON_GetObjectItem(op, "transport"));
        if (transport && strcmp(transport, "local") == 0) {
            CHECK(msgtype == NULL);
            continue;
        }
        CHECK(msgtype && !in_list(cJSON_GetObjectItem(served, "unserved"), msgtype));
    }
    printf("C coverage: %d of the %d message types the server serves are typed operations "
           "(%d signed and %d unsigned over POST, %d websocket subscriptions); %d golden payloads match the "
           "server's constructors\n",
           typed, total, by_group[0], by_group[1], by_group[2], cases);
    CHECK(total == 99 && typed == total && cases == total);
    cJSON_Delete(registry);
    cJSON_Delete(golden);
    colonies_free(id);
    return check_summary("test_golden");
}
