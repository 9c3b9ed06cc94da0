import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

ShutdownSignals.block()

// `gmemd fd …` is a client, not the daemon: the daemon's environment and config file are not its.
if CommandLine.arguments.dropFirst().first == "fd" {
    FdCommand.main(Array(CommandLine.arguments.dropFirst(2)))
} else {
    // Flags may also come from the environment and a config file (ConfigSources); merge them into
    // the command line before the parser sees it, so every source is validated alike.
    do {
        let arguments = try ConfigSources.arguments(
            commandLine: Array(CommandLine.arguments.dropFirst()),
            environment: ProcessInfo.processInfo.environment,
            optionNames: Gmemd.optionNames)
        Gmemd.main(arguments)
    } catch {
        Gmemd.exit(withError: error)
    }
}
