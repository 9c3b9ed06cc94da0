/// How much JSON one route's body may hold: what its schema can ever need, checked by a scan of
/// the bytes before JSONDecoder builds a tree of them (the isolation issue: a 64 MiB seals array
/// of 9.6 M items took 7.7 s and 1.4 GB to decode, to be refused for its first unknown name).
/// Past `bytes` is 413; nested deeper than `depth`, or an array of more than `arrayItems`, 422.
struct JSONLimits: Sendable {
    /// Room for every field at its longest (a name is 128 code points, 1.5 KiB written as
    /// `\u` escapes) with whitespace to spare.
    static let defaultBytes = 16 * 1024

    var bytes = defaultBytes
    /// Objects and arrays inside one another: `{"a":1}` is 1.
    var depth: Int
    var arrayItems: Int

    /// An object of scalars.
    static let flat = JSONLimits(depth: 1, arrayItems: 0)
    /// An object of scalars and objects of scalars (`limits`, `flags`).
    static let nested = JSONLimits(depth: 2, arrayItems: 0)

    /// Refuses `body` if it holds more than these limits allow. It need not be valid JSON: what
    /// is malformed is left for the decoder to name.
    func check(_ body: [UInt8]) throws(Problem) {
        guard body.count <= bytes else {
            throw Problem(.tooLarge, detail: "this route's JSON body is at most \(bytes) bytes")
        }
        // Items seen so far in each open array; nil for an open object. At most `depth` + 1 long:
        // the scan stops as soon as it passes `depth`.
        var open: [Int?] = []
        // After `[` or an array's `,`: the next value's first byte is one more item.
        var awaitsItem = false
        var isInString = false
        var isEscaped = false
        for byte in body {
            if isInString {
                if isEscaped {
                    isEscaped = false
                } else if byte == UInt8(ascii: "\\") {
                    isEscaped = true
                } else if byte == UInt8(ascii: "\"") {
                    isInString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                UInt8(ascii: ":"):
                continue
            case UInt8(ascii: ","):
                awaitsItem = open.last.map { $0 != nil } ?? false
                continue
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = open.popLast()
                awaitsItem = false
                continue
            default:
                break
            }
            if awaitsItem, let items = open.last ?? nil {
                guard items < arrayItems else {
                    throw .unprocessable(
                        "an array in this route's JSON body holds at most \(arrayItems) items")
                }
                open[open.count - 1] = items + 1
            }
            awaitsItem = false
            switch byte {
            case UInt8(ascii: "\""): isInString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open.append(byte == UInt8(ascii: "[") ? 0 : nil)
                awaitsItem = byte == UInt8(ascii: "[")
                guard open.count <= depth else {
                    throw .unprocessable("this route's JSON body nests at most \(depth) deep")
                }
            default: continue
            }
        }
    }
}
