#ifndef REPLSTAT_CCACHEHINTS_SHIM_H
#define REPLSTAT_CCACHEHINTS_SHIM_H
/// A hint to bring the cache line at `address` into the cache before it is read, which Swift
/// cannot give: the reorder window asks for the sample it will release next (ReorderWindow).
static inline void replstat_prefetch(const void *address) {
    __builtin_prefetch(address);
}
#endif
