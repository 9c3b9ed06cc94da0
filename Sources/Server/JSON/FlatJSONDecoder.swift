/// Decodes a body's DTO from a `FlatJSONObject` through the DTO's own `init(from:)`, so that one
/// decoder serves every body that fits it. It answers only what JSONDecoder would answer the
/// same way: a field of another type than the one asked for, a missing one, a nested container
/// or an unknown key throws `Unsupported`, and `Request.decodeJSON` lets JSONDecoder decode that
/// body instead, which names the error as the wire always has.
struct FlatJSONDecoder: Decoder {
    /// This decoder does not answer for the body; JSONDecoder does.
    struct Unsupported: Error {}

    let object: FlatJSONObject
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `T` decoded from `body`, or nil when this decoder does not answer for it.
    static func decode<T: Decodable>(_: T.Type, from body: [UInt8]) -> T? {
        guard let object = FlatJSONObject(parsing: body) else { return nil }
        return try? T(from: FlatJSONDecoder(object: object))
    }

    /// Every field is one of `Keys` (`Decoder.rejectUnknownKeys` for this decoder: no field is
    /// ever null here).
    func requireKnownKeys<Keys: CodingKey>(_: Keys.Type) throws {
        for field in object.fields where Keys(stringValue: field.key) == nil { throw Unsupported() }
    }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Fields(object: object))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Unsupported() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Unsupported() }

    private struct Fields<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: FlatJSONObject
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { object.fields.compactMap { Key(stringValue: $0.key) } }

        func contains(_ key: Key) -> Bool { object.value(key.stringValue) != nil }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        func decode(_: Bool.Type, forKey key: Key) throws -> Bool {
            guard case .boolean(let value) = object.value(key.stringValue) else { throw Unsupported() }
            return value
        }

        func decode(_: String.Type, forKey key: Key) throws -> String {
            guard case .string(let value) = object.value(key.stringValue) else { throw Unsupported() }
            return value
        }

        func decode(_: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
        func decode(_: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
        func decode(_: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
        func decode(_: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
        func decode(_: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
        func decode(_: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
        func decode(_: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
        func decode(_: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
        func decode(_: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
        func decode(_: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }
        func decode(_: Double.Type, forKey key: Key) throws -> Double { throw Unsupported() }
        func decode(_: Float.Type, forKey key: Key) throws -> Float { throw Unsupported() }

        func decode<T: Decodable>(_: T.Type, forKey key: Key) throws -> T {
            let value: Any? =
                switch object.value(key.stringValue) {
                case .string(let text): text
                case .integer(let number): number
                case .boolean(let flag): flag
                case nil: nil
                }
            guard let typed = value as? T else { throw Unsupported() }
            return typed
        }

        /// An integer field, in range of `T` (JSONDecoder refuses one out of range).
        private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
            guard case .integer(let value) = object.value(key.stringValue), let exact = T(exactly: value)
            else {
                throw Unsupported()
            }
            return exact
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey _: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw Unsupported()
        }

        func nestedUnkeyedContainer(forKey _: Key) throws -> any UnkeyedDecodingContainer {
            throw Unsupported()
        }

        func superDecoder() throws -> any Decoder { throw Unsupported() }
        func superDecoder(forKey _: Key) throws -> any Decoder { throw Unsupported() }
    }
}
