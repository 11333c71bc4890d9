/*
 * S3 for the colony file system: objects put (in one request or in parts),
 * fetched and deleted, buckets created. See s3.h.
 *
 * S3's replies are small XML documents of which three elements are read
 * (Code, Message, UploadId); they are picked out by name rather than with
 * an XML library, which would be one more native library in every package
 * for three fixed element names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "loop.h"
#include "registry.h"
#include "s3.h"

#define CHUNK ((size_t)1 << 20)         /* bytes read at a time for hashing */
#define SMALL_REPLY_MAX ((size_t)1 << 20) /* an XML reply or error body */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ------------------------------------------------------------------------- */
/* Settings                                                                  */
/* ------------------------------------------------------------------------- */

static int option_string(char **out, const cJSON *opts, const char *name)
{
    cJSON *v = NULL;
    int rc = cl_client_option(&v, opts, name);
    *out = NULL;
    if (rc == 0 && cJSON_IsString(v) && v->valuestring[0]) {
        *out = cl_strdup(v->valuestring);
        if (*out == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    cJSON_Delete(v);
    return rc;
}

void cl_s3_clear(cl_s3 *s3)
{
    if (s3 == NULL) return;
    free(s3->host);
    free(s3->region);
    free(s3->bucket);
    free(s3->ca_bundle);
    colonies_free(s3->accesskey); /* wipes them */
    colonies_free(s3->secretkey);
    if (s3->easy) curl_easy_cleanup(s3->easy);
    memset(s3, 0, sizeof *s3);
}

int cl_s3_init(cl_s3 *s3, const cJSON *opts, const char *ca_bundle, long connect_timeout_ms, long stall_ms)
{
    memset(s3, 0, sizeof *s3);
    char *endpoint = NULL;
    cJSON *tls = NULL, *skip = NULL, *part = NULL;
    int rc = option_string(&endpoint, opts, "s3_endpoint");
    if (rc == 0) rc = option_string(&s3->accesskey, opts, "s3_accesskey");
    if (rc == 0) rc = option_string(&s3->secretkey, opts, "s3_secretkey");
    if (rc == 0) rc = option_string(&s3->region, opts, "s3_region");
    if (rc == 0) rc = option_string(&s3->bucket, opts, "s3_bucket");
    if (rc == 0) rc = cl_client_option(&tls, opts, "s3_tls");
    if (rc == 0) rc = cl_client_option(&skip, opts, "s3_skipverify");
    if (rc == 0) rc = cl_client_option(&part, opts, "s3_part_size");
    if (rc == 0 && endpoint == NULL)
        rc = cl_fail(COLONIES_EINVAL, "no S3 server for the colony file system: set AWS_S3_ENDPOINT (host:port) "
                                      "or the client option s3_endpoint");
    if (rc == 0 && (s3->accesskey == NULL || s3->secretkey == NULL))
        rc = cl_fail(COLONIES_EINVAL, "no S3 credentials: set AWS_S3_ACCESSKEY and AWS_S3_SECRETKEY (or the client "
                                      "options s3_accesskey and s3_secretkey)");
    if (rc == 0 && s3->region == NULL) s3->region = cl_strdup("us-east-1");
    if (rc == 0) {
        /* host:port, where host may be a bracketed IPv6 address. */
        char *colon = strrchr(endpoint, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (colon == NULL || colon == endpoint || end == colon + 1 || *end != '\0' || port < 1 || port > 65535 ||
            strpbrk(endpoint, "/?#@ \t\r\n"))
            rc = cl_fail(COLONIES_EINVAL, "the S3 endpoint \"%.200s\" is not host:port (AWS_S3_ENDPOINT or s3_endpoint)",
                         endpoint);
        else {
            *colon = '\0';
            const char *h = endpoint;
            size_t n = strlen(h);
            if (h[0] == '[' && n > 2 && h[n - 1] == ']') s3->host = cl_strndup(h + 1, n - 2);
            else s3->host = cl_strdup(h);
            s3->port = (int)port;
        }
    }
    if (rc == 0) {
        s3->tls = cJSON_IsTrue(tls);
        s3->verify = !cJSON_IsTrue(skip);
        s3->part_size = (long long)part->valuedouble;
        const char *ca = ca_bundle ? ca_bundle : s3->tls ? cl_system_ca_bundle() : NULL;
        s3->ca_bundle = ca ? cl_strdup(ca) : NULL;
        s3->connect_timeout_ms = connect_timeout_ms;
        s3->stall_ms = stall_ms;
        if (s3->host == NULL || s3->region == NULL || (ca && s3->ca_bundle == NULL))
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    free(endpoint);
    cJSON_Delete(tls);
    cJSON_Delete(skip);
    cJSON_Delete(part);
    if (rc) cl_s3_clear(s3);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Hashing                                                                   */
/* ------------------------------------------------------------------------- */

static void digest_hex(EVP_MD_CTX *ctx, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    cl_hex_encode(out, md, 32);
}

static int sha256_mem(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL)) return cl_fail(COLONIES_ENOMEM, "SHA-256 failed");
    cl_hex_encode(out, md, 32);
    return COLONIES_OK;
}

/* Hashes len bytes of fd from off into part (and whole, if not NULL). */
static int hash_fd(int fd, off_t off, long long len, EVP_MD_CTX *part, EVP_MD_CTX *whole, const char *path,
                   colonies_cancel *cancel)
{
    unsigned char *buf = malloc(CHUNK);
    if (buf == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    int rc = COLONIES_OK;
    while (len > 0 && rc == 0) {
        if (colonies_cancel_fired(cancel)) {
            rc = cl_fail(COLONIES_ECANCELLED, "cancelled");
            break;
        }
        size_t want = len < (long long)CHUNK ? (size_t)len : CHUNK;
        ssize_t n = pread(fd, buf, want, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = cl_fail(COLONIES_EIO, "reading %s: %s", path, strerror(errno));
        else if (n == 0) rc = cl_fail(COLONIES_EIO, "%s became shorter while it was read", path);
        else {
            if (part) EVP_DigestUpdate(part, buf, (size_t)n);
            if (whole) EVP_DigestUpdate(whole, buf, (size_t)n);
            off += n;
            len -= n;
        }
    }
    free(buf);
    return rc;
}

int cl_sha256_file(const char *path, char out[65], long long *size, colonies_cancel *cancel)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cl_fail(COLONIES_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc = COLONIES_OK;
    if (fstat(fd, &st) != 0) rc = cl_fail(COLONIES_EIO, "cannot stat %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode)) rc = 1;
    EVP_MD_CTX *ctx = rc ? NULL : EVP_MD_CTX_new();
    if (rc == 0 && (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)))
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) rc = hash_fd(fd, 0, (long long)st.st_size, ctx, NULL, path, cancel);
    if (rc == 0) {
        digest_hex(ctx, out);
        if (size) *size = (long long)st.st_size;
    }
    EVP_MD_CTX_free(ctx);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* One request                                                               */
/* ------------------------------------------------------------------------- */

typedef struct {
    const char *method;   /* GET, PUT, POST, HEAD, DELETE */
    const char *bucket;
    const char *key;      /* NULL: the bucket itself */
    const char *query;    /* canonical ("partNumber=1&uploadId=x"), or NULL */
    const char *what;     /* names the request in errors */
    /* The body: from fd at off (len bytes), or from mem; its SHA-256. */
    int fd;
    off_t off;
    long long len;
    const char *mem;
    const char *body_sha256;
    /* The reply's body when it succeeds: into out_fd (hashed into out_hash), or out_mem, or small. */
    int out_fd;
    EVP_MD_CTX *out_hash;
    cl_buf *out_mem;
    const char *out_path; /* names out_fd in errors */
    /* Outcome. */
    long status;
    long long received;
    int write_errno;
    cl_buf small;         /* an XML reply, or an error's body */
    char etag[160];
    colonies_cancel *cancel;
    long long deadline_ms;
    int expired;
} s3_req;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    s3_req *r = userdata;
    size_t n = size * nmemb;
    int ok = r->status >= 200 && r->status < 300;
    if (ok && r->out_fd >= 0) {
        size_t done = 0;
        while (done < n) {
            ssize_t w = write(r->out_fd, ptr + done, n - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                r->write_errno = errno;
                return 0;
            }
            done += (size_t)w;
        }
        if (r->out_hash) EVP_DigestUpdate(r->out_hash, ptr, n);
        r->received += (long long)n;
        return n;
    }
    cl_buf *b = ok && r->out_mem ? r->out_mem : &r->small;
    if (b == &r->small && b->len + n > SMALL_REPLY_MAX) return n; /* an error body: its start is enough */
    if (cl_buf_add(b, ptr, n) != COLONIES_OK) return 0;
    r->received += (long long)n;
    return n;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    s3_req *r = userdata;
    size_t n = size * nitems;
    if (strncmp(buf, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): its status line. */
        const char *sp = memchr(buf, ' ', n);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    } else if (n > 5 && strncasecmp(buf, "etag:", 5) == 0) {
        size_t i = 5, end = n;
        while (i < end && (buf[i] == ' ' || buf[i] == '\t')) i++;
        while (end > i && (buf[end - 1] == '\r' || buf[end - 1] == '\n' || buf[end - 1] == ' ')) end--;
        size_t len = end - i < sizeof r->etag - 1 ? end - i : sizeof r->etag - 1;
        memcpy(r->etag, buf + i, len);
        r->etag[len] = '\0';
    }
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    s3_req *r = userdata;
    size_t want = size * nitems;
    if ((long long)want > r->len) want = (size_t)r->len;
    if (want == 0) return 0;
    if (r->mem) {
        memcpy(buf, r->mem, want);
        r->mem += want;
        r->len -= (long long)want;
        return want;
    }
    for (;;) {
        ssize_t n = pread(r->fd, buf, want, r->off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            r->write_errno = n < 0 ? errno : EIO;
            return CURL_READFUNC_ABORT;
        }
        r->off += n;
        r->len -= n;
        return (size_t)n;
    }
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    s3_req *r = clientp;
    if (r->deadline_ms && cl_now_ms() > r->deadline_ms) r->expired = 1;
    return colonies_cancel_fired(r->cancel) || r->expired ? 1 : 0;
}

/* Percent-encodes s as SigV4 wants a path: all but A-Z a-z 0-9 - _ . ~ (and / when slash). */
static int uri_encode(cl_buf *b, const char *s, int slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~' || (slash && c == '/')) {
            char ch = (char)c;
            cl_buf_add(b, &ch, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            cl_buf_add(b, esc, 3);
        }
    }
    return b->failed ? COLONIES_ENOMEM : COLONIES_OK;
}

/* The text of the first <tag>...</tag> in xml, into out (empty when absent). */
static void xml_value(const char *xml, const char *tag, char *out, size_t n)
{
    out[0] = '\0';
    if (xml == NULL) return;
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(xml, open);
    const char *b = a ? strstr(a, close) : NULL;
    if (b == NULL) return;
    a += strlen(open);
    size_t len = (size_t)(b - a) < n - 1 ? (size_t)(b - a) : n - 1;
    memcpy(out, a, len);
    out[len] = '\0';
}

static int run(cl_s3 *s3, CURL *e, s3_req *r, CURLcode *cc_out)
{
    cl_buf url = {0};
    int v6 = strchr(s3->host, ':') != NULL;
    char head[600];
    snprintf(head, sizeof head, "%s://%s%s%s:%d/", s3->tls ? "https" : "http", v6 ? "[" : "", s3->host,
             v6 ? "]" : "", s3->port);
    cl_buf_str(&url, head);
    uri_encode(&url, r->bucket, 0);
    if (r->key) {
        cl_buf_add(&url, "/", 1);
        uri_encode(&url, r->key, 1);
    }
    if (r->query) {
        cl_buf_add(&url, "?", 1);
        cl_buf_str(&url, r->query);
    }
    char sigv4[200], hash_header[100];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", s3->region);
    snprintf(hash_header, sizeof hash_header, "x-amz-content-sha256: %s", r->body_sha256 ? r->body_sha256 : EMPTY_SHA256);
    struct curl_slist *headers = curl_slist_append(NULL, hash_header);
    if (headers && strcmp(r->method, "POST") == 0) headers = curl_slist_append(headers, "Content-Type: application/xml");
    if (url.failed || headers == NULL) {
        free(url.data);
        curl_slist_free_all(headers);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url.data);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s3->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (s3->stall_ms + 999) / 1000);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, s3->accesskey);
    curl_easy_setopt(e, CURLOPT_PASSWORD, s3->secretkey);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
    if (s3->tls) cl_curl_tls(e, s3->verify, s3->ca_bundle);
    if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->len);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->mem ? r->mem : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->mem ? r->len : 0));
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "DELETE") == 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    CURLcode cc = curl_easy_perform(e);
    *cc_out = cc;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    curl_slist_free_all(headers);
    free(url.data);
    const char *where = r->what;
    if (r->expired) return cl_fail(COLONIES_ETIMEOUT, "%s: the operation's time ran out", where);
    if (cc == CURLE_ABORTED_BY_CALLBACK || (cc != CURLE_OK && colonies_cancel_fired(r->cancel)))
        return cl_fail(COLONIES_ECANCELLED, "%s: cancelled", where);
    if (r->write_errno)
        return cl_fail(COLONIES_EIO, "%s: %s: %s", where, r->out_path ? r->out_path : "the local file",
                       strerror(r->write_errno));
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return cl_fail(COLONIES_ETIMEOUT, "%s: S3 at %s:%d %s", where, s3->host, s3->port,
                       status ? "stopped sending or taking data" : "did not answer in time");
    if (cc != CURLE_OK)
        return cl_fail(COLONIES_ETRANSPORT, "%s: S3 at %s:%d: %s", where, s3->host, s3->port,
                       errbuf[0] ? errbuf : curl_easy_strerror(cc));
    cl_set_http_status((int)status);
    /* S3 may report a failed CompleteMultipartUpload with 200 and an <Error> body. */
    int error_body = r->small.data && strstr(r->small.data, "<Error>") != NULL;
    if (status >= 200 && status < 300 && !error_body) return COLONIES_OK;
    char code[128], message[512];
    xml_value(r->small.data, "Code", code, sizeof code);
    xml_value(r->small.data, "Message", message, sizeof message);
    int kind = status == 403 || status == 401 ? COLONIES_EFORBIDDEN
             : status == 404                  ? COLONIES_ENOTFOUND
                                              : COLONIES_ESERVER;
    return cl_fail(kind, "%s: S3 replied %ld%s%s%s%s", where, status, code[0] ? " " : "", code,
                   message[0] ? ": " : "", message);
}

