/*
 * The colony file system: the registry's "local" operations, which the
 * client runs itself as a task (a call on a thread of its own) out of S3
 * transfers (s3.c) and the server's file messages.
 *
 * A file's bytes go to S3 under a random 64-hex key at the top of the
 * bucket, and its metadata (label, name, size, SHA-256, where the bytes are)
 * to the server with add_file, in that order, so that no metadata ever
 * points at bytes that were not stored. The metadata is written as
 * pycolonies writes it (the endpoint's host and port, no keys), so that each
 * reads what the other wrote. Downloads go through a temporary file beside
 * the target, checked against the metadata's size and SHA-256, then renamed:
 * a file appears complete or not at all.
 *
 * Labels are kept with one leading "/" and no trailing one ("a/b/" is
 * "/a/b"), as pycolonies stores them. A directory's subdirectories are its
 * label's sub-labels ("/a/b" + "sub" is "/a/b/sub").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "client_internal.h"
#include "s3.h"

typedef struct {
    colonies_client *client;
    const cl_op *op;
    char *params; /* the checked message, every parameter present */
    char *prvkey; /* wiped when freed */
    long long timeout_ms;
    /* While it runs. */
    cJSON *p;
    colonies_cancel *cancel;
    cl_s3 s3;
    int s3_ready;
} fs_task;

static void fs_task_free(void *arg)
{
    fs_task *t = arg;
    free(t->params);
    colonies_free(t->prvkey); /* wipes it */
    free(t);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static const char *param(fs_task *t, const char *name)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->p, name));
    return v && v[0] ? v : NULL;
}

static int param_bool(fs_task *t, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->p, name));
}

static int s3(fs_task *t)
{
    if (t->s3_ready) return COLONIES_OK;
    cJSON *opts = cl_json_read(t->client->options_json ? t->client->options_json : "{}");
    int rc = cl_s3_init(&t->s3, opts, t->client->ca_bundle, t->client->connect_timeout_ms, t->client->request_timeout_ms);
    cJSON_Delete(opts);
    if (rc == 0) {
        t->s3.retries = t->client->loop_opts.retries;
        t->s3.backoff_ms = t->client->loop_opts.retry_backoff_ms;
        t->s3.backoff_max_ms = t->client->loop_opts.retry_backoff_max_ms;
        t->s3.deadline_ms = t->timeout_ms > 0 ? cl_now_ms() + t->timeout_ms : 0;
        t->s3_ready = 1;
    }
    return rc;
}

/* Runs operation with the parameters formatted from fmt; *out (may be NULL) gets the reply. */
static int call(fs_task *t, cJSON **out, const char *operation, const char *fmt, ...)
{
    if (out) *out = NULL;
    char *params = NULL, *reply = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = cl_json_vformat(&params, fmt, ap);
    va_end(ap);
    if (rc == 0) rc = colonies_client_call(t->client, &reply, operation, params, t->prvkey, 0, t->cancel);
    if (rc == 0 && out) {
        *out = cl_json_read(reply);
        if (*out == NULL) rc = cl_fail(COLONIES_EREPLY, "%s: the reply is not JSON", operation);
    }
    colonies_free(params);
    colonies_free(reply);
    return rc;
}

/* label with one leading "/" and no trailing one; NULL when out of memory. */
static char *normal_label(const char *label)
{
    while (*label == '/') label++;
    size_t n = strlen(label);
    while (n > 0 && label[n - 1] == '/') n--;
    char *out = malloc(n + 2);
    if (out) {
        out[0] = '/';
        memcpy(out + 1, label, n);
        out[n + 1] = '\0';
    }
    return out;
}

/* A sub-label: parent + "/" + name ("/" + "x" is "/x"). */
static char *sub_label(const char *parent, const char *name)
{
    size_t n = strlen(parent) + strlen(name) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s%s%s", strcmp(parent, "/") == 0 ? "" : parent, "/", name);
    return out;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return out;
}

