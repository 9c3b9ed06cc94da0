import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a small text file whole: a /proc or /sys entry, a few KiB at most.
/// The corresponding C calls are `open(path, O_RDONLY | O_CLOEXEC)`, `read` and `close`.
func readTextFile(_ path: String) throws(Errno) -> String {
    let fd = try syscall("open") { open(path, O_RDONLY | O_CLOEXEC) }
    defer { _ = Glibc.close(fd) }  // read-only: nothing to lose if close(2) reports an error
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    defer { chunk.deallocate() }
    var text: [UInt8] = []
    while true {
        let count = try syscall("read") { read(fd, chunk.baseAddress, chunk.count) }
        if count == 0 { return String(decoding: text, as: UTF8.self) }
        text += chunk[..<count]
    }
}

/// The names in directory `path`, without `.` and `..`.
/// The corresponding C calls are `opendir`, `readdir` and `closedir`.
func directoryEntries(_ path: String) throws(Errno) -> [String] {
    var opened: OpaquePointer?
    _ = try syscall("opendir") { () -> Int32 in
        opened = opendir(path)
        return opened == nil ? -1 : 0
    }
    // `syscall` returned, so opendir gave a stream.
    let directory = opened!
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != ".", name != ".." { names.append(name) }
    }
    return names
}
