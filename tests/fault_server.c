#include "fault_server.h"
#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

struct fault_server {
    int fd;
    fault_mode mode;
    atomic_int stop;
    atomic_int connections;
    pthread_t thread;
};

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, const char *status, const char *body)
{
    char head[256];
    snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             status, strlen(body));
    send_all(fd, head);
    send_all(fd, body);
}

/* Reads what the client sends, until it pauses: enough for small requests. */
static void drain(int fd)
{
    char buf[4096];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, 200) > 0) {
        if (recv(fd, buf, sizeof buf, 0) <= 0) return;
    }
}

/* Reads one request (headers, then Content-Length bytes); 0 at end of stream. */
static int read_request(int fd)
{
    char buf[65536];
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (len == sizeof buf - 1) return 0;
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) return 0;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strstr(buf, "Content-Length:");
    size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t have = len - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return 0;
        have += (size_t)n;
    }
    return 1;
}

/* Answers every request on the connection with an empty success envelope. */
static void serve_keepalive(fault_server *s, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (poll(&p, 1, 50) == 0) continue;
        if (!read_request(fd)) return;
        /* {} in base64 */
        reply(fd, "200 OK", "{\"payloadtype\":\"x\",\"payload\":\"e30=\",\"error\":false}");
    }
}

/* Reads a websocket upgrade request and answers it: with the right accept
 * value and then a text frame that is no envelope, or with a wrong one. */
static void serve_websocket(fault_server *s, int fd)
{
    char buf[8192] = "";
    size_t len = 0;
    while (strstr(buf, "\r\n\r\n") == NULL) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0 || len + (size_t)n >= sizeof buf - 1) return;
        len += (size_t)n;
        buf[len] = '\0';
    }
    char key[64] = "", keyed[128], accept[64] = "";
    const char *k = strstr(buf, "Sec-WebSocket-Key: ");
    if (k) sscanf(k + 19, "%63[^\r]", key);
    snprintf(keyed, sizeof keyed, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(keyed, strlen(keyed), digest, &n, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)accept, digest, (int)n);
    if (s->mode == FAULT_WS_BAD_ACCEPT) accept[0] = accept[0] == 'A' ? 'B' : 'A';
    char head[512];
    snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    send_all(fd, head);
    if (s->mode == FAULT_WS_GARBAGE) {
        /* FIN + text, unmasked, 8 bytes. */
        static const char frame[] = "\x81\x08not json";
        send(fd, frame, sizeof frame - 1, MSG_NOSIGNAL);
    }
    drain(fd);
}

static void serve(fault_server *s, int fd)
{
    if (s->mode == FAULT_WS_BAD_ACCEPT || s->mode == FAULT_WS_GARBAGE || s->mode == FAULT_WS_DROP) {
        serve_websocket(s, fd);
        return;
    }
    if (s->mode == FAULT_KEEPALIVE) {
        serve_keepalive(s, fd);
        return;
    }
    if (s->mode == FAULT_RESET) {
        struct linger l = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return;
    }
    drain(fd);
    switch (s->mode) {
    case FAULT_GARBAGE: reply(fd, "200 OK", "this is not json"); break;
    case FAULT_TRUNCATED:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"payloadtype\":\"x\",\"pay");
        break;
    case FAULT_STALL:
        for (int i = 0; i < 100 && !atomic_load(&s->stop); i++) nanosleep(&(struct timespec){.tv_nsec = 50000000},
             NULL);
        break;
    case FAULT_BAD_BASE64: reply(fd, "200 OK", "{\"payloadtype\":\"x\",\"payload\":\"!!!!\",\"error\":false}"); break;
    case FAULT_NOT_JSON:
        /* "not json" in base64 */
        reply(fd, "200 OK", "{\"payloadtype\":\"x\",\"payload\":\"bm90IGpzb24=\",\"error\":false}");
        break;
    case FAULT_ERROR_500:
        /* {"status":500,"message":"boom"} in base64 */
        reply(fd, "500 Internal Server Error",
              "{\"payloadtype\":\"error\",\"payload\":\"eyJzdGF0dXMiOjUwMCwibWVzc2FnZSI6ImJvb20ifQ==\",\"error\":true}");
        break;
    case FAULT_HTML_404: reply(fd, "404 Not Found", "<html>no such page</html>"); break;
    case FAULT_EMPTY_200: reply(fd, "200 OK", ""); break;
    case FAULT_RESET:
    case FAULT_KEEPALIVE:
    case FAULT_WS_BAD_ACCEPT:
    case FAULT_WS_GARBAGE:
    case FAULT_WS_DROP: break;
    }
}

static void *run(void *arg)
{
    fault_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0) continue;
        atomic_fetch_add(&s->connections, 1);
        serve(s, fd);
        close(fd);
    }
    return NULL;
}

fault_server *fault_server_start(fault_mode mode, int *port)
{
    fault_server *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->mode = mode;
    s->fd = listen_loopback(16, port);
    if (s->fd < 0 || pthread_create(&s->thread, NULL, run, s) != 0) {
        if (s->fd >= 0) close(s->fd);
        free(s);
        return NULL;
    }
    return s;
}

int fault_server_connections(fault_server *s) { return atomic_load(&s->connections); }

void fault_server_stop(fault_server *s)
{
    if (s == NULL) return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}