/* A name the server gave that is safe as one path component here. */
static int plain_name(const char *name, const char *what)
{
    if (name == NULL || name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return cl_fail(COLONIES_EREPLY, "%s: the file name \"%.100s\" is not a plain file name", what,
                       name ? name : "");
    return COLONIES_OK;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char *p = cl_strdup(dir);
    if (p == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    int rc = COLONIES_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = cl_fail(COLONIES_EIO, "cannot create the directory %s: %s", p, strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0') break;
        }
    }
    struct stat st;
    if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = cl_fail(COLONIES_EIO, "%s is not a directory", dir);
    free(p);
    return rc;
}

static int random_key(char out[65])
{
    unsigned char b[32];
    if (RAND_bytes(b, sizeof b) != 1) return cl_fail(COLONIES_ECRYPTO, "no random bytes for an object key");
    cl_hex_encode(out, b, sizeof b);
    return COLONIES_OK;
}

/* The File's S3 object: its bucket (ours when it names none) and key. */
static int file_object(fs_task *t, const cJSON *file, const char **bucket, const char **key)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(file, "ref"), "s3object");
    *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "object"));
    *bucket = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "bucket"));
    if (*bucket == NULL || (*bucket)[0] == '\0') *bucket = t->s3.bucket;
    if (*key == NULL || (*key)[0] == '\0' || *bucket == NULL)
        return cl_fail(COLONIES_EREPLY, "the file %s has no S3 object in its metadata",
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "fileid")));
    return COLONIES_OK;
}

static long long file_size(const cJSON *file)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(file, "size");
    return cJSON_IsNumber(s) ? (long long)s->valuedouble : -1;
}

static const char *file_str(const cJSON *file, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, name));
}

/* ------------------------------------------------------------------------- */
/* Upload                                                                    */
/* ------------------------------------------------------------------------- */

/*
 * Stores src in S3 and adds its metadata as name under label; *out gets the
 * File the server stored. When the metadata cannot be added, the bytes are
 * removed again, unless the add may have happened (EINDOUBT).
 */
static int upload(fs_task *t, cJSON **out, const char *colonyname, const char *label, const char *name,
                  cl_s3_source *src)
{
    *out = NULL;
    char key[65];
    int rc = s3(t);
    if (rc == 0) rc = cl_s3_ensure_bucket(&t->s3, t->cancel);
    if (rc == 0) rc = random_key(key);
    if (rc == 0) rc = cl_s3_put(&t->s3, t->s3.bucket, key, src, t->cancel);
    if (rc) return rc;
    rc = call(t, out, "add_file",
              "{\"file\":{\"colonyname\":%s,\"label\":%s,\"name\":%s,\"size\":%lld,\"checksum\":%s,"
              "\"checksumalg\":\"SHA256\",\"ref\":{\"protocol\":\"s3\",\"s3object\":{\"server\":%s,\"port\":%d,"
              "\"tls\":%b,\"accesskey\":\"\",\"secretkey\":\"\",\"region\":%s,\"encryptionkey\":\"\","
              "\"encryptionalg\":\"\",\"object\":%s,\"bucket\":%s}}}}",
              colonyname, label, name, src->size, src->sha256, t->s3.host, t->s3.port, t->s3.tls, t->s3.region, key,
              t->s3.bucket);
    if (rc && rc != COLONIES_EINDOUBT) {
        char keep[1024];
        snprintf(keep, sizeof keep, "%s", colonies_last_error());
        cl_s3_delete(&t->s3, t->s3.bucket, key, NULL);
        cl_fail(rc, "%s (the uploaded bytes were removed again)", keep);
    }
    return rc;
}

static int reply_of(char **reply, cJSON *value)
{
    int rc = value ? cl_json_print(reply, value) : cl_fail(COLONIES_ENOMEM, "out of memory");
    cJSON_Delete(value);
    return rc;
}

