/* What every harness defines: libFuzzer calls it with each input. */
#ifndef COLONIES_FUZZ_H
#define COLONIES_FUZZ_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The input as a C string (a copy with a NUL after it; free() it), or NULL. */
static inline char *fuzz_text(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) return NULL;
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