static void req_init(s3_req *r, const char *method, const char *bucket, const char *key, const char *what,
                     colonies_cancel *cancel)
{
    memset(r, 0, sizeof *r);
    r->method = method;
    r->bucket = bucket;
    r->key = key;
    r->what = what;
    r->fd = -1;
    r->out_fd = -1;
    r->cancel = cancel;
}

/*
 * May r, which failed with rc (curl's cc), be sent again? When it never left
 * (no connection could be made), whatever its method; and after a transport
 * failure or S3's 500, 502, 503 or 504 (which S3 asks clients to retry) when
 * it is idempotent: every S3 request here but a POST (starting or completing
 * a multipart upload). Never after a cancel, the operation's time or a local
 * file's error.
 */
static int resendable(const s3_req *r, int rc, CURLcode cc)
{
    if (r->expired || r->write_errno || rc == COLONIES_ECANCELLED || rc == COLONIES_ENOMEM) return 0;
    if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST) return 1;
    if (strcmp(r->method, "POST") == 0) return 0;
    if (rc == COLONIES_ETRANSPORT || rc == COLONIES_ETIMEOUT) return 1;
    return rc == COLONIES_ESERVER && (r->status == 500 || r->status == 502 || r->status == 503 || r->status == 504);
}

/* Back to how r was before its first try: its body from the start, nothing received. */
static int rewind_request(s3_req *r, off_t off, const char *mem, long long len)
{
    r->off = off;
    r->mem = mem;
    r->len = len;
    r->status = 0;
    r->received = 0;
    r->etag[0] = '\0';
    r->small.len = 0;
    if (r->out_mem) r->out_mem->len = 0;
    if (r->out_hash && !EVP_DigestInit_ex(r->out_hash, EVP_sha256(), NULL)) return cl_fail(COLONIES_ENOMEM, "out of memory");
    if (r->out_fd >= 0 && (ftruncate(r->out_fd, 0) != 0 || lseek(r->out_fd, 0, SEEK_SET) != 0))
        return cl_fail(COLONIES_EIO, "%s: %s", r->out_path ? r->out_path : "the local file", strerror(errno));
    return COLONIES_OK;
}

