import FoundationEssentials
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The admin bearer token: read from `--admin-token-file`, or, without that flag, from
/// `STATE_DIR/admin-token`, generated there (mode 0600) on first start so that the quick start
/// needs no configuration.
enum AdminToken {
    static func load(file: FilePath?, stateDirectory: FilePath) throws -> String {
        let path = file ?? stateDirectory.appending("admin-token")
        let stored = AtomicFile(path: path)
        if let bytes = try stored.read() {
            let token = String(String(decoding: bytes, as: UTF8.self).trimmingWhitespace(newlines: true))
            guard token.count >= 16 else {
                throw ValidationFailure("the admin token in \(path) is shorter than 16 characters")
            }
            return token
        }
        guard file == nil else { throw ValidationFailure("--admin-token-file \(path) does not exist") }
        let token = Secret.random()
        try stored.write(Array((token + "\n").utf8))
        Log.info("generated an admin token into \(path) (use it as: Authorization: Bearer $(cat \(path)))")
        return token
    }
}

/// A start-up refusal with a message for the operator.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
