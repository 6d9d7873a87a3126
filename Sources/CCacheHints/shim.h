#ifndef REPLSTAT_CCACHEHINTS_SHIM_H
#define REPLSTAT_CCACHEHINTS_SHIM_H
#include <stddef.h>
#include <stdint.h>
/// A hint to bring the cache line at `address` into the cache before it is read, which Swift
/// cannot give: the reorder window asks for the sample it will release next (ReorderWindow).
static inline void replstat_prefetch(const void *address) {
    __builtin_prefetch(address);
}

/// The same hint for every cache line of the `bytes` bytes at `address`: the index partition
/// asks for the derivation state of the index whose sample comes a few entries later
/// (IndexPartition), several lines long.
static inline void replstat_prefetch_range(const void *address, size_t bytes) {
    const uintptr_t line = 64;
    uintptr_t first = (uintptr_t)address & ~(line - 1);
    uintptr_t end = (uintptr_t)address + bytes;
    for (uintptr_t at = first; at < end; at += line) __builtin_prefetch((const void *)at);
}
#endif
