// run/create's --log-driver and --log-opt (podman's names and messages): which
// driver keeps the container's output and where, checked before anything is created.
import BerthEngine

enum LogFlags {
    /// Drivers berth knows; journald needs a journal, which these machines lack.
    static let drivers = ["k8s-file", "none", "passthrough", "journald"]

    static func apply(_ args: ParsedArguments, to options: inout CreateOptions) throws {
        let driver = args.value("log-driver") ?? "k8s-file"
        options.logDriver = driver == "k8s-file" ? nil : driver
        for opt in args.all("log-opt") {
            let parts = opt.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw CLIError("invalid log option \"\(opt)\": must be KEY=VALUE") }
            switch parts[0] {
            case "max-size": options.logMaxSize = try decimalSize(parts[1])
            case "path":
                guard !parts[1].isEmpty else { throw CLIError("invalid log option \"\(opt)\": path must not be empty") }
                options.logPath = parts[1]
            case "tag": options.logTag = parts[1]
            default: throw CLIError("unknown log option \"\(parts[0])\": berth knows max-size, path and tag")
            }
        }
    }

    /// The driver's checks that depend on how the container runs.
    static func validate(_ args: ParsedArguments, detached: Bool) throws {
        let driver = args.value("log-driver") ?? "k8s-file"
        guard drivers.contains(driver) else { throw CLIError("invalid log driver \"\(driver)\": use k8s-file, none or passthrough") }
        if driver == "journald" {
            throw CLIError("--log-driver journald is not supported: berth runs without a journal daemon; use k8s-file")
        }
        // passthrough hands the caller's own stdio to the container: a detached one has none.
        if driver == "passthrough" && detached {
            throw CLIError("--log-driver passthrough cannot be used with a detached container: it has no terminal to pass through")
        }
    }

    /// docker's FromHumanSize, which podman's max-size takes: decimal units
    /// (k = 1000), an optional "b", a fraction allowed; -1 means unlimited.
    static func decimalSize(_ text: String) throws -> Int64 {
        let invalid = CLIError("invalid log option max-size: invalid size: '\(text)'")
        if text == "-1" { return 0 }
        var rest = Substring(text.lowercased())
        if rest.hasSuffix("b") { rest = rest.dropLast() }
        var scale: Double = 1
        if let unit = rest.last, let power = Array("kmgtp").firstIndex(of: unit) {
            for _ in 0...power { scale *= 1000 }
            rest = rest.dropLast()
        }
        guard let first = rest.first, first.isNumber, rest.allSatisfy({ $0.isNumber || $0 == "." }),
              let number = Double(rest), number * scale < 9e18 else { throw invalid }
        return Int64(number * scale)
    }
}
