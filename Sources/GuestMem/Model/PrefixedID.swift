/// An opaque, unguessable id: a kind prefix and 26 base-32 characters (130 random bits).
package protocol PrefixedID: Hashable, Comparable, Sendable, CustomStringConvertible {
    static var prefix: String { get }
    var rawValue: String { get }
    init(unchecked rawValue: String)
}

/// Lower-case Crockford base 32: no i, l, o or u, so ids survive being read aloud.
private let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
private let bodyLength = 26

/// Whether `byte` is one of `alphabet`'s: a digit, or a lower-case letter but i, l, o and u.
private func isInAlphabet(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): true
    case UInt8(ascii: "i"), UInt8(ascii: "l"), UInt8(ascii: "o"), UInt8(ascii: "u"): false
    case UInt8(ascii: "a")...UInt8(ascii: "z"): true
    default: false
    }
}

extension PrefixedID {
    /// The id `raw` spells, or nil when it has the wrong shape; callers answer "not found".
    package init?(_ raw: String) {
        // Byte by byte: every request's path and token hold an id, and String's hasPrefix and a
        // search of `alphabet` per byte were 2.7% of a GET's CPU.
        guard raw.utf8.starts(with: Self.prefix.utf8) else { return nil }
        let body = raw.utf8.dropFirst(Self.prefix.utf8.count)
        guard body.count == bodyLength, body.allSatisfy(isInAlphabet) else { return nil }
        self.init(unchecked: raw)
    }

    /// A fresh id from the system's random source (getrandom(2)).
    package static func random() -> Self {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<bodyLength).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }
        return Self(unchecked: Self.prefix + String(decoding: body, as: UTF8.self))
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { rawValue }
}

/// A tenant's id, `ten_…`.
package struct TenantID: PrefixedID {
    package static let prefix = "ten_"
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A file's id, `file_…`.
package struct FileID: PrefixedID {
    package static let prefix = "file_"
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}