/* Runs r, and again (the client's retries, with its backoff) when that is safe. */
static int request(cl_s3 *s3, s3_req *r)
{
    if (s3->easy == NULL) s3->easy = curl_easy_init();
    if (s3->easy == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    r->deadline_ms = s3->deadline_ms;
    const off_t off = r->off;
    const char *const mem = r->mem;
    const long long len = r->len;
    for (int tries = 0;; tries++) {
        CURLcode cc = CURLE_OK;
        int rc = run(s3, s3->easy, r, &cc);
        long wait = cl_backoff_ms(s3->backoff_ms, s3->backoff_max_ms, tries);
        if (rc == COLONIES_OK || tries >= s3->retries || !resendable(r, rc, cc) ||
            (r->deadline_ms && cl_now_ms() + wait >= r->deadline_ms)) {
            if (rc && tries > 0) {
                char detail[1100];
                snprintf(detail, sizeof detail, "%s (tried %d times)", colonies_last_error(), tries + 1);
                cl_fail(rc, "%s", detail);
            }
            return rc;
        }
        if (cl_cancel_sleep(r->cancel, wait)) return cl_fail(COLONIES_ECANCELLED, "%s: cancelled", r->what);
        int again = rewind_request(r, off, mem, len);
        if (again) return again;
        cl_clear_error();
    }
}

/* ------------------------------------------------------------------------- */
/* Buckets and objects                                                       */
/* ------------------------------------------------------------------------- */

/* Checks (with HEAD) that the bucket is there, and creates it when it is not. */
static int bucket(cl_s3 *s3, colonies_cancel *cancel);

int cl_s3_ensure_bucket(cl_s3 *s3, colonies_cancel *cancel)
{
    if (s3->bucket == NULL)
        return cl_fail(COLONIES_EINVAL, "no S3 bucket: set AWS_S3_BUCKET or the client option s3_bucket");
    if (s3->bucket_ready) return COLONIES_OK;
    int rc = bucket(s3, cancel);
    if (rc == 0) s3->bucket_ready = 1;
    return rc;
}

static int bucket(cl_s3 *s3, colonies_cancel *cancel)
{
    char what[200];
    snprintf(what, sizeof what, "checking the S3 bucket %.100s", s3->bucket);
    s3_req r;
    req_init(&r, "HEAD", s3->bucket, NULL, what, cancel);
    int rc = request(s3, &r);
    free(r.small.data);
    if (rc == COLONIES_EFORBIDDEN)
        return cl_fail(rc, "%s: S3 at %s:%d refused the credentials (access key %.40s)", what, s3->host, s3->port,
                       s3->accesskey);
    if (rc != COLONIES_ENOTFOUND) return rc;
    snprintf(what, sizeof what, "creating the S3 bucket %.100s", s3->bucket);
    char body[300] = "", sha[65];
    if (strcmp(s3->region, "us-east-1") != 0)
        snprintf(body, sizeof body,
                 "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                 "<LocationConstraint>%.100s</LocationConstraint></CreateBucketConfiguration>",
                 s3->region);
    rc = sha256_mem(body, strlen(body), sha);
    if (rc) return rc;
    req_init(&r, "PUT", s3->bucket, NULL, what, cancel);
    r.mem = body;
    r.len = (long long)strlen(body);
    r.body_sha256 = sha;
    rc = request(s3, &r);
    /* Made by someone else in between: as good. */
    if (rc && r.small.data && strstr(r.small.data, "BucketAlreadyOwnedByYou")) rc = COLONIES_OK;
    free(r.small.data);
    return rc;
}

/* One PUT of len bytes (from fd at off, or mem) whose SHA-256 is sha. */
static int put_once(cl_s3 *s3, const char *bucket, const char *key, const char *query, int fd, off_t off,
                    const char *mem, long long len, const char *sha, const char *what, char *etag, size_t etag_n,
                    colonies_cancel *cancel)
{
    s3_req r;
    req_init(&r, "PUT", bucket, key, what, cancel);
    r.query = query;
    r.fd = fd;
    r.off = off;
    r.mem = mem;
    r.len = len;
    r.body_sha256 = sha;
    int rc = request(s3, &r);
    if (rc == COLONIES_ESERVER && r.small.data && strstr(r.small.data, "XAmzContentSHA256Mismatch"))
        rc = cl_fail(COLONIES_EIO, "%s: the data changed while it was uploaded", what);
    if (rc == 0 && etag) snprintf(etag, etag_n, "%s", r.etag);
    free(r.small.data);
    return rc;
}

static int abort_upload(cl_s3 *s3, const char *bucket, const char *key, const char *upload_id)
{
    cl_buf q = {0};
    cl_buf_str(&q, "uploadId=");
    uri_encode(&q, upload_id, 0);
    if (q.failed) return COLONIES_ENOMEM;
    s3_req r;
    req_init(&r, "DELETE", bucket, key, "aborting a multipart upload", NULL);
    r.query = q.data;
    int rc = request(s3, &r);
    free(r.small.data);
    free(q.data);
    return rc;
}

static int put_multipart(cl_s3 *s3, const char *bucket, const char *key, cl_s3_source *src, int fd,
                         long long size, EVP_MD_CTX *whole, const char *what, colonies_cancel *cancel)
{
    s3_req r;
    req_init(&r, "POST", bucket, key, what, cancel);
    r.query = "uploads=";
    int rc = request(s3, &r);
    char upload_id[512];
    xml_value(r.small.data, "UploadId", upload_id, sizeof upload_id);
    free(r.small.data);
    if (rc) return rc;
    if (upload_id[0] == '\0') return cl_fail(COLONIES_EREPLY, "%s: S3 gave no UploadId", what);
    cl_buf id = {0}, complete = {0};
    uri_encode(&id, upload_id, 0);
    cl_buf_str(&complete, "<CompleteMultipartUpload>");
    EVP_MD_CTX *part = EVP_MD_CTX_new();
    if (part == NULL || id.failed) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    long long off = 0;
    for (int n = 1; rc == 0 && off < size; n++) {
        long long len = size - off < s3->part_size ? size - off : s3->part_size;
        char sha[65], query[700], etag[160], part_what[600];
        snprintf(part_what, sizeof part_what, "%.500s (part %d)", what, n);
        EVP_DigestInit_ex(part, EVP_sha256(), NULL);
        if (fd >= 0) {
            rc = hash_fd(fd, (off_t)off, len, part, whole, src->path, cancel);
        } else {
            EVP_DigestUpdate(part, (const char *)src->data + off, (size_t)len);
            EVP_DigestUpdate(whole, (const char *)src->data + off, (size_t)len);
        }
        if (rc) break;
        digest_hex(part, sha);
        snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", n, id.data);
        rc = put_once(s3, bucket, key, query, fd, (off_t)off, fd >= 0 ? NULL : (const char *)src->data + off, len,
                      sha, part_what, etag, sizeof etag, cancel);
        if (rc == 0 && etag[0] == '\0') rc = cl_fail(COLONIES_EREPLY, "%s: S3 gave no ETag", part_what);
        if (rc == 0) {
            char entry[300];
            snprintf(entry, sizeof entry, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, etag);
            cl_buf_str(&complete, entry);
        }
        off += len;
    }
    cl_buf_str(&complete, "</CompleteMultipartUpload>");
    if (rc == 0 && complete.failed) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) {
        char sha[65], query[600];
        rc = sha256_mem(complete.data, complete.len, sha);
        snprintf(query, sizeof query, "uploadId=%s", id.data);
        req_init(&r, "POST", bucket, key, what, cancel);
        r.query = query;
        r.mem = complete.data;
        r.len = (long long)complete.len;
        r.body_sha256 = sha;
        if (rc == 0) rc = request(s3, &r);
        free(r.small.data);
    }
    if (rc) {
        /* Keep the error of what failed; the abort is best effort. */
        char keep[1024];
        snprintf(keep, sizeof keep, "%s", colonies_last_error());
        abort_upload(s3, bucket, key, upload_id);
        cl_fail(rc, "%s", keep);
    }
    EVP_MD_CTX_free(part);
    free(id.data);
    free(complete.data);
    return rc;
}

