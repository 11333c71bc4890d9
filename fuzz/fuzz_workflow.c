/* Workflows, checked before they are sent, and process graphs, read to find
 * a node's process. The input is the JSON, used as both. */
#include "fuzz.h"

#include "colonies/colonies.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL) return 0;
    (void)colonies_workflow_check(text);
    char *out = NULL;
    if (colonies_workflow_add(&out, text, "{\"funcname\":\"f\",\"conditions\":{\"executortype\":\"t\"}}", "n", NULL) ==
        COLONIES_OK)
        colonies_free(out);
    out = NULL;
    if (colonies_process_graph_node(&out, text, "n") == COLONIES_OK) colonies_free(out);
    free(text);
    return 0;
}
