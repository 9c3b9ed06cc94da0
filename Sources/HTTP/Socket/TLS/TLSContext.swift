import COpenSSL

/// A server's TLS settings, loaded once at start: certificate chain and key (PEM), TLS 1.2 at
/// least, and optionally client certificates required and checked against a CA (mutual TLS).
///
/// `@unchecked Sendable`: the SSL_CTX is configured in `init` and only read afterwards; OpenSSL
/// makes SSL objects from one context on many threads safely.
package final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// The corresponding C calls are `SSL_CTX_new`, `SSL_CTX_use_certificate_chain_file`,
    /// `SSL_CTX_use_PrivateKey_file`, `SSL_CTX_check_private_key`, and for `clientCA`
    /// `SSL_CTX_load_verify_locations`, `SSL_load_client_CA_file`, `SSL_CTX_set_verify`.
    package init(certificateChain: String, privateKey: String, clientCA: String? = nil) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw Self.failure("SSL_CTX_new") }
        self.context = context
        guard gmemd_ssl_ctx_require_tls12(context) == 1 else { throw Self.failure("TLS 1.2 minimum") }
        gmemd_ssl_ctx_set_nonblocking_modes(context)
        gmemd_ssl_ctx_set_server_options(context)
        guard SSL_CTX_use_certificate_chain_file(context, certificateChain) == 1 else {
            throw Self.failure("certificate \(certificateChain)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKey, SSL_FILETYPE_PEM) == 1 else {
            throw Self.failure("private key \(privateKey)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw Self.failure("private key \(privateKey) does not match certificate \(certificateChain)")
        }
        // Resumed sessions must belong to this server; OpenSSL refuses to resume a session of a
        // verified client without an id context, failing the handshake.
        let idContext: [UInt8] = Array("gmemd".utf8)
        _ = SSL_CTX_set_session_id_context(context, idContext, UInt32(idContext.count))
        if let clientCA { try requireClientCertificates(signedBy: clientCA) }
    }

    deinit { SSL_CTX_free(context) }

    private func requireClientCertificates(signedBy caFile: String) throws(TLSError) {
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1,
            let names = SSL_load_client_CA_file(caFile)
        else { throw Self.failure("client CA \(caFile)") }
        SSL_CTX_set_client_CA_list(context, names)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
    }

    /// OpenSSL's reason for the last failure, emptying its (thread-local) error queue.
    static func failure(_ what: String) -> TLSError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(
                String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSError(
            description: "\(what): \(reasons.isEmpty ? "failed" : reasons.joined(separator: "; "))")
    }
}
