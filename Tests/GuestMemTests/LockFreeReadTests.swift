import Dispatch
import Foundation
import GuestMem
import Locking
import TestSupport
import Testing

/// A GET of a file whose figures cannot drift takes no lock and makes no syscall: it reads what
/// the last change published, the kernel's figures included (PublishedFiguresTests compares them
/// with the kernel's). It must still show every change, and a delete racing it must answer the
/// file whole or notFound.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LockFreeReadTests {
    @Test func aReadWithoutTheLockShowsEveryChangeAsTheChangesAnswer() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 1 << 20)

        let allocated = try fixture.allocate(file.id, 0, 1 << 20)
        let readAfterAllocate = try fixture.get(file.id)
        let punched = try fixture.punch(file.id, 0, 4096)
        let readAfterPunch = try fixture.get(file.id)
        let sealed = try fixture.addSeals([.grow, .shrink], to: file.id)
        let readAfterSeal = try fixture.get(file.id)

        #expect(readAfterAllocate == allocated)
        #expect(readAfterPunch == punched)
        #expect(readAfterPunch.version == file.version + 2)
        #expect(readAfterPunch.allocatedBytes == (1 << 20) - 4096)
        #expect(readAfterSeal == sealed)
        #expect(readAfterSeal.seals.isSuperset(of: [.grow, .shrink]))
    }

    /// Four threads read the file as fast as they can while it is deleted: each read is the
    /// file as it was, whole, or notFound once the delete took it.
    @Test func readsRacingADeleteSeeTheWholeFileOrNotFound() async throws {
        for round in 0..<20 {
            let fixture = try Fixture()
            let file = try fixture.create(size: 64 << 10, name: "round\(round)")
            let seen = PthreadMutex<(files: Int, notFound: Int, wrong: [String])>((0, 0, []))
            let started = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for _ in 0..<4 {
                group.enter()
                // Threads of their own: they spin until the delete, and Dispatch's pool would
                // start only as many as there are cores.
                Thread.detachNewThread {
                    defer { group.leave() }
                    started.signal()
                    while true {
                        do {
                            let read = try fixture.get(file.id)
                            seen.withLock { seen in
                                if read.id == file.id, read.size == 64 << 10 {
                                    seen.files += 1
                                } else {
                                    seen.wrong.append("\(read)")
                                }
                            }
                        } catch GuestMemError.notFound {
                            seen.withLock { $0.notFound += 1 }
                            return
                        } catch {
                            seen.withLock { $0.wrong.append("\(error)") }
                            return
                        }
                    }
                }
            }
            for _ in 0..<4 { #expect(started.wait(timeout: .after(.seconds(10))) == .success) }

            try fixture.store.deleteFile(file.id, of: fixture.tenant)
            let everyReaderStopped = group.wait(timeout: .after(.seconds(30))) == .success

            #expect(everyReaderStopped)
            let outcome = seen.withLock { $0 }
            #expect(outcome.wrong.isEmpty, "\(outcome.wrong.prefix(3))")
            #expect(outcome.notFound == 4)
        }
    }
}
