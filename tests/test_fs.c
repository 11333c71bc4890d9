/* The colony file system against the real Colonies server and the real S3
 * server that scripts/s3-server starts (its address and keys from the
 * AWS_S3_* variables): round trips of empty, small, non-ASCII-named and
 * multipart files, versions and deletion, sync both ways with conflicts,
 * snapshots, and the failures that must leave no metadata behind. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fault_proxy.h"
#include "fixture.h"

static fixture F;
static char TMP[256];

/* Runs a local operation with parameters formatted like callf's. */
static int fs(colonies_client *client, char **out, const char *op, const char *fmt, ...)
{
    char params[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(params, sizeof params, fmt, ap);
    va_end(ap);
    return colonies_client_call(client, out, op, params, F.exec_key, 0, NULL);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* The whole file, or NULL; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* How many versions of label/name the server knows. */
static int versions(const char *label, const char *name)
{
    char *out = NULL;
    int rc = callf(F.client, &out, "get_file", F.exec_key,
                   "{\"colonyname\":\"%s\",\"label\":\"%s\",\"name\":\"%s\",\"latest\":false}", F.colony, label, name);
    if (rc == COLONIES_ENOTFOUND) return 0;
    CHECK_RC(rc, COLONIES_OK);
    cJSON *v = parse(out);
    int n = cJSON_GetArraySize(v);
    cJSON_Delete(v);
    return n;
}

static void round_trip(const char *label, const char *name, const char *data, size_t len)
{
    char src[512], dir[512], *out = NULL;
    snprintf(src, sizeof src, "%s/src/%s", TMP, name);
    snprintf(dir, sizeof dir, "%s/dl%s", TMP, label);
    write_file(src, data, len);
    CHECK_RC(fs(F.client, &out, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"%s\",\"path\":\"%s\"}", F.colony,
                label, src),
             COLONIES_OK);
    cJSON *file = parse(out);
    CHECK_STR(field(file, "name"), name);
    CHECK(int_field(file, "size") == (int)len);
    CHECK_STR(field(file, "checksumalg"), "SHA256");
    char fileid[80];
    snprintf(fileid, sizeof fileid, "%s", field(file, "fileid"));
    cJSON_Delete(file);
    /* By label and name, into a directory made for it. */
    CHECK_RC(fs(F.client, &out, "download_file", "{\"colonyname\":\"%s\",\"label\":\"%s\",\"name\":\"%s\",\"dir\":\"%s\"}",
                F.colony, label, name, dir),
             COLONIES_OK);
    cJSON *local = parse(out);
    char want[600];
    snprintf(want, sizeof want, "%s/%s", dir, name);
    CHECK_STR(field(local, "path"), want);
    CHECK(same_file(src, want));
    cJSON_Delete(local);
    /* By id, into memory. */
    CHECK_RC(fs(F.client, &out, "download_data", "{\"colonyname\":\"%s\",\"fileid\":\"%s\"}", F.colony, fileid),
             COLONIES_OK);
    cJSON *content = parse(out);
    const char *b64 = field(content, "data");
    size_t b64_len = strlen(b64);
    unsigned char *bytes = malloc(b64_len / 4 * 3 + 1);
    int n = bytes ? EVP_DecodeBlock(bytes, (const unsigned char *)b64, (int)b64_len) : -1;
    /* EVP_DecodeBlock counts the padding's bytes too. */
    size_t pad = b64_len >= 2 ? (b64[b64_len - 1] == '=') + (b64[b64_len - 2] == '=') : 0;
    CHECK(n >= 0 && (size_t)n - pad == len && memcmp(bytes, data, len) == 0);
    free(bytes);
    cJSON_Delete(content);
}

static void test_round_trips(void)
{
    round_trip("/rt", "empty.txt", "", 0);
    round_trip("/rt", "small.txt", "hello, colonies\n", 16);
    round_trip("/rt/ñ", "données ✓ 漢字.txt", "ünïcödé\n", strlen("ünïcödé\n"));
    /* Multipart: 5 MiB parts (the client's s3_part_size) and a short last one. */
    size_t big = 11 * 1024 * 1024 + 3;
    char *data = malloc(big);
    CHECK(data != NULL);
    if (data == NULL) return;
    for (size_t i = 0; i < big; i++) data[i] = (char)(i * 2654435761u >> 13);
    round_trip("/rt/big", "eleven.bin", data, big);
    /* upload_data of bytes given as base64. */
    char *out = NULL;
    CHECK_RC(fs(F.client, &out, "upload_data",
                "{\"colonyname\":\"%s\",\"label\":\"rt/data/\",\"name\":\"d.bin\",\"data\":\"AAFiYw==\"}", F.colony),
             COLONIES_OK);
    cJSON *file = parse(out);
    CHECK_STR(field(file, "label"), "/rt/data"); /* one leading slash, no trailing one */
    CHECK(int_field(file, "size") == 4);
    cJSON_Delete(file);
    CHECK_RC(fs(F.client, &out, "download_data", "{\"colonyname\":\"%s\",\"label\":\"/rt/data\",\"name\":\"d.bin\"}",
                F.colony),
             COLONIES_OK);
    cJSON *content = parse(out);
    CHECK_STR(field(content, "data"), "AAFiYw==");
    cJSON_Delete(content);
    free(data);
}

static void test_versions_and_delete(void)
{
    char src[512], *out = NULL;
    snprintf(src, sizeof src, "%s/src/v.txt", TMP);
    for (int i = 0; i < 3; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "version %d", i);
        write_file(src, text, (size_t)n);
        CHECK_RC(fs(F.client, NULL, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/v\",\"path\":\"%s\"}",
                    F.colony, src),
                 COLONIES_OK);
    }
    CHECK(versions("/v", "v.txt") == 3);
    CHECK_RC(fs(F.client, &out, "download_data", "{\"colonyname\":\"%s\",\"label\":\"/v\",\"name\":\"v.txt\"}", F.colony),
             COLONIES_OK);
    cJSON *content = parse(out);
    CHECK_STR(field(content, "data"), "dmVyc2lvbiAy"); /* "version 2": the latest */
    cJSON_Delete(content);
    /* By label and name: every version, metadata and bytes. */
    CHECK_RC(fs(F.client, &out, "delete_file", "{\"colonyname\":\"%s\",\"label\":\"/v\",\"name\":\"v.txt\"}", F.colony),
             COLONIES_OK);
    cJSON *removed = parse(out);
    CHECK(cJSON_GetArraySize(removed) == 3);
    cJSON_Delete(removed);
    CHECK(versions("/v", "v.txt") == 0);
    CHECK_RC(fs(F.client, NULL, "download_data", "{\"colonyname\":\"%s\",\"label\":\"/v\",\"name\":\"v.txt\"}", F.colony),
             COLONIES_ENOTFOUND);
    CHECK_RC(fs(F.client, NULL, "delete_file", "{\"colonyname\":\"%s\",\"label\":\"/v\"}", F.colony), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "give fileid, or label and name") != NULL);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The sync's plans, summed: uploads, downloads, conflicts. */
static void sync_dir(const char *dir, const char *label, int keeplocal, int dry, int *up, int *down, int *conflicts)
{
    char *out = NULL;
    *up = *down = *conflicts = -1;
    CHECK_RC(fs(F.client, &out, "sync",
                "{\"colonyname\":\"%s\",\"dir\":\"%s\",\"label\":\"%s\",\"keeplocal\":%s,\"dry_run\":%s}", F.colony, dir,
                label, keeplocal ? "true" : "false", dry ? "true" : "false"),
             COLONIES_OK);
    cJSON *plans = parse(out);
    const cJSON *p;
    *up = *down = *conflicts = 0;
    cJSON_ArrayForEach(p, plans)
    {
        *up += cJSON_GetArraySize(cJSON_GetObjectItem(p, "upload"));
        *down += cJSON_GetArraySize(cJSON_GetObjectItem(p, "download"));
        *conflicts += cJSON_GetArraySize(cJSON_GetObjectItem(p, "conflicts"));
    }
    cJSON_Delete(plans);
}

static void test_sync(void)
{
    char a[512], b[512], path[700];
    int up, down, conflicts;
    snprintf(a, sizeof a, "%s/sync-a", TMP);
    snprintf(b, sizeof b, "%s/sync-b", TMP);
    snprintf(path, sizeof path, "%s/sub/deeper", a);
    CHECK(mkdir(a, 0777) == 0);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub", a);
    CHECK(mkdir(sub, 0777) == 0);
    CHECK(mkdir(path, 0777) == 0);
    snprintf(path, sizeof path, "%s/one.txt", a);
    write_file(path, "one", 3);
    snprintf(path, sizeof path, "%s/sub/two.txt", a);
    write_file(path, "two", 3);
    snprintf(path, sizeof path, "%s/sub/deeper/three ✓.txt", a);
    write_file(path, "three", 5);

    /* A dry run plans and changes nothing. */
    sync_dir(a, "/s", 0, 1, &up, &down, &conflicts);
    CHECK(up == 3 && down == 0 && conflicts == 0);
    CHECK(versions("/s", "one.txt") == 0);
    /* Up: subdirectories are sub-labels. */
    sync_dir(a, "/s", 0, 0, &up, &down, &conflicts);
    CHECK(up == 3 && down == 0 && conflicts == 0);
    CHECK(versions("/s", "one.txt") == 1 && versions("/s/sub", "two.txt") == 1 &&
          versions("/s/sub/deeper", "three ✓.txt") == 1);
    /* Again: nothing to do, every file unchanged. */
    sync_dir(a, "/s", 0, 0, &up, &down, &conflicts);
    CHECK(up == 0 && down == 0 && conflicts == 0);
    /* Down into a new directory: sub-labels become subdirectories. */
    sync_dir(b, "/s", 0, 0, &up, &down, &conflicts);
    CHECK(up == 0 && down == 3 && conflicts == 0);
    char pa[700], pb[700];
    snprintf(pa, sizeof pa, "%s/sub/deeper/three ✓.txt", a);
    snprintf(pb, sizeof pb, "%s/sub/deeper/three ✓.txt", b);
    CHECK(same_file(pa, pb));

    /* Conflicts: changed on both sides. The remote wins without keeplocal... */
    snprintf(pa, sizeof pa, "%s/one.txt", a);
    snprintf(pb, sizeof pb, "%s/one.txt", b);
    write_file(pb, "one from b", 10);
    sync_dir(b, "/s", 1, 0, &up, &down, &conflicts); /* b's change goes up as a new version */
    CHECK(up == 0 && down == 0 && conflicts == 1);
    CHECK(versions("/s", "one.txt") == 2);
    write_file(pa, "one from a", 10);
    sync_dir(a, "/s", 0, 0, &up, &down, &conflicts); /* ... and replaces a's change */
    CHECK(conflicts == 1);
    CHECK(same_file(pa, pb));
    CHECK(versions("/s", "one.txt") == 2);
    /* ... and with keeplocal the local file is uploaded as a new version. */
    write_file(pa, "one from a again", 16);
    sync_dir(a, "/s", 1, 0, &up, &down, &conflicts);
    CHECK(conflicts == 1 && versions("/s", "one.txt") == 3);
    sync_dir(b, "/s", 0, 0, &up, &down, &conflicts);
    CHECK(conflicts == 1 && same_file(pa, pb));
    /* Nothing is deleted: a file removed here is downloaded again. */
    CHECK(unlink(pb) == 0);
    sync_dir(b, "/s", 0, 0, &up, &down, &conflicts);
    CHECK(down == 1 && exists(pb));
}

static void test_snapshot(void)
{
    char *out = NULL, dir[512], path[700];
    CHECK_RC(callf(F.client, &out, "create_snapshot", F.exec_key,
                   "{\"colonyname\":\"%s\",\"label\":\"/s\",\"name\":\"snap-1\"}", F.colony),
             COLONIES_OK);
    cJSON *snap = parse(out);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(snap, "fileids")) == 3);
    cJSON_Delete(snap);
    snprintf(dir, sizeof dir, "%s/snap", TMP);
    CHECK_RC(fs(F.client, &out, "download_snapshot", "{\"colonyname\":\"%s\",\"name\":\"snap-1\",\"dir\":\"%s\"}",
                F.colony, dir),
             COLONIES_OK);
    cJSON *files = parse(out);
    CHECK(cJSON_GetArraySize(files) == 3);
    cJSON_Delete(files);
    snprintf(path, sizeof path, "%s/sub/deeper/three ✓.txt", dir);
    size_t n = 0;
    char *text = slurp(path, &n);
    CHECK_STR(text, "three");
    free(text);
    /* Again: every file is there already, and the same. */
    CHECK_RC(fs(F.client, &out, "download_snapshot", "{\"colonyname\":\"%s\",\"name\":\"snap-1\",\"dir\":\"%s\"}",
                F.colony, dir),
             COLONIES_OK);
    colonies_free(out);
    CHECK_RC(fs(F.client, NULL, "download_snapshot", "{\"colonyname\":\"%s\",\"name\":\"no-such\",\"dir\":\"%s\"}",
                F.colony, dir),
             COLONIES_ENOTFOUND);
}

