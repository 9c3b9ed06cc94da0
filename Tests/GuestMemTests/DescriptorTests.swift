import GuestMem
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Descriptors that leave the store and come in: the access a process gets, what adoption
/// refuses before anything changes, and the delete rule for a file whose descriptor is out.
@Suite(.timeLimit(.scaledMinutes(10)))
struct DescriptorTests {
    static func processConsumer(_ access: DescriptorAccess) -> ConsumerRequest {
        ConsumerRequest(kind: .process, access: access)
    }

    @Test(arguments: [(DescriptorAccess.readOnly, O_RDONLY), (.readWrite, O_RDWR)])
    func exportedDescriptorHasTheAccessAskedAndIsCounted(access: DescriptorAccess, mode: Int32) throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8192)

        let (consumer, fd) = try fixture.store.attachProcess(
            Self.processConsumer(access), to: file.id, of: fixture.tenant)
        defer { try? fd.close() }

        #expect(fcntl(fd.rawValue, F_GETFL) & O_ACCMODE == mode)
        #expect(consumer.access == access)
        #expect(consumer.descriptorsHandedOut == 1)
        let (again, second) = try fixture.store.handOutDescriptor(consumer.id, of: fixture.tenant)
        try? second.close()
        #expect(again.descriptorsHandedOut == 2)
    }

    @Test func handingOutToADetachedConsumerIsRefusedAndOpensNothing() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8192)
        let (consumer, fd) = try fixture.store.attachProcess(
            Self.processConsumer(.readOnly), to: file.id, of: fixture.tenant)
        try? fd.close()
        try fixture.store.detach(consumer.id, of: fixture.tenant)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.handOutDescriptor(consumer.id, of: fixture.tenant)
        }

        #expect(error?.errno == .notPermitted)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).descriptorsHandedOut == 1)
    }

    @Test func deleteIsEBUSYWhileAProcessHoldsTheFileAndForcePunchesItFirst() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 1 << 20)
        try fixture.allocate(file.id, 0, 1 << 20)
        let (_, fd) = try fixture.store.attachProcess(
            Self.processConsumer(.readWrite), to: file.id, of: fixture.tenant)
        defer { try? fd.close() }

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.deleteFile(file.id, of: fixture.tenant)
        }
        #expect(error?.errno == .resourceBusy)
        #expect(try fixture.store.usage(of: fixture.tenant).allocatedBytes == 1 << 20)

        try fixture.store.deleteFile(file.id, of: fixture.tenant, force: true)

        // The process's descriptor keeps the file, but not its memory.
        var status = stat()
        #expect(fstat(fd.rawValue, &status) == 0)
        #expect(status.st_blocks == 0)
        #expect(try fixture.store.usage(of: fixture.tenant).allocatedBytes == 0)
    }

    @Test func adoptingAnythingButAReadWriteMemfdIsEINVALAndChangesNothing() throws {
        let fixture = try Fixture()
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        close(ends[1])
        let memfd = try fixture.create(size: 4096)
        let (_, readOnly) = try fixture.store.attachProcess(
            Self.processConsumer(.readOnly), to: memfd.id, of: fixture.tenant)

        for fd in [ends[0], readOnly.rawValue] {
            let error = #expect(throws: GuestMemError.self) {
                try fixture.store.adoptFile(
                    for: fixture.tenant, name: "x", descriptor: FileDescriptor(rawValue: fd))
            }
            #expect(error?.errno == .invalidArgument)
        }
        #expect(try fixture.store.usage(of: fixture.tenant).files == 1)
    }
}
