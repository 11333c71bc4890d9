/* A small HTTP server on 127.0.0.1 that misbehaves on purpose, for fault
 * tests of the client. Never a stand-in for the real Colonies server. */
#ifndef COLONIES_TEST_FAULT_SERVER_H
#define COLONIES_TEST_FAULT_SERVER_H

typedef enum {
    FAULT_GARBAGE,       /* 200 with a body that is not JSON */
    FAULT_TRUNCATED,     /* promises more bytes than it sends, then closes */
    FAULT_STALL,         /* accepts, reads, never answers */
    FAULT_RESET,         /* accepts and resets the connection */
    FAULT_BAD_BASE64,    /* an envelope whose payload is not base64 */
    FAULT_NOT_JSON,      /* an envelope whose payload decodes to non-JSON */
    FAULT_ERROR_500,     /* a well-formed error envelope, HTTP 500 */
    FAULT_HTML_404,      /* a router's 404 page, not an envelope */
    FAULT_EMPTY_200,     /* 200 with an empty body */
    FAULT_KEEPALIVE,     /* well-behaved: answers {} and keeps the connection open */
    FAULT_WS_BAD_ACCEPT, /* upgrades to a websocket with an accept value for another key */
    FAULT_WS_GARBAGE,    /* upgrades properly, then sends a text frame that is not an envelope */
    FAULT_WS_DROP,       /* upgrades properly, reads the request, then closes the connection */
} fault_mode;

typedef struct fault_server fault_server;

/* Starts a server in a thread; returns it and sets *port. */
fault_server *fault_server_start(fault_mode mode, int *port);
void fault_server_stop(fault_server *s);
/* How many connections the server has accepted so far. */
int fault_server_connections(fault_server *s);

#endif
