// `berth version`, `berth info` and `berth unshare`.
import BerthEngine
import BerthImage
import BerthSystem
import BerthTemplate

struct VersionCommand: CLICommand {
    let name = "version"
    let summary = "Display the berth version information"
    let usage = "[options]"
    let flags: [FlagSpec] = [.value("format", "f", "string", "Change the output format to JSON or a Go template")]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let value = TemplateValue.structure("*define.Version", [
            ("Version", .string(BerthVersion.version)), ("OsArch", .string("linux/" + HostPlatform.architecture)),
        ])
        if let format = args.value("format") {
            Output.out(try Report.renderObject(value, format: format, name: "version"))
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
            Output.out(try Report.renderObject(info.templateValue, format: format, name: "info", json: info.jsonValue))
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
    let flags: [FlagSpec] = [.unsupported("rootless-netns", nil, "", "Join the rootless network namespace used for CNI and netavark networking", .rootlessNetns)]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard StorePaths.isRootless else { throw CLIError("please use unshare with rootless") }
        let command = args.positionals.isEmpty ? [Environment.get("SHELL") ?? "/bin/sh"] : args.positionals
        // A mount namespace of the user namespace's own, as podman's unshare has:
        // `berth mount` works inside, and its mounts stay inside.
        do {
            try MountPoint.enterNewNamespace()
        } catch {
            throw CLIError("unshare: a mount namespace for the command: \(error)")
        }
        do {
            try Subprocess.replaceProcess(with: command)
        } catch let error as SystemError {
            throw CLIError("\(error)", exitCode: error.isNotFound ? ExitCode.notFound : ExitCode.cannotInvoke)
        }
    }
}

extension SystemInfo {
    /// What `--format` templates see: Go's field names, as podman's `info` templates read them
    /// (`{{.Store.GraphRoot}}`).
    var templateValue: TemplateValue {
        .structure("*define.Info", [
            ("Host", .structure("*define.HostInfo", [
                ("Arch", .string(arch)), ("Kernel", .string(kernel)), ("CgroupsVersion", .string(cgroupVersion)),
                ("Security", .structure("define.SecurityInfo", [("Rootless", .bool(rootless))])),
                ("IDMappings", .string(idMappings)),
            ])),
            ("Store", .structure("*define.StoreInfo", [
                ("GraphRoot", .string(root)), ("RunRoot", .string(runroot)), ("RunRootSource", .string(runrootSource)),
                ("ImageStore", .structure("define.ImageStore", [("Number", .int(Int64(imageCount)))])),
            ])),
        ])
    }

    /// `--format json`: the JSON names podman's `info` prints.
    var jsonValue: TemplateValue {
        .structure("*define.Info", [
            ("host", .structure("*define.HostInfo", [
                ("arch", .string(arch)), ("kernel", .string(kernel)), ("cgroupVersion", .string(cgroupVersion)),
                ("security", .structure("define.SecurityInfo", [("rootless", .bool(rootless))])), ("idMappings", .string(idMappings)),
            ])),
            ("store", .structure("*define.StoreInfo", [
                ("graphRoot", .string(root)), ("runRoot", .string(runroot)), ("runRootSource", .string(runrootSource)),
                ("imageStore", .structure("define.ImageStore", [("number", .int(Int64(imageCount)))])),
            ])),
        ])
    }
}
