/* The server's answer to a websocket's opening handshake, up to the blank
 * line that ends its headers (what follows is frames, which wslay reads).
 * The input is the answer. */
#include "fuzz.h"

#include "loop.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *head = fuzz_text(data, size);
    if (head == NULL) return 0;
    char *end = strstr(head, "\r\n\r\n");
    if (end) {
        char detail[512];
        (void)cl_ws_check_handshake("dGhlIHNhbXBsZSBub25jZQ==", head, (size_t)(end + 4 - head), detail, sizeof detail);
    }
    free(head);
    return 0;
}
