// OpenSSL for gmemd: digests and constant-time comparison now; TLS later. Only plain headers
// here; macros Swift cannot call get a static inline wrapper (toolchain-notes.md).
#ifndef GMEMD_COPENSSL_SHIM_H
#define GMEMD_COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/sha.h>
#endif
