/* Reply envelopes: what the server (or anything answering in its place)
 * sends back, for any operation of the registry and any HTTP status.
 * Input: one byte choosing the operation, one the status, then the body. */
#include "fuzz.h"
#include "client_internal.h"

static const long STATUSES[] = {200, 200, 200, 400, 401, 403, 404, 500, 502, 503, 504, 0};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 2) return 0;
    const cl_op *op = &cl_ops[data[0] % cl_n_ops];
    long status = STATUSES[data[1] % (sizeof STATUSES / sizeof STATUSES[0])];
    char *out = NULL;
    const char *msgtype = op->msgtype ? op->msgtype : op->name;
    if (cl_decode_reply(&out, msgtype, op, data[1] & 1, status, (const char *)data + 2, size - 2) == COLONIES_OK) {
        if (out == NULL) __builtin_trap(); /* success always gives a reply */
        free(out);
    }
    return 0;
}
