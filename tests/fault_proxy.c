#include "fault_proxy.h"
#include "loopback.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_TYPES 64

struct fault_proxy {
    int fd;
    char upstream_host[256];
    int upstream_port;
    atomic_int stop;
    atomic_int drop_next;
    atomic_int idle_ms;
    atomic_int connections;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_t handlers[MAX_CONNS];
    int n_handlers;
    struct {
        char type[64];
        int count;
    } forwarded[MAX_TYPES];
};

typedef struct {
    char *data;
    size_t len, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Drops the first n bytes of b. */
static void consume(buf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

static int send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more of fd into b; 0 at end of stream or error. */
static int read_more(int fd, buf *b)
{
    char chunk[16384];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    return buf_add(b, chunk, (size_t)n) == 0;
}

/* The value of a header (case-insensitive) in the head, or NULL. */
static const char *header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ') v++;
            return v;
        }
    }
    return NULL;
}

/*
 * Reads one HTTP message (head and body, by Content-Length or chunked) from
 * fd into b, starting with what b already holds; *size is its length.
 * 0 when the stream ends first.
 */
static int read_message(int fd, buf *b, size_t *size, int no_body)
{
    char *end;
    while ((end = b->data ? strstr(b->data, "\r\n\r\n") : NULL) == NULL)
        if (!read_more(fd, b)) return 0;
    size_t head = (size_t)(end + 4 - b->data);
    char saved = b->data[head];
    b->data[head] = '\0';
    const char *cl = header(b->data, "Content-Length");
    const char *te = header(b->data, "Transfer-Encoding");
    int chunked = te && strncasecmp(te, "chunked", 7) == 0;
    size_t length = cl && !no_body ? strtoul(cl, NULL, 10) : 0;
    if (no_body) chunked = 0;
    b->data[head] = saved;
    if (!chunked) {
        while (b->len < head + length)
            if (!read_more(fd, b)) return 0;
        *size = head + length;
        return 1;
    }
    size_t at = head;
    for (;;) {
        char *line_end;
        while ((line_end = strstr(b->data + at, "\r\n")) == NULL)
            if (!read_more(fd, b)) return 0;
        size_t chunk = strtoul(b->data + at, NULL, 16);
        at = (size_t)(line_end + 2 - b->data);
        while (b->len < at + chunk + 2)
            if (!read_more(fd, b)) return 0;
        at += chunk + 2;
        if (chunk == 0) break;
    }
    *size = at;
    return 1;
}

