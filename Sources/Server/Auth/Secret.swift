import COpenSSL

/// Bearer-token material: random secrets, their SHA-256 digests, and constant-time comparison;
/// and SHA-256 itself, which request fingerprints use too. Digests are what is stored; a token is
/// shown once, when it is made, and kept only inside that answer while a retry sent with its
/// Idempotency-Key may still ask for it again (IdempotencyKeys). Every authenticated request
/// digests its token, so this stays allocation-light (it was 40% of a GET's CPU when it built
/// a String per hex digit).
enum Secret {
    /// A new random secret: 32 bytes (256 bits) from the system CSPRNG (getrandom), as hex.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// SHA-256 of the secret's UTF-8 bytes, as hex.
    static func digest(_ secret: some StringProtocol) -> String { sha256(Array(secret.utf8)) }

    /// SHA-256 of `input`, as hex.
    static func sha256(_ input: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var input = input
        // `input` and `output` live through the call; SHA256 reads `count` bytes and writes 32.
        _ = input.withUnsafeMutableBufferPointer { bytes in SHA256(bytes.baseAddress, bytes.count, &output) }
        return hex(output)
    }

    /// Whether two digests are equal, in time independent of where they first differ.
    static func digestsMatch(_ a: String, _ b: String) -> Bool { bytesMatch(Array(a.utf8), b) }

    /// Whether `text`'s UTF-8 is `bytes`, in time independent of where they first differ (only
    /// whether the lengths differ shows).
    static func bytesMatch(_ bytes: [UInt8], _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { text in
            // Both hold `count` bytes; CRYPTO_memcmp reads that many of each, and none when 0.
            bytes.count == text.count
                && bytes.withUnsafeBytes { CRYPTO_memcmp($0.baseAddress, text.baseAddress, text.count) == 0 }
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
