#ifndef REPLSTAT_CZLIB_SHIM_H
#define REPLSTAT_CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2` and `deflateInit2` are C macros, which Swift cannot call.
/// windowBits -15 inflates raw deflate data (gzip headers and trailers are read by replstat
/// itself, the same for zlib and ISA-L); 15 + 16 writes gzip.
static inline int replstat_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}

static inline int replstat_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
