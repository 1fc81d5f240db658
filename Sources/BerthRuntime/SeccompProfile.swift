// The docker/podman JSON seccomp profile (`--security-opt seccomp=FILE.json`), with the
// field names of moby's profiles/seccomp types. Reading one: SeccompProfileLoading.swift.
import FoundationEssentials

package struct SeccompProfile: Codable, Sendable, Equatable {
    package var defaultAction: Action
    /// The errno of a SCMP_ACT_ERRNO default action; EPERM when absent, as in runc.
    package var defaultErrnoRet: UInt32?
    /// libseccomp arch names ("SCMP_ARCH_X86_64"); used only when `archMap` is absent.
    package var architectures: [String]?
    package var archMap: [ArchMapEntry]?
    package var syscalls: [Syscall]?

    package init(
        defaultAction: Action, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
        archMap: [ArchMapEntry]? = nil, syscalls: [Syscall]? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.archMap = archMap
        self.syscalls = syscalls
    }

    /// The native architecture and the ones its kernel also runs (x86_64 runs x86 and x32).
    package struct ArchMapEntry: Codable, Sendable, Equatable {
        package var architecture: String
        package var subArchitectures: [String]?

        package init(architecture: String, subArchitectures: [String]? = nil) {
            self.architecture = architecture
            self.subArchitectures = subArchitectures
        }
    }

    /// One entry of "syscalls": an action for some names, possibly limited by argument
    /// conditions and by the container's capabilities, the architecture and the kernel.
    package struct Syscall: Codable, Sendable, Equatable {
        package var names: [String]?
        /// The single-name form of old profiles.
        package var name: String?
        package var action: Action
        package var errnoRet: UInt32?
        package var args: [Arg]?
        package var includes: Filter?
        package var excludes: Filter?
        package var comment: String?

        package init(
            names: [String], action: Action, errnoRet: UInt32? = nil, args: [Arg]? = nil,
            includes: Filter? = nil, excludes: Filter? = nil, comment: String? = nil
        ) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
            self.includes = includes
            self.excludes = excludes
            self.comment = comment
        }

        /// `names` plus the old `name`.
        package var allNames: [String] { (names ?? []) + (name.map { [$0] } ?? []) }
    }

    /// A condition on one syscall argument. For SCMP_CMP_MASKED_EQ `value` is the mask
    /// and `valueTwo` the value the masked argument must equal (libseccomp's order).
    package struct Arg: Codable, Sendable, Equatable {
        package var index: UInt32
        package var value: UInt64
        package var valueTwo: UInt64
        package var op: Operator

        package init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: Operator) {
            self.index = index
            self.value = value
            self.valueTwo = valueTwo
            self.op = op
        }

        private enum CodingKeys: String, CodingKey { case index, value, valueTwo, op }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            index = try c.decode(UInt32.self, forKey: .index)
            value = try c.decodeIfPresent(UInt64.self, forKey: .value) ?? 0
            valueTwo = try c.decodeIfPresent(UInt64.self, forKey: .valueTwo) ?? 0
            op = try c.decode(Operator.self, forKey: .op)
        }
    }

    /// "includes"/"excludes". Includes: every listed cap must be held, the native arch
    /// must be listed, the kernel must be at least minKernel. Excludes: any listed cap
    /// held, or the native arch listed, drops the entry (moby's semantics).
    package struct Filter: Codable, Sendable, Equatable {
        package var caps: [String]?
        /// Docker's names for architectures: "amd64", "arm64", "x32", …
        package var arches: [String]?
        package var minKernel: KernelVersion?

        package init(caps: [String]? = nil, arches: [String]? = nil, minKernel: KernelVersion? = nil) {
            self.caps = caps
            self.arches = arches
            self.minKernel = minKernel
        }

        var isEmpty: Bool { (caps ?? []).isEmpty && (arches ?? []).isEmpty && minKernel == nil }
    }

    /// "major.minor" in JSON, as moby writes it.
    package struct KernelVersion: Codable, Sendable, Equatable, Comparable, CustomStringConvertible {
        package var major: Int
        package var minor: Int

        package init(major: Int, minor: Int) {
            self.major = major
            self.minor = minor
        }

        /// Parses "4.8", "4.8.0" and uname releases such as "6.1.0-18-amd64".
        package init?(parsing text: String) {
            let numbers = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard numbers.count >= 2, let major = Int(numbers[0]) else { return nil }
            // The minor number may run into a suffix: "18-rc1", "1-amd64".
            guard let minor = Int(numbers[1].prefix { $0 >= "0" && $0 <= "9" }) else { return nil }
            self.init(major: major, minor: minor)
        }

        package var description: String { "\(major).\(minor)" }

        package static func < (a: KernelVersion, b: KernelVersion) -> Bool {
            (a.major, a.minor) < (b.major, b.minor)
        }

        package init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let version = KernelVersion(parsing: text) else {
                throw RuntimeError.seccompProfileField(
                    "invalid minKernel \"\(text)\"", hint: "expected \"major.minor\"",
                    codingPath: decoder.codingPath)
            }
            self = version
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    package enum Action: String, Codable, Sendable, CaseIterable {
        case allow = "SCMP_ACT_ALLOW"
        case errno = "SCMP_ACT_ERRNO"
        case kill = "SCMP_ACT_KILL"
        case killProcess = "SCMP_ACT_KILL_PROCESS"
        case killThread = "SCMP_ACT_KILL_THREAD"
        case trap = "SCMP_ACT_TRAP"
        case log = "SCMP_ACT_LOG"

        package init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            if let action = Action(rawValue: text) {
                self = action
                return
            }
            let supported = Action.allCases.map(\.rawValue).joined(separator: ", ")
            // Docker knows these two, but they need a tracer or a notify listener berth lacks.
            let known = text == "SCMP_ACT_TRACE" || text == "SCMP_ACT_NOTIFY"
            throw RuntimeError.seccompProfileField(
                "\(known ? "unsupported" : "unknown") action \"\(text)\"", hint: "berth supports \(supported)",
                codingPath: decoder.codingPath)
        }
    }

    package enum Operator: String, Codable, Sendable, CaseIterable {
        case notEqual = "SCMP_CMP_NE"
        case lessThan = "SCMP_CMP_LT"
        case lessOrEqual = "SCMP_CMP_LE"
        case equal = "SCMP_CMP_EQ"
        case greaterOrEqual = "SCMP_CMP_GE"
        case greaterThan = "SCMP_CMP_GT"
        case maskedEqual = "SCMP_CMP_MASKED_EQ"

        /// libseccomp's enum scmp_compare.
        var libseccompValue: Int32 {
            switch self {
            case .notEqual: 1
            case .lessThan: 2
            case .lessOrEqual: 3
            case .equal: 4
            case .greaterOrEqual: 5
            case .greaterThan: 6
            case .maskedEqual: 7
            }
        }

        package init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let op = Operator(rawValue: text) else {
                let supported = Operator.allCases.map(\.rawValue).joined(separator: ", ")
                throw RuntimeError.seccompProfileField(
                    "unknown operator \"\(text)\"", hint: "expected one of \(supported)",
                    codingPath: decoder.codingPath)
            }
            self = op
        }
    }
}
