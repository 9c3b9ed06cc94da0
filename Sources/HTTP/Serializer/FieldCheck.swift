/// How the serializer treats a handler's response field.
enum FieldCheck {
    /// A name that is not a token, or a value with CR, LF or another control: left out, since
    /// it could end the head early or forge a field.
    case invalid
    /// Content-Length or Transfer-Encoding: the server frames the body itself.
    case framing
    case connection(asksClose: Bool)
    case date
    /// X-Request-Id: the server sets it from the request, once.
    case requestID
    case other

    init(name: String, value: String) {
        guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isTokenByte),
            value.utf8.allSatisfy(ASCII.isFieldValueByte)
        else {
            self = .invalid
            return
        }
        var name = name
        self = name.withUTF8 { raw in
            let bytes = UnsafeRawBufferPointer(raw)
            switch bytes.count {
            case 4 where ASCII.equalsLowercase(bytes, "date"): return .date
            case 12 where ASCII.equalsLowercase(bytes, "x-request-id"): return .requestID
            case 10 where ASCII.equalsLowercase(bytes, "connection"):
                var value = value
                return .connection(asksClose: value.withUTF8 { Self.listsClose(UnsafeRawBufferPointer($0)) })
            case 14 where ASCII.equalsLowercase(bytes, "content-length"): return .framing
            case 17 where ASCII.equalsLowercase(bytes, "transfer-encoding"): return .framing
            default: return .other
            }
        }
    }

    private static func listsClose(_ value: UnsafeRawBufferPointer) -> Bool {
        value.split(separator: UInt8(ascii: ",")).contains {
            ASCII.equalsLowercase(ASCII.trimmed(UnsafeRawBufferPointer(rebasing: $0)), "close")
        }
    }
}
