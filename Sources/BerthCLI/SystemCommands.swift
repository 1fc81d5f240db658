// `berth version`, `berth info` and `berth unshare`.
import BerthEngine
import BerthImage
import BerthSystem

struct VersionCommand: CLICommand {
    let name = "version"
    let summary = "Display the berth version information"
    let usage = "[options]"
    let flags: [FlagSpec] = [.value("format", "f", "string", "Change the output format to JSON or a Go template")]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let value = TemplateValue.object([
            ("Version", .string(BerthVersion.version)), ("OsArch", .string("linux/" + HostPlatform.architecture)),
        ])
        if let format = args.value("format") {
            Output.out(try Report.renderObjects([value], format: format))
        } else {
            Output.out("Version:      \(BerthVersion.version)\nOS/Arch:      linux/\(HostPlatform.architecture)\n")
        }
        return 0
    }
}

struct InfoCommand: CLICommand {
    let name = "info"
    let summary = "Display berth system information"
    let usage = "[options]"
    let flags: [FlagSpec] = [.value("format", "f", "string", "Change the output format to JSON or a Go template")]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        let info = SystemInfo.collect(paths: engine.paths)
        if let format = args.value("format") {
            Output.out(try Report.renderObjects([info.templateValue], format: format))
        } else {
            Output.out(info.text)
        }
        return 0
    }
}

struct UserNamespaceCommand: CLICommand {
    let name = "unshare"
    let summary = "Run a command in a modified user namespace"
    let usage = "[options] [COMMAND [ARG...]]"
    let needsUserNamespace = true
    let stopsAtFirstPositional = true
    let flags: [FlagSpec] = [.unsupported("rootless-netns", nil, "", "Join the rootless network namespace used for CNI and netavark networking", .networks)]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard StorePaths.isRootless else { throw CLIError("please use unshare with rootless") }
        let command = args.positionals.isEmpty ? [Environment.get("SHELL") ?? "/bin/sh"] : args.positionals
        do {
            try Subprocess.replaceProcess(with: command)
        } catch let error as SystemError {
            throw CLIError("\(error)", exitCode: error.isNotFound ? ExitCode.notFound : ExitCode.cannotInvoke)
        }
    }
}

extension SystemInfo {
    var templateValue: TemplateValue {
        .object([
            ("host", .object([
                ("arch", .string(arch)), ("kernel", .string(kernel)), ("cgroupVersion", .string(cgroupVersion)),
                ("security", .object([("rootless", .bool(rootless))])), ("idMappings", .string(idMappings)),
            ])),
            ("store", .object([
                ("graphRoot", .string(root)), ("runRoot", .string(runroot)), ("runRootSource", .string(runrootSource)),
                ("imageStore", .object([("number", .int(Int64(imageCount)))])),
            ])),
        ])
    }
}
