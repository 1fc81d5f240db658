// libssl for the registry client's TLS (design.md §7: linked statically from libssl.a).
// OpenSSL spells several calls as function-like macros, which Swift cannot import;
// the inline wrappers below give them names.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static inline long berth_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline int berth_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

// Servers that close without close_notify are common; HTTP framing (Content-Length,
// chunked) is what detects truncation, so an unexpected EOF reads as end of stream.
static inline void berth_ssl_ctx_ignore_unexpected_eof(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
}