static void count_forwarded(fault_proxy *p, const char *request)
{
    const char *t = strstr(request, "\"payloadtype\":\"");
    char type[64] = "?";
    if (t) {
        t += 15;
        size_t n = strcspn(t, "\"");
        if (n >= sizeof type) n = sizeof type - 1;
        memcpy(type, t, n);
        type[n] = '\0';
    }
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < MAX_TYPES; i++) {
        if (p->forwarded[i].type[0] == '\0') snprintf(p->forwarded[i].type, sizeof p->forwarded[i].type, "%s", type);
        if (strcmp(p->forwarded[i].type, type) == 0) {
            p->forwarded[i].count++;
            break;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

static int connect_upstream(fault_proxy *p)
{
    char port[16];
    snprintf(port, sizeof port, "%d", p->upstream_port);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(p->upstream_host, port, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, res->ai_socktype, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

typedef struct {
    fault_proxy *p;
    int client;
} conn;

static void *handle(void *arg)
{
    conn *c = arg;
    fault_proxy *p = c->p;
    int client = c->client, upstream = connect_upstream(p);
    free(c);
    buf in = {0}, out = {0};
    while (upstream >= 0 && !atomic_load(&p->stop)) {
        /* Wait for the next request, closing the connection when it idles too long. */
        if (in.len == 0) {
            struct pollfd pfd = {.fd = client, .events = POLLIN};
            int idle = 0, limit = atomic_load(&p->idle_ms), ready = 0;
            while (!atomic_load(&p->stop) && !(ready = poll(&pfd, 1, 10))) {
                idle += 10;
                if (limit > 0 && idle >= limit) break;
            }
            if (ready <= 0) break;
        }
        size_t size = 0;
        if (!read_message(client, &in, &size, 0)) break;
        int head_request = strncmp(in.data, "HEAD ", 5) == 0; /* its reply's Content-Length comes without a body */
        count_forwarded(p, in.data);
        int drop = atomic_exchange(&p->drop_next, 0);
        if (send_all(upstream, in.data, size) != 0) break;
        consume(&in, size);
        size_t reply = 0;
        if (!read_message(upstream, &out, &reply, head_request)) break;
        /* An interim reply (100 Continue to an upload's Expect) goes on; the final one follows. */
        int ok = 1;
        while (ok && out.len >= 10 && strncmp(out.data, "HTTP/1.1 1", 10) == 0) {
            ok = send_all(client, out.data, reply) == 0;
            consume(&out, reply);
            ok = ok && read_message(upstream, &out, &reply, head_request);
        }
        if (!ok) break;
        /* The server has acted on the request; lose its reply. */
        if (drop) break;
        if (send_all(client, out.data, reply) != 0) break;
        consume(&out, reply);
    }
    free(in.data);
    free(out.data);
    if (upstream >= 0) close(upstream);
    close(client);
    return NULL;
}

static void *run(void *arg)
{
    fault_proxy *p = arg;
    while (!atomic_load(&p->stop)) {
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        if (poll(&pfd, 1, 20) <= 0) continue;
        int fd = accept(p->fd, NULL, NULL);
        if (fd < 0) continue;
        conn *c = malloc(sizeof *c);
        pthread_mutex_lock(&p->lock);
        int room = p->n_handlers < MAX_CONNS;
        if (c && room) {
            c->p = p;
            c->client = fd;
            if (pthread_create(&p->handlers[p->n_handlers], NULL, handle, c) == 0) {
                p->n_handlers++;
                c = NULL;
                fd = -1;
            }
        }
        pthread_mutex_unlock(&p->lock);
        free(c);
        if (fd >= 0) close(fd);
        atomic_fetch_add(&p->connections, 1);
    }
    return NULL;
}

fault_proxy *fault_proxy_start(const char *upstream_host, int upstream_port, int *port)
{
    *port = 0;
    return fault_proxy_start_at(upstream_host, upstream_port, port);
}

fault_proxy *fault_proxy_start_at(const char *upstream_host, int upstream_port, int *port)
{
    fault_proxy *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    snprintf(p->upstream_host, sizeof p->upstream_host, "%s", upstream_host);
    p->upstream_port = upstream_port;
    pthread_mutex_init(&p->lock, NULL);
    p->fd = listen_loopback_at(64, port);
    if (p->fd < 0 || pthread_create(&p->thread, NULL, run, p) != 0) {
        if (p->fd >= 0) close(p->fd);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void fault_proxy_drop_next_reply(fault_proxy *p) { atomic_store(&p->drop_next, 1); }

void fault_proxy_idle_close(fault_proxy *p, int ms) { atomic_store(&p->idle_ms, ms); }

int fault_proxy_connections(fault_proxy *p) { return atomic_load(&p->connections); }

int fault_proxy_forwarded(fault_proxy *p, const char *payloadtype)
{
    int count = 0;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < MAX_TYPES; i++)
        if (strcmp(p->forwarded[i].type, payloadtype) == 0) count = p->forwarded[i].count;
    pthread_mutex_unlock(&p->lock);
    return count;
}

void fault_proxy_stop(fault_proxy *p)
{
    if (p == NULL) return;
    atomic_store(&p->stop, 1);
    pthread_join(p->thread, NULL);
    for (int i = 0; i < p->n_handlers; i++) pthread_join(p->handlers[i], NULL);
    close(p->fd);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int fault_proxy_free_port(void)
{
    int port = 0, fd = listen_loopback(1, &port);
    if (fd >= 0) close(fd);
    return port;
}

struct fault_proxy_late {
    char host[256];
    int upstream_port, port;
    long delay_ms;
    fault_proxy *proxy;
    pthread_t thread;
};

static void *start_late(void *arg)
{
    fault_proxy_late *l = arg;
    nanosleep(&(struct timespec){.tv_sec = l->delay_ms / 1000, .tv_nsec = l->delay_ms % 1000 * 1000000L}, NULL);
    int port = l->port;
    l->proxy = fault_proxy_start_at(l->host, l->upstream_port, &port);
    return NULL;
}

fault_proxy_late *fault_proxy_start_late(const char *upstream_host, int upstream_port, int port, long delay_ms)
{
    fault_proxy_late *l = calloc(1, sizeof *l);
    if (l == NULL) return NULL;
    snprintf(l->host, sizeof l->host, "%s", upstream_host);
    l->upstream_port = upstream_port;
    l->port = port;
    l->delay_ms = delay_ms;
    if (pthread_create(&l->thread, NULL, start_late, l) != 0) {
        free(l);
        return NULL;
    }
    return l;
}

fault_proxy *fault_proxy_join_late(fault_proxy_late *l)
{
    if (l == NULL) return NULL;
    pthread_join(l->thread, NULL);
    fault_proxy *p = l->proxy;
    free(l);
    return p;
}
