import GuestMem
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Content: pread and pwrite through the store, and the fd handed out for sendfile.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ContentTests {
    @Test func writtenBytesReadBackAndGrowTheFile() throws {
        let fixture = try Fixture()
        let file = try fixture.create()

        let result = try fixture.store.write(
            file.id, of: fixture.tenant, offset: 4096, bytes: Array("hello".utf8))

        #expect(result.written == 5)
        #expect(result.size == 4101)
        let bytes = try fixture.store.read(
            file.id, of: fixture.tenant, range: ByteRange(offset: 4094, length: 100))
        #expect(bytes == [0, 0] + Array("hello".utf8))
        #expect(try fixture.get(file.id).version == file.version + 1)
        #expect(try fixture.usage().allocatedBytes == 4096)
    }

    @Test func readPastTheEndAnswersNoBytes() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 10)
        #expect(
            try fixture.store.read(file.id, of: fixture.tenant, range: ByteRange(offset: 10, length: 5)) == []
        )
        #expect(
            try fixture.store.read(file.id, of: fixture.tenant, range: ByteRange(offset: 1 << 40, length: 5))
                == [])
    }

    @Test func readLargerThanMaxReadBytesIsInvalidWithENOMEM() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 1 << 30)
        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.read(file.id, of: fixture.tenant, range: ByteRange(offset: 0, length: 1 << 30))
        }
        #expect(error?.kind == .invalid)
        #expect(error?.errno == .noMemory)
        let bytes = try fixture.store.read(
            file.id, of: fixture.tenant, range: ByteRange(offset: 0, length: 1 << 20))
        #expect(bytes.count == 1 << 20)
        #expect(try fixture.get(file.id).allocatedBytes == 0)
    }

    @Test func emptyWriteChangesNothing() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 100)
        let result = try fixture.store.write(file.id, of: fixture.tenant, offset: 50, bytes: [])
        #expect(result == ContentWrite(written: 0, size: 100, version: file.version))
        #expect(try fixture.get(file.id) == file)
    }

    @Test(arguments: [(-1, 1), (Int64.max - 1, 2), (Int64.max, 1)] as [(Int64, Int)])
    func writeAtAnOffsetPwriteRefusesIsInvalidWithEINVAL(offset: Int64, count: Int) throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.write(
                file.id, of: fixture.tenant, offset: offset, bytes: [UInt8](repeating: 1, count: count))
        }
        #expect(error?.kind == .invalid)
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.get(file.id) == file)
    }

    @Test func contentHandleIsAPrivateCloseOnExecFdWithTheSize() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 3000)
        let handle = try fixture.store.openContent(file.id, of: fixture.tenant)
        #expect(handle.size == 3000)
        #expect(fcntl(handle.fd.rawValue, F_GETFD) & FD_CLOEXEC != 0)

        try fixture.store.deleteFile(file.id, of: fixture.tenant)
        var byte: UInt8 = 0
        #expect(pread(handle.fd.rawValue, &byte, 1, 2999) == 1)
        #expect(byte == 0xa5)
        handle.close()
    }

    @Test func contentHandleHandsItsFdOverWithoutClosingIt() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 1)
        let fd = try fixture.store.openContent(file.id, of: fixture.tenant).takeFileDescriptor()
        #expect(fcntl(fd.rawValue, F_GETFD) != -1)
        try fd.close()
    }

    @Test func writeSealedFileStillReads() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 16)
        try fixture.addSeals(.write, to: file.id)
        let bytes = try fixture.store.read(
            file.id, of: fixture.tenant, range: ByteRange(offset: 0, length: 16))
        #expect(bytes == [UInt8](repeating: 0xa5, count: 16))
    }
}
