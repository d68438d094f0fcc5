/*
 * fuzz.h -- the libFuzzer entry point every harness defines; replay.c
 * calls the same function on the committed corpus in "make check".
 */
#ifndef KEO_FUZZ_H
#define KEO_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
