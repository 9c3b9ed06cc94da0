import Glibc
import GuestMem
import Testing

/// What the KVM tests share: shorthands. Whether the host has what a test needs is the traits'
/// question (HostFeatureTraits.swift).
enum KVMTest {
    static let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
    static let mebibyte: Int64 = 1 << 20

    /// A fresh VM; the host fd is closed again at once, as the VM does not need it.
    static func vm() throws -> VirtualMachine {
        let host = try KVMHost()
        return try host.createVM()
    }

    static func range(_ offset: Int64, _ length: Int64) throws -> ByteRange {
        try ByteRange(offset: offset, length: length)
    }
}
