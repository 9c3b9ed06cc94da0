/// Stores the last `count` decimal digits of `value`, zero-padded, at `to`, which has room for
/// `count` bytes: the one digit writer of JSON integers and of times (`WireTime`).
@inline(__always)
func storeDecimalDigits(_ value: UInt64, count: Int, at to: UnsafeMutablePointer<UInt8>) {
    var rest = value
    for index in stride(from: count - 1, through: 0, by: -1) {
        to[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
        rest /= 10
    }
}
