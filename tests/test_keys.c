/*
 * Key hygiene: after the library has used a private key, successfully or
 * not, the key's raw bytes are nowhere in the process's memory (heap, stacks,
 * data), not even the part a failed decode had written.
 *
 * The test never holds the raw key itself: it keeps the bytes XORed with a
 * random mask, and looks through every readable, writable mapping of the
 * process (read through /proc/self/mem) for a window that unmasks to them.
 */
#include <fcntl.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "check.h"

#define LOOK 16 /* bytes of the key looked for: a match by chance is out of the question */

static unsigned char mask[LOOK], masked[LOOK];

static int nib(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* masked = the key's first LOOK raw bytes ^ mask, computed byte by byte. */
static void remember(const char *hex)
{
    RAND_bytes(mask, sizeof mask);
    for (int i = 0; i < LOOK; i++) masked[i] = (unsigned char)(((nib(hex[2 * i]) << 4) | nib(hex[2 * i + 1])) ^ mask[i]);
}

static int match_at(const unsigned char *p)
{
    for (int j = 0; j < LOOK; j++)
        if ((unsigned char)(p[j] ^ mask[j]) != masked[j]) return 0;
    return 1;
}

/* How many places in the process's writable memory hold the key's raw bytes. */
static int occurrences(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    if (maps == NULL || mem < 0) {
        fprintf(stderr, "test_keys: cannot read /proc/self/maps or /proc/self/mem\n");
        exit(1);
    }
    static unsigned char buf[1 << 20];
    int found = 0;
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[1] != 'w') continue;
        /* Not a sanitizer's shadow memory: terabytes reserved, never the library's data. */
        if (hi - lo > (1UL << 32)) continue;
        /* Overlapping reads, so that a match across two reads is seen. */
        for (unsigned long at = lo; at < hi; at += sizeof buf - LOOK) {
            size_t want = hi - at < sizeof buf ? hi - at : sizeof buf;
            ssize_t n = pread(mem, buf, want, (off_t)at);
            if (n < LOOK) break;
            for (ssize_t i = 0; i + LOOK <= n; i++)
                if (buf[i] == (unsigned char)(masked[0] ^ mask[0]) && match_at(buf + i)) found++;
            if ((size_t)n < want) break;
        }
    }
    /* The last read may hold a match: the buffer is wiped before it is looked at again. */
    memset(buf, 0, sizeof buf);
    fclose(maps);
    close(mem);
    return found;
}

/*
 * Runs use() 64 KiB further down the stack than the scan's own frames reach,
 * so that what the library left in its dead frames is still there when the
 * scan looks.
 */
static void __attribute__((noinline)) deep(void (*use)(const char *), const char *key)
{
    volatile char pad[1 << 16];
    pad[0] = 0;
    pad[sizeof pad - 1] = 0;
    use(key);
    pad[1] = 0; /* no tail call: use() runs below pad */
}

static void use_well(const char *key)
{
    char *out = NULL;
    CHECK_RC(colonies_crypto_id(&out, key), COLONIES_OK);
    colonies_free(out);
    out = NULL;
    CHECK_RC(colonies_crypto_sign(&out, "message", 7, key), COLONIES_OK);
    colonies_free(out);
    out = NULL;
    CHECK_RC(colonies_request_encode(&out, "get_colony", "{\"colonyname\":\"dev\"}", key), COLONIES_OK);
    colonies_free(out);
}

static void use_spoilt_sign(const char *spoilt)
{
    char *out = NULL;
    CHECK_RC(colonies_crypto_sign(&out, "message", 7, spoilt), COLONIES_ECRYPTO);
}

static void use_spoilt_id(const char *spoilt)
{
    char *out = NULL;
    CHECK_RC(colonies_crypto_id(&out, spoilt), COLONIES_ECRYPTO);
}

static void use_spoilt_request(const char *spoilt)
{
    char *out = NULL;
    CHECK_RC(colonies_request_encode(&out, "get_colony", "{\"colonyname\":\"dev\"}", spoilt), COLONIES_ECRYPTO);
}

static void keep_copy(const char *key)
{
    (void)key;
    volatile unsigned char copy[LOOK];
    for (int i = 0; i < LOOK; i++) copy[i] = masked[i] ^ mask[i];
    __asm__ volatile("" : : "r"(copy) : "memory"); /* kept, as a careless library would keep it */
}

int main(void)
{
    char *key = NULL;
    CHECK_RC(colonies_crypto_prvkey(&key), COLONIES_OK);
    if (key == NULL) return check_summary("test_keys");
    remember(key);
    CHECK(occurrences() == 0); /* made and encoded, then wiped */

    /* Successful uses, then each failed one: the key with its last byte
     * spoilt, which decodes 31 bytes before it fails. */
    char spoilt[65];
    snprintf(spoilt, sizeof spoilt, "%.62szz", key);
    struct {
        const char *what;
        void (*use)(const char *);
        const char *key;
    } uses[] = {{"id, sign and a signed request", use_well, key},
                {"a failed sign", use_spoilt_sign, spoilt},
                {"a failed id", use_spoilt_id, spoilt},
                {"a failed signed request", use_spoilt_request, spoilt}};
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
        deep(uses[i].use, uses[i].key);
        int n = occurrences();
        printf("after %s: %d place(s) hold the key's raw bytes\n", uses[i].what, n);
        CHECK(n == 0);
    }
    memset(spoilt, 0, sizeof spoilt);

    /* The check can fail: raw bytes left in a dead frame as deep are found. */
    deep(keep_copy, NULL);
    int planted = occurrences();
    CHECK(planted >= 1);
    printf("a copy left on purpose: found in %d place(s)\n", planted);
    colonies_free(key);
    return check_summary("test_keys");
}
