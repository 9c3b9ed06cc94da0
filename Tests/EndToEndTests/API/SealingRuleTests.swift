import Foundation
import TestSupport
import Testing

/// The rules about seals themselves (kernel-semantics.md §1b, §1e; design.md §2 "Seals"): who may
/// add which, what one seal brings with it, and that none is ever taken away.
@Suite(.timeLimit(.scaledMinutes(10)))
struct SealingRuleTests {
    static let anySealRequests: [[String]] = [[], ["grow"], ["seal"], ["no_new_consumers"], ["inaccessible"]]

    @Test(arguments: anySealRequests)
    func fileCreatedWithoutAllowSealingListsSealAndRefusesEveryAddWithEPERM(seals: [String]) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 0, flags: ["allow_sealing": false])
        #expect(file.seals == ["seal"])

        let reply = try await tenant.client.post(file.path + "/seals", json: ["seals": seals])

        #expect(reply.status == 409, "\(reply.text)")
        #expect(reply.problem?.errno == "EPERM")
        #expect(try await tenant.file(file.id) == file)
    }

    @Test(arguments: anySealRequests)
    func afterTheSealSealNoSealCanBeAddedNotEvenItself(seals: [String]) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let created = try await tenant.createFile(size: 0)
        try await tenant.addSeals(["seal"], to: created)
        let file = try await tenant.file(created.id)

        let reply = try await tenant.client.post(file.path + "/seals", json: ["seals": seals])

        #expect(reply.status == 409, "\(reply.text)")
        #expect(reply.problem?.errno == "EPERM")
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func addingASealTwiceIsAcceptedAndChangesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let created = try await tenant.createFile(size: 4096)
        try await tenant.addSeals(["grow"], to: created)
        let file = try await tenant.file(created.id)

        let seals = try await tenant.addSeals(["grow"], to: file)

        #expect(seals == ["grow"])
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func addingNoSealToASealableFileIsAcceptedAndChangesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let seals = try await tenant.addSeals([], to: file)

        #expect(seals == [])
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func writeSealOnAFileWithContentKeepsItReadableAndRefusesWrites() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 8192)
        let data = Data.pattern(count: 8192)
        try await tenant.write(data, to: file)

        let seals = try await tenant.addSeals(["write"], to: file)

        #expect(seals == ["write"])
        #expect(try await tenant.content(of: file) == data)
        let write = try await tenant.client.put(file.path + "/content", bytes: Data([1]))
        #expect(write.status == 409)
        #expect(write.problem?.errno == "EPERM")
        #expect(try await tenant.content(of: file) == data)
    }

    /// X1: a memfd is created with mode 0777, and F_SEAL_EXEC on an executable file implies the
    /// write seals. `seal` can still be added afterwards.
    @Test func execSealOnAnExecutableFileAlsoSetsShrinkGrowWriteAndFutureWrite() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let seals = try await tenant.addSeals(["exec"], to: file)

        #expect(Set(seals) == ["exec", "shrink", "grow", "write", "future_write"])
        #expect(Set(try await tenant.file(file.id).seals) == Set(seals))
        #expect(Set(try await tenant.addSeals(["seal"], to: file)) == Set(seals + ["seal"]))
    }

    /// M4, X3: `noexec_seal` starts the file with the exec seal alone, mode 0666, still sealable.
    @Test func noexecSealFileStartsWithOnlyTheExecSealAndTakesMore() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096, flags: ["noexec_seal": true])
        #expect(file.seals == ["exec"])

        let seals = try await tenant.addSeals(["grow"], to: file)

        #expect(Set(seals) == ["exec", "grow"])
        _ = try await tenant.client.put(file.path + "/content", bytes: Data([1, 2, 3])).expecting(
            200, "write")
    }

    @Test func noNewConsumersIsStoredAndListedWhereverSealsAreShown() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let seals = try await tenant.addSeals(["no_new_consumers"], to: file)

        #expect(seals == ["no_new_consumers"])
        let listed = try await tenant.client.get(file.path + "/seals").expecting(200, "seals")
        #expect(try listed.decoded(SealList.self).seals == ["no_new_consumers"])
        #expect(try await tenant.file(file.id).seals == ["no_new_consumers"])
        let page = try await tenant.client.get("/v1/files").expecting(200, "list").decoded(FilePage.self)
        #expect(page.items.first { $0.id == file.id }?.seals == ["no_new_consumers"])
    }

    struct PartlyRefusedSeals: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var seals: [String]
        var status: Int
        var errno: String
    }

    static let partlyRefused: [PartlyRefusedSeals] = [
        PartlyRefusedSeals(
            testDescription: "grow with inaccessible on a non-empty file", seals: ["grow", "inaccessible"],
            status: 409, errno: "EBUSY"),
        PartlyRefusedSeals(
            testDescription: "write and no_new_consumers with inaccessible on a non-empty file",
            seals: ["write", "no_new_consumers", "inaccessible"], status: 409, errno: "EBUSY"),
        PartlyRefusedSeals(
            testDescription: "shrink with an unknown seal", seals: ["shrink", "sticky"], status: 422,
            errno: "EINVAL"),
    ]

    @Test(arguments: partlyRefused)
    func addingSeveralSealsWhereOneIsRefusedAddsNone(request: PartlyRefusedSeals) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let reply = try await tenant.client.post(file.path + "/seals", json: ["seals": request.seals])

        #expect(reply.status == request.status, "\(reply.text)")
        #expect(reply.problem?.errno == request.errno)
        #expect(try await tenant.file(file.id) == file)
        _ = try await tenant.client.put(file.path + "/content", bytes: Data([1])).expecting(200, "write")
        _ = try await tenant.resize(file, to: 8192).expecting(200, "grow")
    }

    @Test func sealsAreNeverRemovedByAnyRequest() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)
        try await tenant.addSeals(["grow", "shrink"], to: file)

        let fewer = try await tenant.addSeals(["write"], to: file)
        let none = try await tenant.addSeals([], to: file)
        let deleted = try await tenant.client.delete(file.path + "/seals")
        let replaced = try await tenant.client.send(
            "PUT", file.path + "/seals", body: try APIClient.encode(["seals": [String]()]),
            headers: ["Content-Type": "application/json"])

        #expect(Set(fewer) == ["grow", "shrink", "write"])
        #expect(Set(none) == ["grow", "shrink", "write"])
        #expect(deleted.status == 405)
        #expect(replaced.status == 405)
        #expect(Set(try await tenant.file(file.id).seals) == ["grow", "shrink", "write"])
    }

    @Test(arguments: [Int64(4096), 0])
    func inaccessibleOnAFileWithSizeOrAllocationIsBusyAndAddsNothing(size: Int64) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let created = try await tenant.createFile(size: size)
        // F8: a keep-size allocation leaves the size alone but holds pages past the end.
        _ = try await tenant.fallocate(created, "allocate", offset: 0, length: 8192, keepSize: true)
            .expecting(200, "allocate")
        let file = try await tenant.file(created.id)

        let reply = try await tenant.client.post(file.path + "/seals", json: ["seals": ["inaccessible"]])

        #expect(reply.status == 409, "\(reply.text)")
        #expect(reply.problem?.errno == "EBUSY")
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func inaccessibleOnAnEmptyFileIsSetAndListed() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 0)

        let seals = try await tenant.addSeals(["inaccessible"], to: file)

        #expect(seals == ["inaccessible"])
        #expect(try await tenant.file(file.id).seals == ["inaccessible"])
    }
}

/// A page of `GET /v1/files`.
struct FilePage: Decodable {
    var items: [RemoteFile]
    var nextCursor: String?
}