int cl_s3_put(cl_s3 *s3, const char *bucket, const char *key, cl_s3_source *src, colonies_cancel *cancel)
{
    char what[512];
    snprintf(what, sizeof what, "uploading %.150s to S3 %.60s/%.80s", src->path ? src->path : "data", bucket, key);
    int fd = -1, rc = COLONIES_OK;
    long long size = (long long)src->data_len;
    if (src->path) {
        fd = open(src->path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0) return cl_fail(COLONIES_EIO, "cannot open %s: %s", src->path, strerror(errno));
        if (fstat(fd, &st) != 0) rc = cl_fail(COLONIES_EIO, "cannot stat %s: %s", src->path, strerror(errno));
        else if (!S_ISREG(st.st_mode)) rc = cl_fail(COLONIES_EIO, "%s is not a regular file", src->path);
        size = (long long)st.st_size;
    }
    EVP_MD_CTX *whole = rc ? NULL : EVP_MD_CTX_new();
    if (rc == 0 && (whole == NULL || !EVP_DigestInit_ex(whole, EVP_sha256(), NULL)))
        rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0 && size > s3->part_size) {
        rc = put_multipart(s3, bucket, key, src, fd, size, whole, what, cancel);
        if (rc == 0) digest_hex(whole, src->sha256);
    } else if (rc == 0) {
        if (fd >= 0) rc = hash_fd(fd, 0, size, whole, NULL, src->path, cancel);
        else EVP_DigestUpdate(whole, src->data, src->data_len);
        if (rc == 0) digest_hex(whole, src->sha256);
        if (rc == 0)
            rc = put_once(s3, bucket, key, NULL, fd, 0, fd >= 0 ? NULL : src->data, size, src->sha256, what, NULL, 0,
                          cancel);
    }
    if (rc == 0) src->size = size;
    EVP_MD_CTX_free(whole);
    if (fd >= 0) close(fd);
    return rc;
}

