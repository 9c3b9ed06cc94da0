/// Calls `body` with the decimal digits of `value`, made on the stack: the one digit loop for
/// response heads (status, Content-Length) and gmemd's log lines, which both run per request
/// and must not allocate a String for a number.
package func withDecimalDigits<R>(of value: UInt, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any UInt
    return withUnsafeMutableBytes(of: &digits) { buffer in
        var start = buffer.count
        var rest = value
        repeat {
            // SAFETY: a UInt has at most 20 decimal digits, fewer than the 24 bytes here.
            start -= 1
            buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        return body(UnsafeRawBufferPointer(rebasing: buffer[start...]))
    }
}
