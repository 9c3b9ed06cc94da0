/// A metadata value that writes itself as log fields, in order, without a dictionary: the
/// request log's shape. `LineLogHandler` asks it to append its fields to the line. A class,
/// because the handler finds it by a cast, and a cast to a class is a pointer compare where a
/// cast to a protocol searches the conformance tables.
class LogFields: CustomStringConvertible, @unchecked Sendable {
    func append(to line: inout LogLine) {}

    var description: String {
        var line = LogLine(format: .text)
        append(to: &line)
        return String(decoding: line.bytes, as: UTF8.self)
    }
}