int cl_s3_get(cl_s3 *s3, const char *bucket, const char *key, const char *path, cl_buf *out,
              long long expect_size, const char *expect_sha256, colonies_cancel *cancel)
{
    char what[512];
    snprintf(what, sizeof what, "downloading S3 %.60s/%.80s%s%.150s", bucket, key, path ? " to " : "",
             path ? path : "");
    char *tmp = NULL;
    int fd = -1, rc = COLONIES_OK;
    if (path) {
        size_t n = strlen(path) + 32;
        tmp = malloc(n);
        if (tmp == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
        /* Beside the target, so that the rename that completes it stays in one file system. */
        const char *slash = strrchr(path, '/');
        int dir_len = slash ? (int)(slash - path + 1) : 0;
        snprintf(tmp, n, "%.*s.%s.part-XXXXXX", dir_len, path, slash ? slash + 1 : path);
        fd = mkstemp(tmp);
        if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (fd < 0) {
            rc = cl_fail(COLONIES_EIO, "cannot create a file beside %s: %s", path, strerror(errno));
            free(tmp);
            return rc;
        }
    }
    EVP_MD_CTX *hash = EVP_MD_CTX_new();
    if (hash == NULL || !EVP_DigestInit_ex(hash, EVP_sha256(), NULL)) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    s3_req r;
    req_init(&r, "GET", bucket, key, what, cancel);
    r.out_fd = fd;
    r.out_hash = hash;
    r.out_mem = out;
    r.out_path = tmp;
    /* An empty file may have no object at all (the upstream Go client stores none). */
    if (rc == 0 && expect_size != 0) rc = request(s3, &r);
    free(r.small.data);
    if (rc == 0 && out) {
        EVP_DigestUpdate(hash, out->data ? out->data : "", out->len);
        r.received = (long long)out->len;
    }
    char got[65] = "";
    if (rc == 0) digest_hex(hash, got);
    if (rc == 0 && expect_size >= 0 && r.received != expect_size)
        rc = cl_fail(COLONIES_EIO, "%s: got %lld bytes where the file's metadata says %lld", what, r.received,
                     expect_size);
    if (rc == 0 && expect_sha256 && expect_sha256[0] && strcasecmp(got, expect_sha256) != 0)
        rc = cl_fail(COLONIES_EIO, "%s: the bytes' SHA-256 %s is not the file's %s", what, got, expect_sha256);
    if (fd >= 0) {
        if (close(fd) != 0 && rc == 0) rc = cl_fail(COLONIES_EIO, "%s: %s", tmp, strerror(errno));
        if (rc == 0 && rename(tmp, path) != 0)
            rc = cl_fail(COLONIES_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        if (rc) unlink(tmp);
    }
    EVP_MD_CTX_free(hash);
    free(tmp);
    return rc;
}

int cl_s3_delete(cl_s3 *s3, const char *bucket, const char *key, colonies_cancel *cancel)
{
    char what[512];
    snprintf(what, sizeof what, "deleting S3 %.60s/%.80s", bucket, key);
    s3_req r;
    req_init(&r, "DELETE", bucket, key, what, cancel);
    int rc = request(s3, &r);
    free(r.small.data);
    return rc == COLONIES_ENOTFOUND ? COLONIES_OK : rc;
}
