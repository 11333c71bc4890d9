/* Function spec options, checked and filled in. The input is the JSON. */
#include "fuzz.h"

#include <cjson/cJSON.h>

#include "colonies/colonies.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL) return 0;
    char *out = NULL;
    if (colonies_func_spec_new(&out, text) == COLONIES_OK) {
        /* A spec is made: an object with the function's name. */
        cJSON *spec = out ? cJSON_Parse(out) : NULL;
        if (!cJSON_IsObject(spec) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(spec, "funcname"))) __builtin_trap();
        cJSON_Delete(spec);
        colonies_free(out);
    }
    free(text);
    return 0;
}
