import Foundation
import Glibc
import TestSupport

/// The service manager's end of sd_notify: a Unix datagram socket bound where `$NOTIFY_SOCKET`
/// points (a path, or an abstract name written with a leading `@`), as sd_notify(3) defines it.
/// Nothing else on these machines plays that part: they run no systemd.
final class ServiceManagerSocket {
    /// What `$NOTIFY_SOCKET` is set to.
    let address: String
    private let fd: Int32

    init(abstract: Bool) throws {
        let name = "gmemd-notify-\(UUID().uuidString.prefix(8))"
        address = abstract ? "@\(name)" : FileManager.default.temporaryDirectory.appending(path: name).path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw EndToEndError.socket("socket: \(String(cString: strerror(errno)))") }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard bound == 0 else {
            close(fd)
            throw EndToEndError.socket("bind \(address): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// The next datagram's text, or a timeout error after `milliseconds`.
    func receive(within milliseconds: Int32) throws -> String {
        var watch = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&watch, 1, milliseconds) == 1 else {
            throw EndToEndError.timedOut("a datagram on \(address) within \(milliseconds) ms")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { throw EndToEndError.socket("recv: \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams until one has the line `line` (e.g. `READY=1`); those before it are returned
    /// too. Each wait is bounded by `milliseconds`.
    func receive(until line: String, within milliseconds: Int32) throws -> [String] {
        var seen: [String] = []
        while true {
            let message = try receive(within: milliseconds)
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(line)) { return seen }
        }
    }
}
