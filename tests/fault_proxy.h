/* A small HTTP proxy on 127.0.0.1 in front of the real Colonies server, that
 * loses replies on purpose: it forwards a request, lets the server act on it,
 * and drops the connection instead of returning the reply. For the tests that
 * show a request is never applied twice. */
#ifndef COLONIES_TEST_FAULT_PROXY_H
#define COLONIES_TEST_FAULT_PROXY_H

typedef struct fault_proxy fault_proxy;

/* Starts a proxy to upstream_host:upstream_port in a thread; sets *port. */
fault_proxy *fault_proxy_start(const char *upstream_host, int upstream_port, int *port);
/* The same on the port *port (0: a free one, which *port receives). */
fault_proxy *fault_proxy_start_at(const char *upstream_host, int upstream_port, int *port);
void fault_proxy_stop(fault_proxy *p);
/*
 * The next request the proxy forwards, on whichever connection, is answered
 * by the server, but the connection is closed instead of the reply being
 * returned. Once.
 */
void fault_proxy_drop_next_reply(fault_proxy *p);
/* Closes a client connection that has been idle for ms milliseconds (0: never). */
void fault_proxy_idle_close(fault_proxy *p, int ms);
/* How many requests of a payload type the proxy has forwarded to the server. */
int fault_proxy_forwarded(fault_proxy *p, const char *payloadtype);
/* How many client connections the proxy has accepted. */
int fault_proxy_connections(fault_proxy *p);

/* A free port on 127.0.0.1, for a proxy started later. */
int fault_proxy_free_port(void);
/* Starts a proxy on port after delay_ms, on a thread of its own; nothing listens there until then. */
typedef struct fault_proxy_late fault_proxy_late;
fault_proxy_late *fault_proxy_start_late(const char *upstream_host, int upstream_port, int port, long delay_ms);
/* Waits for it to have started; the proxy (NULL if it could not start). Frees l. */
fault_proxy *fault_proxy_join_late(fault_proxy_late *l);

#endif
