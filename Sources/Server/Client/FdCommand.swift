import ArgumentParser
import Foundation
import HTTP

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
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let (path, body): (String, [String: String]) =
            if let file {
                (
                    "/v1/files/\(file)/consumers",
                    ["kind": "process", "access": access].merging(label.map { ["label": $0] } ?? [:]) { $1 }
                )
            } else {
                ("/v1/consumers/\(consumer ?? "")/fd", [:])
            }
        let json = try JSONSerialization.data(withJSONObject: body)
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
            FileHandle.standardError.write(Data("gmemd fd: \(answer.status) \(text)\n".utf8))
            throw ExitCode(1)
        }
        let fd = answer.descriptors[0]
        // Received close-on-exec; the command must inherit it.
        _ = fcntl(fd, F_SETFD, 0)
        let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        let id = object?["id"] as? String ?? ""
        setenv("GMEMD_FD", "\(fd)", 1)
        setenv("GMEMD_CONSUMER", id, 1)
        FileHandle.standardError.write(Data("gmemd fd: consumer \(id) (\(access)) on fd \(fd)\n".utf8))
        let arguments = command.map { $0.replacingOccurrences(of: "{fd}", with: "\(fd)") }
        // main.swift blocked the shutdown signals for the daemon; the command gets them back.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let argv = arguments.map { strdup($0) } + [nil]
        execvp(arguments[0], argv)
        FileHandle.standardError.write(
            Data("gmemd fd: \(arguments[0]): \(String(cString: strerror(errno)))\n".utf8))
        throw ExitCode(127)
    }
}
