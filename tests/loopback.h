/* Shared by the test servers: a listening socket on 127.0.0.1. */
#ifndef COLONIES_TEST_LOOPBACK_H
#define COLONIES_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket listening on 127.0.0.1 at *port, or at a free port when *port is
 * 0, which *port then receives; -1 on failure. */
static inline int listen_loopback_at(int backlog, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)*port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A socket listening on 127.0.0.1 at a free port, which *port receives; -1 on failure. */
static inline int listen_loopback(int backlog, int *port)
{
    *port = 0;
    return listen_loopback_at(backlog, port);
}

#endif