/* A client whose S3 options are opts (on top of the AWS_S3_* variables). */
static colonies_client *client_with(const char *opts)
{
    colonies_client *c = NULL;
    CHECK_RC(colonies_client_new(&c, need_env("COLONIES_SERVER_HOST"), atoi(need_env("COLONIES_SERVER_PORT")), opts),
             COLONIES_OK);
    return c;
}

/* Uploading with client c fails with want, and leaves no metadata. */
static void upload_fails(colonies_client *c, const char *name, int want, const char *says)
{
    char src[512];
    snprintf(src, sizeof src, "%s/src/%s", TMP, name);
    write_file(src, "bytes", 5);
    CHECK_RC(fs(c, NULL, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/fail\",\"path\":\"%s\"}", F.colony, src),
             want);
    if (says) CHECK(strstr(colonies_last_error(), says) != NULL);
    CHECK(versions("/fail", name) == 0);
}

typedef struct {
    colonies_cancel *cancel;
    long ms;
} firing;

static void *fire_later(void *arg)
{
    firing *f = arg;
    struct timespec ts = {f->ms / 1000, (f->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    colonies_cancel_fire(f->cancel);
    return NULL;
}

static void test_failures(void)
{
    colonies_client *c = client_with("{\"s3_secretkey\":\"not-the-secret\"}");
    upload_fails(c, "badkey.txt", COLONIES_EFORBIDDEN, "refused the credentials");
    colonies_client_free(c);
    c = client_with("{\"s3_endpoint\":\"127.0.0.1:1\",\"connect_timeout\":2}");
    upload_fails(c, "unreachable.txt", COLONIES_ETRANSPORT, "S3 at 127.0.0.1:1");
    colonies_client_free(c);
    /* A bucket name S3 refuses to create. */
    c = client_with("{\"s3_bucket\":\"No_Such-Bucket!\"}");
    char src[512];
    snprintf(src, sizeof src, "%s/src/bucket.txt", TMP);
    write_file(src, "x", 1);
    int rc = fs(c, NULL, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/fail\",\"path\":\"%s\"}", F.colony, src);
    CHECK(rc == COLONIES_ESERVER || rc == COLONIES_EFORBIDDEN || rc == COLONIES_ENOTFOUND);
    CHECK(strstr(colonies_last_error(), "No_Such-Bucket!") != NULL);
    CHECK(versions("/fail", "bucket.txt") == 0);
    colonies_client_free(c);
    /* No S3 at all: the variables are named. */
    char *saved = strdup(need_env("AWS_S3_ENDPOINT"));
    unsetenv("AWS_S3_ENDPOINT");
    c = client_with(NULL);
    upload_fails(c, "nos3.txt", COLONIES_EINVAL, "AWS_S3_ENDPOINT");
    colonies_client_free(c);
    setenv("AWS_S3_ENDPOINT", saved, 1);
    free(saved);
    /* A local file that is not there. */
    CHECK_RC(fs(F.client, NULL, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/fail\",\"path\":\"%s/nope\"}",
                F.colony, TMP),
             COLONIES_EIO);
    CHECK(strstr(colonies_last_error(), "/nope") != NULL);

    /* Cancelled in the middle of a multipart upload: no metadata, a clear status. */
    size_t big = 64 * 1024 * 1024;
    char *data = calloc(1, big);
    CHECK(data != NULL);
    snprintf(src, sizeof src, "%s/src/cancelled.bin", TMP);
    if (data) write_file(src, data, big);
    free(data);
    colonies_cancel *cancel = NULL;
    CHECK_RC(colonies_cancel_new(&cancel), COLONIES_OK);
    firing f = {cancel, 150};
    pthread_t t;
    pthread_create(&t, NULL, fire_later, &f);
    char params[1024];
    snprintf(params, sizeof params, "{\"colonyname\":\"%s\",\"label\":\"/fail\",\"path\":\"%s\"}", F.colony, src);
    double t0 = now();
    CHECK_RC(colonies_client_call(F.client, NULL, "upload_file", params, F.exec_key, 0, cancel), COLONIES_ECANCELLED);
    CHECK(now() - t0 < limit_s(5));
    pthread_join(t, NULL);
    colonies_cancel_free(cancel);
    CHECK(versions("/fail", "cancelled.bin") == 0);
    /* The operation's own time limit. */
    CHECK_RC(colonies_client_call(F.client, NULL, "upload_file", params, F.exec_key, 100, NULL), COLONIES_ETIMEOUT);
    CHECK(versions("/fail", "cancelled.bin") == 0);

    /* Metadata a client cannot trust: a name that is a path, a checksum that does not match. */
    char *out = NULL;
    snprintf(src, sizeof src, "%s/src/real.txt", TMP);
    write_file(src, "real", 4);
    CHECK_RC(fs(F.client, &out, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/trust\",\"path\":\"%s\"}", F.colony,
                src),
             COLONIES_OK);
    cJSON *file = parse(out);
    const cJSON *ref = cJSON_GetObjectItem(file, "ref");
    char *refs = cJSON_PrintUnformatted(ref);
    CHECK_RC(callf(F.client, NULL, "add_file", F.exec_key,
                   "{\"file\":{\"colonyname\":\"%s\",\"label\":\"/trust\",\"name\":\"../evil\",\"size\":4,"
                   "\"checksum\":\"%s\",\"checksumalg\":\"SHA256\",\"ref\":%s}}",
                   F.colony, field(file, "checksum"), refs),
             COLONIES_OK);
    CHECK_RC(callf(F.client, NULL, "add_file", F.exec_key,
                   "{\"file\":{\"colonyname\":\"%s\",\"label\":\"/trust\",\"name\":\"wrong.txt\",\"size\":4,"
                   "\"checksum\":\"%064d\",\"checksumalg\":\"SHA256\",\"ref\":%s}}",
                   F.colony, 0, refs),
             COLONIES_OK);
    free(refs);
    cJSON_Delete(file);
    char dir[512], path[700];
    snprintf(dir, sizeof dir, "%s/trust", TMP);
    CHECK_RC(fs(F.client, NULL, "download_file", "{\"colonyname\":\"%s\",\"label\":\"/trust\",\"name\":\"../evil\","
                                                 "\"dir\":\"%s\"}",
                F.colony, dir),
             COLONIES_EREPLY);
    CHECK(strstr(colonies_last_error(), "not a plain file name") != NULL);
    CHECK_RC(fs(F.client, NULL, "download_file", "{\"colonyname\":\"%s\",\"label\":\"/trust\",\"name\":\"wrong.txt\","
                                                 "\"dir\":\"%s\"}",
                F.colony, dir),
             COLONIES_EIO);
    CHECK(strstr(colonies_last_error(), "SHA-256") != NULL);
    snprintf(path, sizeof path, "%s/wrong.txt", dir);
    CHECK(!exists(path));
    /* Nor is a partial download left beside it. */
    DIR *d = opendir(dir);
    int entries = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) entries += e->d_name[0] != '.' || strstr(e->d_name, ".part-") != NULL;
    if (d) closedir(d);
    CHECK(entries == 0);
    /* A local operation is no single request. */
    CHECK_RC(colonies_request_encode(&out, "upload_file", params, F.exec_key), COLONIES_EINVAL);
}

/* The executor runtime honours a function spec's fs section: dirs synced
 * down before the function runs, and up (and removed unless kept) after. */
/*
 * S3 retries: an endpoint where nothing listens for 400 ms (each request
 * never left, so it goes again), and a download whose reply is lost (a GET
 * is idempotent, so it goes again); through a proxy in front of the S3
 * server.
 */
static void test_s3_retries(void)
{
    char host[256];
    snprintf(host, sizeof host, "%s", need_env("AWS_S3_ENDPOINT"));
    char *colon = strrchr(host, ':');
    CHECK(colon != NULL);
    if (colon == NULL) return;
    *colon = '\0';
    int s3_port = atoi(colon + 1), port = fault_proxy_free_port();
    char opts[256], src[512], *out = NULL;
    snprintf(opts, sizeof opts,
             "{\"s3_endpoint\":\"127.0.0.1:%d\",\"retries\":8,\"retry_backoff\":0.05,\"retry_backoff_max\":0.2}", port);
    colonies_client *c = client_with(opts);
    snprintf(src, sizeof src, "%s/src/late.txt", TMP);
    write_file(src, "late bytes", 10);
    fault_proxy_late *late = fault_proxy_start_late(host, s3_port, port, 400);
    double t0 = now();
    CHECK_RC(fs(c, &out, "upload_file", "{\"colonyname\":\"%s\",\"label\":\"/late\",\"path\":\"%s\"}", F.colony, src),
             COLONIES_OK);
    double took = now() - t0;
    fault_proxy *p = fault_proxy_join_late(late);
    CHECK(p != NULL);
    CHECK(took >= 0.35);
    cJSON *file = parse(out);
    char fileid[80];
    snprintf(fileid, sizeof fileid, "%s", field(file, "fileid"));
    cJSON_Delete(file);
    printf("S3 listening only after 400 ms: the upload went through after %.0f ms\n", took * 1e3);
    if (p == NULL) {
        colonies_client_free(c);
        return;
    }
    int before = fault_proxy_connections(p);
    fault_proxy_drop_next_reply(p);
    CHECK_RC(fs(c, &out, "download_data", "{\"colonyname\":\"%s\",\"fileid\":\"%s\"}", F.colony, fileid),
             COLONIES_OK);
    cJSON *content = parse(out);
    CHECK_STR(field(content, "data"), "bGF0ZSBieXRlcw=="); /* "late bytes" */
    cJSON_Delete(content);
    int connections = fault_proxy_connections(p) - before;
    printf("a download whose reply was lost: sent again, on %d connection(s), and complete\n", connections);
    CHECK(connections == 2);
    /* With no retries, the lost reply is the answer. */
    colonies_client_free(c);
    snprintf(opts, sizeof opts, "{\"s3_endpoint\":\"127.0.0.1:%d\",\"retries\":0}", port);
    c = client_with(opts);
    fault_proxy_drop_next_reply(p);
    CHECK_RC(fs(c, &out, "download_data", "{\"colonyname\":\"%s\",\"fileid\":\"%s\"}", F.colony, fileid),
             COLONIES_ETRANSPORT);
    colonies_client_free(c);
    fault_proxy_stop(p);
}

static void test_executor_fs(void)
{
    char *out = NULL, root[400], path[700];
    snprintf(root, sizeof root, "%s/fsroot", TMP);
    CHECK_RC(fs(F.client, NULL, "upload_data",
                "{\"colonyname\":\"%s\",\"label\":\"/job/in\",\"name\":\"in.txt\",\"data\":\"aW5wdXQ=\"}", F.colony),
             COLONIES_OK);
    colonies_executor *ex = NULL;
    char *opts = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"colonyname\":%s,\"executortype\":%s,\"executorname\":%s,"
                                         "\"prvkey\":%s,\"fs_dir\":%s,\"assign_timeout\":5}",
                                  F.colony, F.exec_type, F.exec_name, F.exec_key, root),
             COLONIES_OK);
    CHECK_RC(colonies_executor_new(&ex, F.client, opts), COLONIES_OK);
    colonies_free(opts);
    if (ex == NULL) return;
    /* in: synced down, removed afterwards; out/{processid}: synced up, kept. */
    char *process_id = NULL;
    {
        char *spec_opts = NULL, *spec = NULL, *params = NULL;
        CHECK_RC(colonies_json_format(&spec_opts,
                                      "{\"funcname\":\"work\",\"colonyname\":%s,\"executortype\":%s,\"fs\":{"
                                      "\"mount\":\"/cfs\",\"dirs\":["
                                      "{\"label\":\"/job/in\",\"dir\":\"/in\",\"keepfiles\":false,"
                                      "\"onconflicts\":{\"onstart\":{\"keeplocal\":false},\"onclose\":{\"keeplocal\":false}}},"
                                      "{\"label\":\"/job/out/{processid}\",\"dir\":\"/out/{processid}\",\"keepfiles\":true,"
                                      "\"onconflicts\":{\"onstart\":{\"keeplocal\":false},\"onclose\":{\"keeplocal\":true}}}]}}",
                                      F.colony, F.exec_type),
                 COLONIES_OK);
        CHECK_RC(colonies_func_spec_new(&spec, spec_opts), COLONIES_OK);
        CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", spec), COLONIES_OK);
        CHECK_RC(colonies_client_call(F.client, &out, "submit_func_spec", params, F.exec_key, 0, NULL), COLONIES_OK);
        cJSON *p = parse(out);
        process_id = strdup(field(p, "processid"));
        cJSON_Delete(p);
        colonies_free(spec_opts);
        colonies_free(spec);
        colonies_free(params);
    }
    CHECK_RC(colonies_executor_next(ex, &out, NULL), COLONIES_OK);
    cJSON *job = parse(out);
    CHECK_STR(field(cJSON_GetObjectItem(job, "ctx"), "fs_dir"), root);
    CHECK_STR(field(cJSON_GetObjectItem(job, "process"), "processid"), process_id);
    cJSON_Delete(job);
    snprintf(path, sizeof path, "%s/in/in.txt", root);
    size_t n = 0;
    char *text = slurp(path, &n);
    CHECK_STR(text, "input");
    free(text);
    /* The function writes its result where the section says: that directory is there. */
    snprintf(path, sizeof path, "%s/out/%s", root, process_id);
    CHECK(exists(path));
    snprintf(path, sizeof path, "%s/out/%s/result.txt", root, process_id);
    write_file(path, "result", 6);
    CHECK_RC(colonies_executor_close(ex, process_id, "[\"done\"]", NULL), COLONIES_OK);
    CHECK(fixture_state(&F, process_id) == COLONIES_PROCESS_SUCCESSFUL);
    char label[200];
    snprintf(label, sizeof label, "/job/out/%s", process_id);
    CHECK(versions(label, "result.txt") == 1);
    snprintf(path, sizeof path, "%s/in", root);
    CHECK(!exists(path)); /* keepfiles false */
    snprintf(path, sizeof path, "%s/out/%s/result.txt", root, process_id);
    CHECK(exists(path)); /* keepfiles true */
    colonies_executor_free(ex);
    free(process_id);
}

int main(void)
{
    need_env("AWS_S3_ENDPOINT");
    snprintf(TMP, sizeof TMP, "/tmp/colonies-test-fs-%d", (int)getpid());
    char src[300];
    snprintf(src, sizeof src, "%s/src", TMP);
    CHECK(mkdir(TMP, 0777) == 0 && mkdir(src, 0777) == 0);
    fixture_colony(&F, "fs");
    /* Small parts, so that an 11 MiB file goes in three. */
    colonies_client_free(F.client);
    F.client = client_with("{\"request_timeout\":30,\"s3_part_size\":5242880}");
    test_round_trips();
    test_versions_and_delete();
    test_sync();
    test_snapshot();
    test_failures();
    test_s3_retries();
    test_executor_fs();
    fixture_free(&F, 1);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", TMP);
    CHECK(system(cmd) == 0);
    return check_summary("test_fs");
}
