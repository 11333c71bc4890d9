/* Parameters of an operation, checked against the registry and built into
 * a signed request: the checks, the defaults and the scanner that keeps each
 * value's own text. Input: one byte choosing the operation, then the JSON. */
#include "fuzz.h"

#include "colonies/colonies.h"
#include "registry.h"

#define KEY "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1) return 0;
    const cl_op *op = &cl_ops[data[0] % cl_n_ops];
    char *params = fuzz_text(data + 1, size - 1);
    if (params == NULL) return 0;
    char *out = NULL;
    if (colonies_request_encode(&out, op->name, params, KEY) == COLONIES_OK) {
        if (out == NULL || out[0] != '{') __builtin_trap();
        colonies_free(out);
    }
    free(params);
    return 0;
}
