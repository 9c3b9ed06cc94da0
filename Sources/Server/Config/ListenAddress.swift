import ArgumentParser

/// `HOST:PORT` from `--listen`: an IPv4 address or host name, or `[v6]`, and a port 0–65535
/// (0 picks a free one and gmemd prints which); or `none`, for no TCP listener (with `--unix`).
struct ListenAddress: ExpressibleByArgument, Sendable {
    let host: String
    let port: Int

    init(host: String, port: Int) { (self.host, self.port) = (host, port) }

    /// `--listen none`.
    static let none = ListenAddress(host: "none", port: -1)
    var isNone: Bool { port < 0 }

    init?(argument: String) {
        if argument == "none" {
            self = .none
            return
        }
        guard let colon = argument.lastIndex(of: ":"),
            let port = Int(argument[argument.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        (self.host, self.port) = (host, port)
    }

    var defaultValueDescription: String { isNone ? "none" : "\(host):\(port)" }
}
