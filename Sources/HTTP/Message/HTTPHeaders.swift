/// Header fields in arrival order. Names compare case-insensitively (RFC 9110 §5.1); values
/// are kept as sent, minus surrounding whitespace.
package struct HTTPHeaders: Sendable, Sequence {
    package private(set) var fields: [(name: String, value: String)] = []

    package init() {}
    package init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    package mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field of this name with one.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    package mutating func remove(_ name: String) {
        fields.removeAll { Self.same($0.name, name) }
    }

    /// The first value of the field, or nil.
    package subscript(_ name: String) -> String? {
        fields.first { Self.same($0.name, name) }?.value
    }

    /// Every value of the field, in order.
    package func values(_ name: String) -> [String] {
        fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive: field names are tokens (RFC 9110 §5.1), so no Unicode folding
    /// and no lowercased copies.
    private static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { x, y in
                x == y || (x | 0x20 == y | 0x20 && (x | 0x20) &- 0x61 < 26)
            }
    }
}
