import ArgumentParser
import HTTP

/// The operations flags: how they are checked and what they set in the server's configuration.
extension Gmemd {
    func validateOperations() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard tlsClientCa == nil || tlsCert != nil else {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key")
        }
        guard !listen.isNone || unix != nil else {
            throw ValidationError("--listen none needs --unix PATH: gmemd would listen nowhere")
        }
        guard !listen.isNone || tlsCert == nil else {
            throw ValidationError("--tls-cert is for the TCP listener, and --listen is none")
        }
        guard metricsListen?.isNone != true else {
            throw ValidationError("--metrics-listen takes HOST:PORT; leave it out for no metrics listener")
        }
        guard gzipMinBytes >= 0 else { throw ValidationError("--gzip-min-bytes must not be negative") }
        guard (1...9).contains(gzipLevel) else { throw ValidationError("--gzip-level must be from 1 to 9") }
    }

    /// Everything but the TLS context, which is loaded (and may fail) when the service starts.
    func applyOperations(to configuration: inout ServerConfiguration) {
        configuration.servesTCP = !listen.isNone
        configuration.unixSocket = unix.map { UnixSocketAddress(path: $0, mode: unixMode.bits) }
        configuration.gzipMinimumBytes = gzipMinBytes > 0 ? gzipMinBytes : nil
        configuration.gzipLevel = gzipLevel
    }

    /// The TLS context of `--tls-cert`/`--tls-key`/`--tls-client-ca`, or nil for plain HTTP.
    func tlsContext() throws -> TLSContext? {
        guard let tlsCert, let tlsKey else { return nil }
        return try TLSContext(certificateChain: tlsCert, privateKey: tlsKey, clientCA: tlsClientCa)
    }
}
