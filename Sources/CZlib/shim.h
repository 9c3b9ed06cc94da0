// zlib for gmemd's gzip Content-Encoding. deflateInit2 and inflateInit2 are macros Swift cannot
// call; each gets a static inline wrapper (toolchain-notes.md). No logic here.
#ifndef GMEMD_CZLIB_SHIM_H
#define GMEMD_CZLIB_SHIM_H
#include <zlib.h>

// windowBits 15 + 16: a gzip wrapper (RFC 1952) around the deflate stream, as zlib.h documents.
static inline int gmemd_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int gmemd_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
