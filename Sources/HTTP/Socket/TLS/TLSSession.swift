import COpenSSL
import Glibc
import SystemPackage

/// One connection's TLS state (an OpenSSL SSL over the connection's non-blocking fd). Owned by
/// its `StreamSocket` and used only on that connection's loop thread.
///
/// Every call leaves OpenSSL's thread-local error queue empty, so SSL_get_error judges only
/// the call just made and one connection's failure never shows up on another's.
final class TLSSession {
    private let ssl: OpaquePointer

    /// The corresponding C calls are `SSL_new`, `SSL_set_fd`, `SSL_set_accept_state`.
    init?(context: TLSContext, fd: Int32) {
        guard let ssl = SSL_new(context.context) else {
            ERR_clear_error()
            return nil
        }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    enum HandshakeStep {
        case done
        case wantsRead
        case wantsWrite
        /// The client spoke plain HTTP to the TLS port.
        case plainHTTP
        case failed
    }

    /// Takes the handshake as far as the socket allows. The corresponding C call is
    /// `SSL_do_handshake`.
    func handshake() -> HandshakeStep {
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantsRead
        case SSL_ERROR_WANT_WRITE: return .wantsWrite
        default:
            let isPlainHTTP = gmemd_err_is_plain_http(ERR_peek_error()) != 0
            ERR_clear_error()
            return isPlainHTTP ? .plainHTTP : .failed
        }
    }

    /// Decrypted bytes, up to `buffer.count`. The corresponding C call is `SSL_read`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadResult {
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return .bytes(Int(result)) }
        switch SSL_get_error(ssl, result) {
        // WANT_WRITE on a read only comes with renegotiation or a key update answered into a
        // full socket buffer; renegotiation is off, and the next readable event retries.
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        case SSL_ERROR_ZERO_RETURN: return .endOfStream
        default:
            ERR_clear_error()
            // A peer that closed without close_notify reads as EOF, as it would over TCP.
            return .endOfStream
        }
    }

    /// Encrypts and writes as much of `bytes` as the socket takes, one record or more. A retry
    /// after `wouldBlock` must offer the same bytes again (the queue does: they are still its
    /// first). The corresponding C call is `SSL_write`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> WriteResult {
        guard !bytes.isEmpty else { return .wrote(0) }
        let result = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        if result > 0 { return .wrote(Int(result)) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        default:
            ERR_clear_error()
            throw .brokenPipe
        }
    }

    /// Sends close_notify if the socket takes it now; never waits for the peer's. The
    /// corresponding C call is `SSL_shutdown`.
    func shutdown() {
        if SSL_shutdown(ssl) < 0 { ERR_clear_error() }
    }
}
