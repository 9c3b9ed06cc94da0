import ArgumentParser
import FoundationEssentials
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// `gmemd fd`: the client for scripts that curl cannot be, as curl cannot receive descriptors.
/// It asks gmemd over its Unix socket for a file's descriptor (a new process consumer, or another
/// descriptor for one) and replaces itself with a command that inherits it, `{fd}` in the
/// command line standing for its number.
struct FdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fd",
        abstract: "Receive a memory file's descriptor from gmemd and run a command with it.",
        discussion: """
            Attaches a process consumer to --file (or asks --consumer for another descriptor) over \
            gmemd's Unix socket, then runs the command after '--' with the descriptor inherited. \
            Every '{fd}' in the command is replaced by its number; GMEMD_FD and GMEMD_CONSUMER \
            hold the number and the consumer's id. The consumer stays attached when the command \
            ends: detach it with DELETE /v1/consumers/{cid}. For example:
              gmemd fd --unix /run/gmemd.sock --token-file T --file FID --access read_write -- \\
                qemu-system-x86_64 -object memory-backend-file,id=ram0,size=64M,mem-path=/proc/self/fd/{fd},share=on …
            """)

    @Option(help: "gmemd's Unix-domain socket (its --unix).")
    var unix: String

    @Option(help: "A file holding the tenant's bearer token.")
    var tokenFile: String

    @Option(help: "The file to attach a new process consumer to.")
    var file: String?

    @Option(help: "A process consumer to ask for another descriptor instead.")
    var consumer: String?

    @Option(help: "read_write or read_only (a read-only descriptor maps PROT_READ only).")
    var access = "read_write"

    @Option(help: "A label for the new consumer.")
    var label: String?

    @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
    var command: [String] = []

    func validate() throws {
        guard (file == nil) != (consumer == nil) else {
            throw ValidationError("give --file or --consumer, not both")
        }
        guard ["read_write", "read_only"].contains(access) else {
            throw ValidationError("--access must be read_write or read_only")
        }
        guard !command.isEmpty else { throw ValidationError("give the command to run after '--'") }
    }

    func run() throws {
        let token = try String(
            String(contentsOfFile: tokenFile, encoding: .utf8).trimmingWhitespace(newlines: true))
        let (path, body): (String, [String: String]) =
            if let file {
                (
                    "/v1/files/\(file)/consumers",
                    ["kind": "process", "access": access].merging(label.map { ["label": $0] } ?? [:]) { $1 }
                )
            } else {
                ("/v1/consumers/\(consumer ?? "")/fd", [:])
            }
        let json = try JSONEncoder().encode(body)
        let head =
            "POST \(path) HTTP/1.1\r\nHost: gmemd\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(json.count)\r\nConnection: close\r\n\r\n"
        let answer: UnixExchange
        do {
            answer = try UnixExchange(path: unix, request: Array(head.utf8) + json)
        } catch {
            throw ValidationError("gmemd at \(unix): \(error)")
        }
        let text = String(decoding: answer.body, as: UTF8.self)
        guard (200..<300).contains(answer.status), answer.descriptors.count == 1 else {
            PassedDescriptors(answer.descriptors).close()
            Self.complain("\(answer.status) \(text)")
            throw ExitCode(1)
        }
        let fd = answer.descriptors[0]
        // Received close-on-exec; the command must inherit it.
        _ = fcntl(fd, F_SETFD, 0)
        let id = (try? JSONDecoder().decode(Answer.self, from: Data(answer.body)))?.id ?? ""
        setenv("GMEMD_FD", "\(fd)", 1)
        setenv("GMEMD_CONSUMER", id, 1)
        Self.complain("consumer \(id) (\(access)) on fd \(fd)")
        let arguments = command.map { $0.replacing("{fd}", with: "\(fd)") }
        // main.swift blocked the shutdown signals for the daemon; the command gets them back.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let argv = arguments.map { strdup($0) } + [nil]
        execvp(arguments[0], argv)
        Self.complain("\(arguments[0]): \(String(cString: strerror(errno)))")
        throw ExitCode(127)
    }

    /// The consumer gmemd answered with: only its id is read.
    private struct Answer: Decodable {
        let id: String
    }

    /// Writes `message` to stderr, as `gmemd fd: message`.
    private static func complain(_ message: String) {
        let line = Array("gmemd fd: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
