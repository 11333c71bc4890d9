/* What every harness defines: libFuzzer calls it with each input. */
#ifndef COLONIES_FUZZ_H
#define COLONIES_FUZZ_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#endif
