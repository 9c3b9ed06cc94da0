// OpenSSL for gmemd: digests and constant-time comparison (Server), TLS (HTTP). Only plain
// headers here; macros Swift cannot call get a static inline wrapper (toolchain-notes.md).
#ifndef GMEMD_COPENSSL_SHIM_H
#define GMEMD_COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
static inline int gmemd_ssl_ctx_require_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

// SSL_CTX_set_mode is a macro. Partial writes: SSL_write returns after each record, as write(2)
// would; a moving buffer: a retry after WANT_WRITE may pass the same bytes from another address.
static inline void gmemd_ssl_ctx_set_nonblocking_modes(SSL_CTX *context) {
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

// SSL_OP_* are macro expressions. No renegotiation (a TLS 1.2 client could otherwise make a
// read want a write), no TLS compression (CRIME), the server's cipher order.
static inline void gmemd_ssl_ctx_set_server_options(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}

// ERR_GET_REASON is an inline over a bit layout that differs between OpenSSL versions.
static inline int gmemd_err_is_plain_http(unsigned long error) {
    int reason = ERR_GET_REASON(error);
    return ERR_GET_LIB(error) == ERR_LIB_SSL && (reason == SSL_R_HTTP_REQUEST || reason == SSL_R_HTTPS_PROXY_REQUEST);
}
#endif
