import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Where flags come from besides the command line: `GMEMD_…` environment variables and a
/// config file (`--config FILE` or `GMEMD_CONFIG`). The command line wins over the
/// environment, which wins over the file; all three are turned into one argument list, so the
/// argument parser validates every source the same way.
///
/// The file holds one `name = value` per line, names as the flags spell them without dashes
/// (`listen = 127.0.0.1:8080`, `max-body-bytes = 1048576`); `#` starts a comment; values may be
/// quoted. The environment names are the flags' in upper case with `_`: `GMEMD_MAX_BODY_BYTES`.
enum ConfigSources {
    /// The option names that may come from these sources (`--help`, `--version` may not).
    static func arguments(
        commandLine: [String], environment: [String: String], optionNames: [String]
    ) throws -> [String] {
        var given = Set(commandLine.compactMap(flagName))
        var arguments = commandLine
        for name in optionNames where !given.contains(name) {
            if let value = environment[environmentName(name)] {
                arguments += ["--\(name)", value]
                given.insert(name)
            }
        }
        guard let path = value(of: "config", in: commandLine) ?? environment["GMEMD_CONFIG"] else {
            return arguments
        }
        for (name, value) in try fileEntries(path) where !given.contains(name) {
            guard optionNames.contains(name), name != "config" else {
                throw ValidationFailure("\(path): unknown setting '\(name)'")
            }
            arguments += ["--\(name)", value]
        }
        return arguments
    }

    static func environmentName(_ flag: String) -> String {
        "GMEMD_" + flag.uppercased().replacing("-", with: "_")
    }

    private static func flagName(_ argument: String) -> String? {
        guard argument.hasPrefix("--") else { return nil }
        return String(argument.dropFirst(2).prefix { $0 != "=" })
    }

    private static func value(of flag: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--\(flag)", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--\(flag)=") { return String(argument.dropFirst(flag.count + 3)) }
        }
        return nil
    }

    private static func fileEntries(_ path: String) throws -> [(String, String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationFailure("cannot read config file \(path)")
        }
        var entries: [(String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingWhitespace()
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationFailure("\(path):\(number + 1): expected 'name = value'")
            }
            let name = String(line[..<equals].trimmingWhitespace())
            var value = String(line[line.index(after: equals)...].trimmingWhitespace())
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            entries.append((name, value))
        }
        return entries
    }
}
