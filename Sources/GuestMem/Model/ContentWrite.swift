/// What a write of content did: the bytes written (fewer than asked at a grow seal, as
/// pwrite(2) answers), the file's size after, and its version after, which is its new ETag.
package struct ContentWrite: Equatable, Sendable {
    package let written: Int64
    package let size: Int64
    package let version: UInt64

    package init(written: Int64, size: Int64, version: UInt64) {
        (self.written, self.size, self.version) = (written, size, version)
    }
}