static int upload_file(fs_task *t, char **reply)
{
    const char *path = param(t, "path"), *name = param(t, "name");
    if (name == NULL) {
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
    }
    if (name[0] == '\0' || strchr(name, '/'))
        return cl_fail(COLONIES_EINVAL, "upload_file: no file name in \"%.200s\"; give name", path);
    char *label = normal_label(param(t, "label"));
    if (label == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    cl_s3_source src = {.path = path};
    cJSON *file = NULL;
    int rc = upload(t, &file, param(t, "colonyname"), label, name, &src);
    free(label);
    return rc ? rc : reply_of(reply, file);
}

static int upload_data(fs_task *t, char **reply)
{
    char *data = NULL;
    size_t len = 0;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(t->p, "data");
    int rc = COLONIES_OK;
    if (cJSON_IsString(d)) {
        rc = cl_base64_decode(&data, &len, d->valuestring);
    } else {
        /* An array of byte values. */
        len = (size_t)cJSON_GetArraySize(d);
        data = malloc(len ? len : 1);
        if (data == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        size_t i = 0;
        for (const cJSON *b = d ? d->child : NULL; rc == 0 && b; b = b->next) data[i++] = (char)b->valueint;
    }
    char *label = rc ? NULL : normal_label(param(t, "label"));
    if (rc == 0 && label == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    cl_s3_source src = {.data = data, .data_len = len};
    cJSON *file = NULL;
    if (rc == 0) rc = upload(t, &file, param(t, "colonyname"), label, param(t, "name"), &src);
    free(label);
    free(data);
    return rc ? rc : reply_of(reply, file);
}

/* ------------------------------------------------------------------------- */
/* Download                                                                  */
/* ------------------------------------------------------------------------- */

/* The File named by fileid, or by label and name (the newest unless latest is false: then every version). */
static int find_files(fs_task *t, cJSON **files, int latest)
{
    *files = NULL;
    const char *fileid = param(t, "fileid"), *name = param(t, "name"), *label = param(t, "label");
    if (fileid == NULL && (name == NULL || label == NULL))
        return cl_fail(COLONIES_EINVAL, "%s: give fileid, or label and name", t->op->name);
    char *nl = label ? normal_label(label) : NULL;
    if (label && nl == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    int rc = call(t, files, "get_file", "{\"colonyname\":%s,\"fileid\":%s,\"label\":%s,\"name\":%s,\"latest\":%b}",
                  param(t, "colonyname"), fileid, fileid ? NULL : nl, fileid ? NULL : name, latest);
    free(nl);
    if (rc == 0 && cJSON_GetArraySize(*files) < 1)
        rc = cl_fail(COLONIES_ENOTFOUND, "%s: no such file", t->op->name);
    if (rc) {
        cJSON_Delete(*files);
        *files = NULL;
    }
    return rc;
}

/* Downloads file into dir (made when missing) as dir/name; *path gets where. */
static int download_to(fs_task *t, const cJSON *file, const char *dir, char **path)
{
    *path = NULL;
    const char *name = file_str(file, "name"), *bucket = NULL, *key = NULL;
    int rc = plain_name(name, t->op->name);
    if (rc == 0) rc = s3(t);
    if (rc == 0) rc = file_object(t, file, &bucket, &key);
    if (rc == 0) rc = make_dirs(dir);
    if (rc == 0 && (*path = join_path(dir, name)) == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0)
        rc = cl_s3_get(&t->s3, bucket, key, *path, NULL, file_size(file), file_str(file, "checksum"), t->cancel);
    return rc;
}

static cJSON *local_file(const char *path, const char *dir, const cJSON *file)
{
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "path", path) && cJSON_AddStringToObject(o, "dir", dir) &&
        cJSON_AddItemToObject(o, "file", cJSON_Duplicate(file, 1)))
        return o;
    cJSON_Delete(o);
    return NULL;
}

static int download_file(fs_task *t, char **reply)
{
    cJSON *files = NULL;
    char *path = NULL;
    const char *dir = param(t, "dir");
    int rc = find_files(t, &files, 1);
    const cJSON *file = rc ? NULL : cJSON_GetArrayItem(files, 0);
    if (rc == 0) rc = download_to(t, file, dir, &path);
    if (rc == 0) rc = reply_of(reply, local_file(path, dir, file));
    free(path);
    cJSON_Delete(files);
    return rc;
}

static int download_data(fs_task *t, char **reply)
{
    cJSON *files = NULL;
    cl_buf data = {0};
    const char *bucket = NULL, *key = NULL;
    int rc = find_files(t, &files, 1);
    const cJSON *file = rc ? NULL : cJSON_GetArrayItem(files, 0);
    if (rc == 0) rc = s3(t);
    if (rc == 0) rc = file_object(t, file, &bucket, &key);
    if (rc == 0)
        rc = cl_s3_get(&t->s3, bucket, key, NULL, &data, file_size(file), file_str(file, "checksum"), t->cancel);
    char *b64 = NULL;
    if (rc == 0) rc = cl_base64_encode(&b64, data.data ? data.data : "", data.len, "the file's data");
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        if (o && cJSON_AddItemToObject(o, "file", cJSON_Duplicate(file, 1)) == 0) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (o && cJSON_AddStringToObject(o, "data", b64) == NULL) {
            cJSON_Delete(o);
            o = NULL;
        }
        rc = reply_of(reply, o);
    }
    free(b64);
    free(data.data);
    cJSON_Delete(files);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Delete                                                                    */
/* ------------------------------------------------------------------------- */

static int delete_file(fs_task *t, char **reply)
{
    cJSON *files = NULL;
    const char *fileid = param(t, "fileid");
    /* By id: that version; by label and name: every version. */
    int rc = find_files(t, &files, fileid != NULL);
    char *label = rc || fileid ? NULL : normal_label(param(t, "label"));
    if (rc == 0 && !fileid && label == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0)
        rc = call(t, NULL, "remove_file", "{\"colonyname\":%s,\"fileid\":%s,\"label\":%s,\"name\":%s}",
                  param(t, "colonyname"), fileid, label, fileid ? NULL : param(t, "name"));
    free(label);
    /* The metadata is gone; now the bytes of each version it named. */
    int failed = 0;
    char first[1024] = "";
    const cJSON *f;
    cJSON_ArrayForEach(f, (rc ? NULL : files))
    {
        const char *bucket = NULL, *key = NULL;
        int r = s3(t);
        if (r == 0) r = file_object(t, f, &bucket, &key);
        if (r == 0) r = cl_s3_delete(&t->s3, bucket, key, t->cancel);
        if (r && !failed) {
            failed = r;
            snprintf(first, sizeof first, "%s", colonies_last_error());
        }
    }
    if (rc == 0 && failed)
        rc = cl_fail(failed, "delete_file: the metadata was removed, but not all the bytes in S3: %s", first);
    if (rc == 0) rc = cl_json_print(reply, files);
    cJSON_Delete(files);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Sync                                                                      */
/* ------------------------------------------------------------------------- */

/* A name the sync leaves alone: the upstream client's label file, and our partial downloads. */
static int ignored(const char *name)
{
    return strcmp(name, ".cfs") == 0 || (name[0] == '.' && strstr(name, ".part-") != NULL);
}

/* One directory's plan. */
typedef struct {
    char *dir, *label;
    cJSON *upload, *download, *conflicts; /* arrays of names */
    cJSON *remote;                        /* the label's FileData, by name */
    int unchanged;
} plan;

static void plan_free(plan *p)
{
    free(p->dir);
    free(p->label);
    cJSON_Delete(p->upload);
    cJSON_Delete(p->download);
    cJSON_Delete(p->conflicts);
    cJSON_Delete(p->remote);
}

static const cJSON *remote_by_name(const cJSON *remote, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, remote)
    {
        const char *n = file_str(f, "name");
        if (n && strcmp(n, name) == 0) return f;
    }
    return NULL;
}

/* Compares dir (which may not exist) with label's files. */
static int plan_dir(fs_task *t, plan *p, const char *dir, const char *label)
{
    memset(p, 0, sizeof *p);
    p->dir = cl_strdup(dir);
    p->label = cl_strdup(label);
    p->upload = cJSON_CreateArray();
    p->download = cJSON_CreateArray();
    p->conflicts = cJSON_CreateArray();
    if (!p->dir || !p->label || !p->upload || !p->download || !p->conflicts)
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    int rc = call(t, &p->remote, "get_files", "{\"colonyname\":%s,\"label\":%s}", param(t, "colonyname"), label);
    if (rc) return rc;
    DIR *d = opendir(dir);
    if (d == NULL && errno != ENOENT) return cl_fail(COLONIES_EIO, "cannot read the directory %s: %s", dir, strerror(errno));
    struct dirent *e;
    while (rc == 0 && d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0'))) continue;
        if (ignored(e->d_name)) continue;
        char *path = join_path(dir, e->d_name);
        if (path == NULL) {
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
            break;
        }
        char sha[65];
        long long size = 0;
        int r = cl_sha256_file(path, sha, &size, t->cancel);
        free(path);
        if (r == 1) continue; /* not a regular file (a directory is a plan of its own) */
        if (r) {
            rc = r;
            break;
        }
        const cJSON *remote = remote_by_name(p->remote, e->d_name);
        const char *rsha = remote ? file_str(remote, "checksum") : NULL;
        cJSON *to = remote == NULL                         ? p->upload
                  : rsha && strcasecmp(rsha, sha) == 0 ? NULL
                                                           : p->conflicts;
        if (to == NULL) p->unchanged++;
        else if (!cJSON_AddItemToArray(to, cJSON_CreateString(e->d_name))) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (d) closedir(d);
    const cJSON *f;
    cJSON_ArrayForEach(f, (rc ? NULL : p->remote))
    {
        const char *name = file_str(f, "name");
        if (name == NULL || ignored(name)) continue;
        /* A regular file of that name here was compared above. */
        char *path = join_path(dir, name);
        struct stat st;
        int here = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!here && !cJSON_AddItemToArray(p->download, cJSON_CreateString(name)))
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return rc;
}

/* Carries out one plan. */
static int apply_plan(fs_task *t, plan *p, int keeplocal)
{
    int rc = COLONIES_OK;
    if (cJSON_GetArraySize(p->download) > 0 || (!keeplocal && cJSON_GetArraySize(p->conflicts) > 0))
        rc = make_dirs(p->dir);
    const char *colonyname = param(t, "colonyname");
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        cJSON *names = pass == 0 ? p->upload : p->conflicts;
        const cJSON *n;
        cJSON_ArrayForEach(n, names)
        {
            if (rc) break;
            char *path = join_path(p->dir, n->valuestring);
            if (path == NULL) {
                rc = cl_fail(COLONIES_ENOMEM, "out of memory");
                break;
            }
            if (pass == 0 || keeplocal) {
                cl_s3_source src = {.path = path};
                cJSON *file = NULL;
                rc = upload(t, &file, colonyname, p->label, n->valuestring, &src);
                cJSON_Delete(file);
            } else {
                const cJSON *remote = remote_by_name(p->remote, n->valuestring);
                rc = s3(t);
                if (rc == 0)
                    rc = cl_s3_get(&t->s3, t->s3.bucket, file_str(remote, "s3filename"), path, NULL,
                                   file_size(remote), file_str(remote, "checksum"), t->cancel);
            }
            free(path);
        }
    }
    const cJSON *n;
    cJSON_ArrayForEach(n, (rc ? NULL : p->download))
    {
        if (rc) break;
        const cJSON *remote = remote_by_name(p->remote, n->valuestring);
        rc = plain_name(n->valuestring, "sync");
        char *path = rc ? NULL : join_path(p->dir, n->valuestring);
        if (rc == 0 && path == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        if (rc == 0) rc = s3(t);
        const char *key = file_str(remote, "s3filename");
        if (rc == 0 && (key == NULL || key[0] == '\0') && file_size(remote) != 0)
            rc = cl_fail(COLONIES_EREPLY, "sync: the file %s of %s has no S3 object", n->valuestring, p->label);
        if (rc == 0 && t->s3.bucket == NULL)
            rc = cl_fail(COLONIES_EINVAL, "no S3 bucket: set AWS_S3_BUCKET or the client option s3_bucket");
        if (rc == 0)
            rc = cl_s3_get(&t->s3, t->s3.bucket, key ? key : "", path, NULL, file_size(remote),
                           file_str(remote, "checksum"), t->cancel);
        free(path);
    }
    return rc;
}

static cJSON *plan_json(plan *p, int keeplocal)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) return NULL;
    cJSON_AddStringToObject(o, "dir", p->dir);
    cJSON_AddStringToObject(o, "label", p->label);
    cJSON_AddBoolToObject(o, "keeplocal", keeplocal);
    cJSON_AddItemToObject(o, "upload", cJSON_Duplicate(p->upload, 1));
    cJSON_AddItemToObject(o, "download", cJSON_Duplicate(p->download, 1));
    cJSON_AddItemToObject(o, "conflicts", cJSON_Duplicate(p->conflicts, 1));
    cJSON_AddNumberToObject(o, "unchanged", p->unchanged);
    return o;
}

/* Plans dir (label) and every subdirectory; appends to plans. */
static int plan_tree(fs_task *t, cJSON *plans, plan **all, size_t *n, size_t *cap, const char *dir,
                     const char *label, int keeplocal, int depth)
{
    if (depth > 64) return cl_fail(COLONIES_EIO, "sync: %s is nested more than 64 directories deep", dir);
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        plan *grown = realloc(*all, c * sizeof *grown);
        if (grown == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
        *all = grown;
        *cap = c;
    }
    plan *p = &(*all)[(*n)++];
    int rc = plan_dir(t, p, dir, label);
    if (rc) return rc;
    (void)plans;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (rc == 0 && d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0'))) continue;
        char *path = join_path(dir, e->d_name);
        struct stat st;
        /* Subdirectories, not followed through symbolic links (as the upstream client walks). */
        if (path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *sub = sub_label(label, e->d_name);
            rc = sub ? plan_tree(t, plans, all, n, cap, path, sub, keeplocal, depth + 1)
                     : cl_fail(COLONIES_ENOMEM, "out of memory");
            free(sub);
        } else if (path == NULL) {
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        free(path);
    }
    if (d) closedir(d);
    return rc;
}

static int sync_dir(fs_task *t, char **reply)
{
    const char *dir = param(t, "dir");
    int keeplocal = param_bool(t, "keeplocal"), dry = param_bool(t, "dry_run");
    char *label = normal_label(param(t, "label"));
    if (label == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    plan *all = NULL;
    size_t n = 0, cap = 0;
    cJSON *plans = cJSON_CreateArray(), *labels = NULL;
    int rc = plans ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = plan_tree(t, plans, &all, &n, &cap, dir, label, keeplocal, 0);
    /* Sub-labels with no directory here yet: downloaded into new subdirectories. */
    if (rc == 0)
        rc = call(t, &labels, "get_file_labels", "{\"colonyname\":%s,\"name\":%s,\"exact\":false}",
                  param(t, "colonyname"), label);
    size_t root_len = strlen(label);
    const cJSON *l;
    cJSON_ArrayForEach(l, (rc ? NULL : labels))
    {
        const char *name = file_str(l, "name");
        if (name == NULL) continue;
        /* Under label: "/a" holds "/a/x", not "/ab"; the root "/" holds every label. */
        const char *rest = strcmp(label, "/") == 0 ? name : strncmp(name, label, root_len) == 0 ? name + root_len : NULL;
        if (rest == NULL || rest[0] != '/' || rest[1] == '\0') continue;
        int known = 0;
        for (size_t i = 0; i < n; i++) known |= strcmp(all[i].label, name) == 0;
        if (known) continue;
        /* Each path component must be a plain name. */
        int bad = strstr(rest, "//") || strstr(rest, "/./") || strstr(rest, "/../") ||
                  (strlen(rest) >= 3 && strcmp(rest + strlen(rest) - 3, "/..") == 0) ||
                  (strlen(rest) >= 2 && strcmp(rest + strlen(rest) - 2, "/.") == 0);
        if (bad) {
            rc = cl_fail(COLONIES_EREPLY, "sync: the label %.200s cannot be a directory here", name);
            break;
        }
        char *sub = join_path(dir, rest + 1);
        if (sub == NULL) {
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
            break;
        }
        if (n == cap) {
            size_t c = cap ? 2 * cap : 8;
            plan *grown = realloc(all, c * sizeof *grown);
            if (grown == NULL) {
                free(sub);
                rc = cl_fail(COLONIES_ENOMEM, "out of memory");
                break;
            }
            all = grown;
            cap = c;
        }
        rc = plan_dir(t, &all[n++], sub, name);
        free(sub);
    }
    for (size_t i = 0; rc == 0 && !dry && i < n; i++) rc = apply_plan(t, &all[i], keeplocal);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cJSON *pj = plan_json(&all[i], keeplocal);
        if (pj == NULL || !cJSON_AddItemToArray(plans, pj)) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) plan_free(&all[i]);
    free(all);
    free(label);
    cJSON_Delete(labels);
    if (rc == 0) return reply_of(reply, plans);
    cJSON_Delete(plans);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Snapshots                                                                 */
/* ------------------------------------------------------------------------- */

static int download_snapshot(fs_task *t, char **reply)
{
    cJSON *snap = NULL, *out = cJSON_CreateArray();
    const char *dir = param(t, "dir"), *id = param(t, "snapshotid"), *name = param(t, "name");
    int rc = out ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0 && id == NULL && name == NULL) rc = cl_fail(COLONIES_EINVAL, "download_snapshot: give snapshotid or name");
    if (rc == 0)
        rc = call(t, &snap, "get_snapshot", "{\"colonyname\":%s,\"snapshotid\":%s,\"name\":%s}", param(t, "colonyname"),
                  id, id ? NULL : name);
    const char *slabel = rc ? NULL : file_str(snap, "label");
    size_t slen = slabel ? strlen(slabel) : 0;
    while (slen > 0 && slabel[slen - 1] == '/') slen--;
    const cJSON *fid;
    cJSON_ArrayForEach(fid, (rc ? NULL : cJSON_GetObjectItemCaseSensitive(snap, "fileids")))
    {
        cJSON *files = NULL;
        rc = call(t, &files, "get_file", "{\"colonyname\":%s,\"fileid\":%s}", param(t, "colonyname"),
                  cJSON_GetStringValue(fid));
        const cJSON *file = rc ? NULL : cJSON_GetArrayItem(files, 0);
        if (rc == 0 && file == NULL) rc = cl_fail(COLONIES_ENOTFOUND, "download_snapshot: the file %s is gone",
                                                  cJSON_GetStringValue(fid));
        /* The file's place: its label below the snapshot's, as a subdirectory. */
        const char *flabel = file ? file_str(file, "label") : NULL;
        const char *rest = flabel && slabel && strncmp(flabel, slabel, slen) == 0 ? flabel + slen : "";
        while (rest[0] == '/') rest++;
        int bad = strstr(rest, "..") != NULL;
        char *target = rc ? NULL : rest[0] && !bad ? join_path(dir, rest) : cl_strdup(dir);
        if (rc == 0 && bad) rc = cl_fail(COLONIES_EREPLY, "download_snapshot: the label %s cannot be a directory", flabel);
        if (rc == 0 && target == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        char *path = NULL;
        if (rc == 0) {
            /* Already here, the same: skipped. */
            char sha[65];
            char *have = file ? join_path(target, file_str(file, "name") ? file_str(file, "name") : "") : NULL;
            const char *want = file_str(file, "checksum");
            if (have && plain_name(file_str(file, "name"), "download_snapshot") == 0 &&
                cl_sha256_file(have, sha, NULL, t->cancel) == 0 && want && strcasecmp(sha, want) == 0) {
                path = have;
                have = NULL;
            } else {
                cl_clear_error();
                rc = download_to(t, file, target, &path);
            }
            free(have);
        }
        if (rc == 0) {
            cJSON *lf = local_file(path, target, file);
            if (lf == NULL || !cJSON_AddItemToArray(out, lf)) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        }
        free(path);
        free(target);
        cJSON_Delete(files);
        if (rc) break;
    }
    cJSON_Delete(snap);
    if (rc == 0) return reply_of(reply, out);
    cJSON_Delete(out);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Dispatch                                                                  */
/* ------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(fs_task *t, char **reply);
} local_ops[] = {
    {"delete_file", delete_file},   {"download_data", download_data}, {"download_file", download_file},
    {"download_snapshot", download_snapshot}, {"sync", sync_dir},     {"upload_data", upload_data},
    {"upload_file", upload_file},
};

static int fs_run(void *arg, colonies_cancel *cancel, char **reply)
{
    fs_task *t = arg;
    t->cancel = cancel;
    t->p = cl_json_read(t->params);
    int rc = t->p ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    int found = 0;
    for (size_t i = 0; rc == 0 && i < sizeof local_ops / sizeof local_ops[0]; i++) {
        if (strcmp(local_ops[i].name, t->op->name) == 0) {
            found = 1;
            rc = local_ops[i].run(t, reply);
        }
    }
    if (rc == 0 && !found) rc = cl_fail(COLONIES_EINVAL, "%s has no implementation in this library", t->op->name);
    cJSON_Delete(t->p);
    t->p = NULL;
    cl_s3_clear(&t->s3);
    t->s3_ready = 0;
    return rc;
}

int cl_local_start(colonies_call **out, colonies_client *client, const cl_op *op, const char *msg,
                   const char *prvkey, int64_t timeout_ms)
{
    fs_task *t = calloc(1, sizeof *t);
    if (t == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    t->client = client;
    t->op = op;
    t->timeout_ms = timeout_ms;
    t->params = cl_strdup(msg);
    t->prvkey = prvkey ? cl_strdup(prvkey) : NULL;
    if (t->params == NULL || (prvkey && t->prvkey == NULL)) {
        fs_task_free(t);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return cl_task_start(out, client, op->name, fs_run, t, fs_task_free);
}

/* ------------------------------------------------------------------------- */
/* A function spec's "fs" section, for the executor runtime                  */
/* ------------------------------------------------------------------------- */

/* s with every "{processid}" replaced by processid; NULL when out of memory. */
static char *with_processid(const char *s, const char *processid)
{
    static const char mark[] = "{processid}";
    cl_buf b = {0};
    const char *at;
    while ((at = strstr(s, mark)) != NULL) {
        cl_buf_add(&b, s, (size_t)(at - s));
        cl_buf_str(&b, processid);
        s = at + sizeof mark - 1;
    }
    cl_buf_str(&b, s);
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

/* fs_dir + dir (dir is meant to start with "/"), with the process id put in. */
static char *host_dir(const char *fs_dir, const char *dir, const char *processid)
{
    char *d = with_processid(dir, processid);
    if (d == NULL) return NULL;
    size_t n = strlen(fs_dir) + strlen(d) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s%s%s", fs_dir, d[0] == '/' ? "" : "/", d);
    free(d);
    return out;
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? COLONIES_OK : cl_fail(COLONIES_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d == NULL) return cl_fail(COLONIES_EIO, "cannot read the directory %s: %s", path, strerror(errno));
        struct dirent *e;
        int rc = COLONIES_OK;
        while (rc == 0 && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char *p = join_path(path, e->d_name);
            rc = p ? remove_tree(p) : cl_fail(COLONIES_ENOMEM, "out of memory");
            free(p);
        }
        closedir(d);
        if (rc) return rc;
        return rmdir(path) == 0 ? COLONIES_OK : cl_fail(COLONIES_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    return unlink(path) == 0 ? COLONIES_OK : cl_fail(COLONIES_EIO, "cannot remove %s: %s", path, strerror(errno));
}

static int fs_call(colonies_client *client, const char *prvkey, colonies_cancel *cancel, const char *op,
                   const char *fmt, ...)
{
    char *params = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = cl_json_vformat(&params, fmt, ap);
    va_end(ap);
    if (rc == 0) rc = colonies_client_call(client, NULL, op, params, prvkey, 0, cancel);
    colonies_free(params);
    return rc;
}

static int keeplocal(const cJSON *dir, const char *when)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dir, "onconflicts"), when);
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "keeplocal"));
}

/* Syncs each of the section's dirs (label and dir both given) with onstart's or onclose's keeplocal. */
static int sync_dirs(colonies_client *client, const char *prvkey, const char *colonyname, const char *fs_dir,
                     const cJSON *fs, const char *processid, const char *when, colonies_cancel *cancel)
{
    const cJSON *d;
    int rc = COLONIES_OK;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(fs, "dirs"))
    {
        const char *label = file_str(d, "label"), *dir = file_str(d, "dir");
        if (label == NULL || !label[0] || dir == NULL || !dir[0]) continue;
        char *path = host_dir(fs_dir, dir, processid), *l = with_processid(label, processid);
        /* Before the run, the directory is there for the function even when the label is empty. */
        if (path && strcmp(when, "onstart") == 0) rc = make_dirs(path);
        if (rc) {
            free(path);
            free(l);
            break;
        }
        rc = path && l ? fs_call(client, prvkey, cancel, "sync",
                                 "{\"colonyname\":%s,\"dir\":%s,\"label\":%s,\"keeplocal\":%b}", colonyname, path, l,
                                 keeplocal(d, when))
                       : cl_fail(COLONIES_ENOMEM, "out of memory");
        free(path);
        free(l);
        if (rc) break;
    }
    return rc;
}

