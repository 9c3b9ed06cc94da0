import Foundation
import Glibc
import HTTP
import TestSupport
import Testing

/// SCM_RIGHTS through the server: a response's descriptors go with its first byte, once; a
/// request's reach its handler; every copy the server held is closed, whatever the client does.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct DescriptorPassingTests {
    /// `/give?size=N` answers N bytes with a dup of `writeEnd` attached; `/take` writes "got" into
    /// each descriptor its request brought and answers how many; `/ignore` takes none; `/where`
    /// answers the listener.
    static func router(writeEnd: Int32) -> Router {
        var router = Router()
        router.add(
            .get, "/give",
            .onLoop { request in
                let size = Int(request.queryValue("size") ?? "") ?? 4
                var response = Response(
                    status: .ok, contentType: "text/plain", bytes: [UInt8](repeating: 120, count: size))
                response.descriptors = PassedDescriptors([fcntl(writeEnd, F_DUPFD_CLOEXEC, 0)])
                return response
            })
        router.add(
            .post, "/take",
            .onLoop { request in
                let fds = request.descriptors?.take() ?? []
                for fd in fds {
                    _ = write(fd, "got", 3)
                    close(fd)
                }
                return Response(status: .ok, contentType: "text/plain", bytes: Array("\(fds.count)".utf8))
            })
        router.add(.post, "/ignore", .onLoop { _ in Response(status: .noContent) })
        router.add(
            .get, "/where",
            .onLoop { request in
                Response(status: .ok, contentType: "text/plain", bytes: Array("\(request.listener)".utf8))
            })
        return router
    }

    static func serve(_ pipe: TestPipe, overTCP: Bool = false) throws -> (LiveServer, String) {
        let path = UnixListenerTests.temporaryPath()
        let live = try LiveServer(router(writeEnd: pipe.writeEnd)) { configuration in
            configuration.servesTCP = overTCP
            configuration.unixSocket = UnixSocketAddress(path: path)
        }
        return (live, path)
    }

    static func text(_ reads: [DescriptorClient.Read]) -> String {
        String(decoding: reads.flatMap(\.bytes), as: UTF8.self)
    }

    @Test func responseDescriptorArrivesOnceWithItsFirstByteWhenTheBodyTakesManyWrites() async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, path) = try Self.serve(pipe)
        let client = try DescriptorClient(unixPath: path)
        // 8 MiB is far more than a Unix socket buffer: the server writes it in many parts.
        try client.send("GET /give?size=8388608 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")

        let reads = try await client.readUntilClosed()

        let received = reads.flatMap(\.descriptors)
        #expect(received.count == 1)
        #expect(reads.first?.descriptors.count == 1)
        #expect(reads.reduce(0) { $0 + $1.bytes.count } > 8_388_608)
        // It is the pipe's write end: what goes in comes out at the test's read end.
        for fd in received {
            _ = write(fd, "ping", 4)
            close(fd)
        }
        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == Array("ping".utf8))
        try await live.stop()
    }

    @Test func pipelinedResponsesEachBringTheirOwnDescriptor() async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, path) = try Self.serve(pipe)
        let client = try DescriptorClient(unixPath: path)
        try client.send(
            "GET /give?size=3 HTTP/1.1\r\nHost: t\r\n\r\nGET /give?size=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )

        let reads = try await client.readUntilClosed(chunk: 16)

        let text = Self.text(reads)
        let second = try #require(
            text.range(of: "HTTP/1.1 200", range: text.index(after: text.startIndex)..<text.endIndex))
        let secondOffset = text.utf8.distance(from: text.startIndex, to: second.lowerBound)
        let carriers = reads.filter { !$0.descriptors.isEmpty }
        #expect(carriers.map(\.descriptors.count) == [1, 1])
        #expect(carriers.first?.offset == 0)
        // The second one came with the read that holds the second response's first byte.
        #expect(
            carriers.last.map { $0.offset <= secondOffset && secondOffset < $0.offset + $0.bytes.count }
                == true)
        for fd in carriers.flatMap(\.descriptors) { close(fd) }
        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == [])
        try await live.stop()
    }

    @Test func clientGoneMidResponseLeavesNoCopyOfTheDescriptorOpen() async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, path) = try Self.serve(pipe)
        let client = try DescriptorClient(unixPath: path)
        try client.send("GET /give?size=8388608 HTTP/1.1\r\nHost: t\r\n\r\n")
        // The response has begun, its descriptor with it; the client leaves without the rest.
        let first = try await client.readUntilClosed(reads: 1)
        #expect(first.first?.descriptors.count == 1)
        for fd in first.flatMap(\.descriptors) { close(fd) }
        client.reset()

        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == [])
        try await live.stop()
    }

    @Test func overTCPAResponseDescriptorIsClosedAndTheResponseStillArrives() async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, _) = try Self.serve(pipe, overTCP: true)
        let client = try live.client()
        try client.send("GET /give?size=2 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "xx")
        try client.send("GET /where HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "tcp")

        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == [])
        try await live.stop()
    }

    @Test func requestDescriptorsReachTheHandlerAndAreToldTheUnixListener() async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, path) = try Self.serve(TestPipe())
        let client = try DescriptorClient(unixPath: path)
        try client.send(
            "POST /take HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", descriptors: [pipe.writeEnd])
        try client.send("GET /where HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")

        let text = Self.text(try await client.readUntilClosed())

        #expect(text.hasSuffix("unix"))
        #expect(text.contains("\r\n\r\n1HTTP/1.1"))
        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == Array("got".utf8))
        try await live.stop()
    }

    @Test func descriptorsPastTheLimitAreClosedAndTheRestDelivered() async throws {
        var pipes = (0..<6).map { _ in TestPipe() }
        defer { for pipe in pipes { pipe.closeAll() } }
        let (live, path) = try Self.serve(TestPipe())
        let client = try DescriptorClient(unixPath: path)
        try client.send(
            "POST /take HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            descriptors: pipes.map(\.writeEnd))

        let text = Self.text(try await client.readUntilClosed())

        #expect(text.hasSuffix("\r\n\r\n\(PassedDescriptors.maxPerRequest)"))
        var got: [[UInt8]?] = []
        for index in pipes.indices {
            pipes[index].closeWriteEnd()
            got.append(await pipes[index].readToEnd())
        }
        let taken = PassedDescriptors.maxPerRequest
        #expect(
            got == Array(repeating: Array("got".utf8), count: taken) + Array(repeating: [], count: 6 - taken))
        try await live.stop()
    }

    @Test(arguments: [
        "POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n",
        "BREW /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "GARBAGE\r\n\r\n",
    ])
    func descriptorsNoHandlerTakesAreClosed(request: String) async throws {
        var pipe = TestPipe()
        defer { pipe.closeAll() }
        let (live, path) = try Self.serve(TestPipe())
        let client = try DescriptorClient(unixPath: path)
        try client.send(request, descriptors: [pipe.writeEnd])
        // An unfinished request: the client leaves; otherwise the server answers and closes.
        if request.contains("Content-Length: 10") {
            client.reset()
        } else {
            _ = try await client.readUntilClosed()
        }

        pipe.closeWriteEnd()
        #expect(await pipe.readToEnd() == [])
        try await live.stop()
    }
}
