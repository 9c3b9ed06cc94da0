import Glibc
package import SystemPackage

extension GuestMemfd {
    /// Copies the file's bytes from `offset` into `buffer` and returns how many, like pread(2):
    /// fewer at the end of the file, none at or past it.
    ///
    /// Only through the mapping: the kernel refuses read(2) and pread(2) on a guest_memfd
    /// (kernel-semantics.md G1, G2). ENODEV when the file is not mappable, as mmap(2) would
    /// answer (G4); EINVAL for a negative offset. Touching a hole through the mapping would
    /// fault a page in, which allocates it (A14): a read never does. Holes, as `allocation`
    /// records them, read as zeros, as a fresh page would; only allocated pages are copied.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        let mapping = try mapping(at: offset)
        let count = Int(min(Int64(buffer.count), max(0, size - offset)))
        guard count > 0, let destination = buffer.baseAddress else { return 0 }
        destination.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        // 0 ≤ offset < size and count > 0 here, so this is a valid range inside the file.
        let wanted = try! ByteRange(offset: offset, length: Int64(count))
        for extent in allocation.parts(in: wanted) {
            // `extent` lies inside `wanted`, which lies inside the mapping.
            (destination + Int(extent.offset - offset)).copyMemory(
                from: mapping.base + Int(extent.offset), byteCount: Int(extent.length))
        }
        return count
    }

    /// Copies `bytes` into the file at `offset`, all or nothing, and returns how many. The size
    /// is fixed, so a write that would end past it is EFBIG, as a write past a file's size limit
    /// is. Otherwise as `read`.
    @discardableResult
    package mutating func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        let mapping = try mapping(at: offset)
        guard Int64(bytes.count) <= size - offset else { throw .fileTooLarge }
        guard let source = bytes.baseAddress, bytes.count > 0 else { return 0 }
        touch(mapping, offset, bytes.count).copyMemory(from: source, byteCount: bytes.count)
        return bytes.count
    }

    /// The userspace_addr for a memslot over `range`: inside the mapping when there is one and the
    /// range lies in the file; else 0, and the kernel judges the range itself.
    func userspaceAddress(of range: ByteRange) -> UInt64 {
        guard let mapping, range.end <= size else { return 0 }
        return mapping.userspaceAddress + UInt64(range.offset)
    }

    private func mapping(at offset: Int64) throws(Errno) -> SharedMapping {
        guard let mapping else { throw .operationNotSupportedByDevice }
        guard offset >= 0 else { throw .invalidArgument }
        return mapping
    }

    /// Where `offset` is mapped, given `count` > 0 bytes from it that lie in the file. Records
    /// their pages as allocated, since touching them will allocate them.
    private mutating func touch(_ mapping: SharedMapping, _ offset: Int64, _ count: Int)
        -> UnsafeMutableRawPointer
    {
        let page = Self.pageSize
        let start = offset / page * page
        let end = min(size, (offset + Int64(count) + page - 1) / page * page)
        // 0 ≤ start ≤ offset < offset + count ≤ end: a valid, non-empty range.
        allocation.insert(try! ByteRange(offset: start, length: end - start))
        // offset + count ≤ size, the mapping's length.
        return mapping.base + Int(offset)
    }

    private static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
}