int cl_fs_before(colonies_client *client, const char *prvkey, const char *colonyname, const char *fs_dir,
                 const cJSON *fs, const char *processid, colonies_cancel *cancel)
{
    const char *mount = file_str(fs, "mount");
    if (mount == NULL || mount[0] == '\0') return COLONIES_OK; /* as upstream: nothing before the run */
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(fs, "snapshots"))
    {
        const char *id = file_str(s, "snapshotid"), *dir = file_str(s, "dir");
        if (id == NULL || !id[0] || dir == NULL) continue;
        char *path = host_dir(fs_dir, dir, processid);
        int rc = path ? fs_call(client, prvkey, cancel, "download_snapshot",
                                "{\"colonyname\":%s,\"snapshotid\":%s,\"dir\":%s}", colonyname, id, path)
                      : cl_fail(COLONIES_ENOMEM, "out of memory");
        free(path);
        if (rc) return rc;
    }
    return sync_dirs(client, prvkey, colonyname, fs_dir, fs, processid, "onstart", cancel);
}

int cl_fs_after(colonies_client *client, const char *prvkey, const char *colonyname, const char *fs_dir,
                const cJSON *fs, const char *processid, colonies_cancel *cancel)
{
    const char *mount = file_str(fs, "mount");
    int mounted = mount && mount[0];
    const cJSON *s;
    cJSON_ArrayForEach(s, (mounted ? cJSON_GetObjectItemCaseSensitive(fs, "snapshots") : NULL))
    {
        const char *id = file_str(s, "snapshotid"), *dir = file_str(s, "dir");
        if (id == NULL || !id[0] || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "keepsnapshot"))) continue;
        int rc = fs_call(client, prvkey, cancel, "remove_snapshot", "{\"colonyname\":%s,\"snapshotid\":%s}",
                         colonyname, id);
        if (rc && rc != COLONIES_ENOTFOUND && rc != COLONIES_ESERVER) return rc;
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "keepfiles")) && dir) {
            char *path = host_dir(fs_dir, dir, processid);
            rc = path ? remove_tree(path) : cl_fail(COLONIES_ENOMEM, "out of memory");
            free(path);
            if (rc) return rc;
        }
    }
    int rc = sync_dirs(client, prvkey, colonyname, fs_dir, fs, processid, "onclose", cancel);
    const cJSON *d;
    cJSON_ArrayForEach(d, (rc == 0 && mounted ? cJSON_GetObjectItemCaseSensitive(fs, "dirs") : NULL))
    {
        const char *dir = file_str(d, "dir");
        if (dir == NULL || !dir[0] || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "keepfiles"))) continue;
        char *path = host_dir(fs_dir, dir, processid);
        rc = path ? remove_tree(path) : cl_fail(COLONIES_ENOMEM, "out of memory");
        free(path);
        if (rc) break;
    }
    return rc;
}
