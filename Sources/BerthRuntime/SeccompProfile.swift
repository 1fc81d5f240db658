// The docker/podman JSON seccomp profile (`--security-opt seccomp=FILE.json`), with the
// field names of moby's profiles/seccomp types, and reading one from a user's file.
import FoundationEssentials
import Glibc

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
                throw SeccompProfileFieldError(
                    message: "invalid minKernel \"\(text)\"", hint: "expected \"major.minor\"",
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
            throw SeccompProfileFieldError(
                message: "\(known ? "unsupported" : "unknown") action \"\(text)\"", hint: "berth supports \(supported)",
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
                throw SeccompProfileFieldError(
                    message: "unknown operator \"\(text)\"", hint: "expected one of \(supported)",
                    codingPath: decoder.codingPath)
            }
            self = op
        }
    }
}

extension SeccompProfile {
    /// Compact JSON with keys in byte order: the same bytes JSONEncoder writes with
    /// .sortedKeys and .withoutEscapingSlashes, without its cost. This runs on every
    /// container start (the default profile's cache key), where JSONEncoder took ~2 ms
    /// in a fresh process and this takes a small fraction of that.
    func canonicalJSON() -> [UInt8] {
        var out = CanonicalJSON()
        out.object {
            if let archMap {
                $0.key("archMap")
                $0.array(archMap) { o, entry in
                    o.object {
                        $0.key("architecture")
                        $0.string(entry.architecture)
                        if let subs = entry.subArchitectures {
                            $0.key("subArchitectures")
                            $0.strings(subs)
                        }
                    }
                }
            }
            if let architectures {
                $0.key("architectures")
                $0.strings(architectures)
            }
            $0.key("defaultAction")
            $0.string(defaultAction.rawValue)
            if let defaultErrnoRet {
                $0.key("defaultErrnoRet")
                $0.number(UInt64(defaultErrnoRet))
            }
            if let syscalls {
                $0.key("syscalls")
                $0.array(syscalls) { o, rule in o.syscall(rule) }
            }
        }
        return out.bytes
    }
}

private struct CanonicalJSON {
    var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(16 << 10) }

    mutating func object(_ body: (inout CanonicalJSON) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func array<T>(_ items: [T], _ element: (inout CanonicalJSON, T) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for item in items { element(&self, item) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func strings(_ items: [String]) { array(items) { $0.string($1) } }

    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func number(_ value: UInt64) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func syscall(_ rule: SeccompProfile.Syscall) {
        object {
            $0.key("action")
            $0.string(rule.action.rawValue)
            if let args = rule.args {
                $0.key("args")
                $0.array(args) { o, arg in
                    o.object {
                        $0.key("index")
                        $0.number(UInt64(arg.index))
                        $0.key("op")
                        $0.string(arg.op.rawValue)
                        $0.key("value")
                        $0.number(arg.value)
                        $0.key("valueTwo")
                        $0.number(arg.valueTwo)
                    }
                }
            }
            if let comment = rule.comment {
                $0.key("comment")
                $0.string(comment)
            }
            if let errnoRet = rule.errnoRet {
                $0.key("errnoRet")
                $0.number(UInt64(errnoRet))
            }
            if let excludes = rule.excludes {
                $0.key("excludes")
                $0.filter(excludes)
            }
            if let includes = rule.includes {
                $0.key("includes")
                $0.filter(includes)
            }
            if let name = rule.name {
                $0.key("name")
                $0.string(name)
            }
            if let names = rule.names {
                $0.key("names")
                $0.strings(names)
            }
        }
    }

    mutating func filter(_ filter: SeccompProfile.Filter) {
        object {
            if let arches = filter.arches {
                $0.key("arches")
                $0.strings(arches)
            }
            if let caps = filter.caps {
                $0.key("caps")
                $0.strings(caps)
            }
            if let minKernel = filter.minKernel {
                $0.key("minKernel")
                $0.string(minKernel.description)
            }
        }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

/// A field that parses as JSON but means nothing to seccomp; carries where it was.
struct SeccompProfileFieldError: Error {
    var message: String
    var hint: String
    var codingPath: [any CodingKey]
}

extension SeccompProfile {
    /// What error messages call the built-in profile.
    package static let defaultProfileName = "(berth default)"

    /// Profiles are a few tens of KiB; anything past this is not a profile.
    private static let maximumFileSize = 16 << 20

    /// Reads a user's profile; returns it with the file's bytes (the cache key).
    package static func load(jsonFile path: String) throws -> (SeccompProfile, [UInt8]) {
        let bytes = try readFile(path)
        let profile = try decode(bytes, source: path)
        try profile.validate(source: path)
        return (profile, bytes)
    }

    package static func decode(_ bytes: [UInt8], source: String) throws -> SeccompProfile {
        do {
            return try JSONDecoder().decode(SeccompProfile.self, from: Data(bytes))
        } catch let error as SeccompProfileFieldError {
            throw SeccompError.profile(source, "\(error.message) at \(describe(error.codingPath)) (\(error.hint))")
        } catch let error as DecodingError {
            throw SeccompError.profile(source, "malformed JSON: \(describe(error))")
        } catch {
            throw SeccompError.profile(source, "malformed JSON: \(error)")
        }
    }

    /// The checks docker and runc make before compiling, with the entry named.
    package func validate(source: String) throws {
        if !(architectures ?? []).isEmpty && !(archMap ?? []).isEmpty {
            throw SeccompError.profile(source, "both \"architectures\" and \"archMap\" are set; use one")
        }
        try Self.checkErrno(defaultErrnoRet, for: defaultAction, source: source, field: "defaultErrnoRet")
        for (i, rule) in (syscalls ?? []).enumerated() {
            let label = Self.label(i, rule)
            if rule.name != nil && !(rule.names ?? []).isEmpty {
                throw SeccompError.profile(source, "\(label): both \"name\" and \"names\" are set; use one")
            }
            if rule.allNames.isEmpty {
                throw SeccompError.profile(source, "\(label): no syscall names")
            }
            try Self.checkErrno(rule.errnoRet, for: rule.action, source: source, field: "\(label).errnoRet")
            for arg in rule.args ?? [] where arg.index > 5 {
                throw SeccompError.profile(source, "\(label): argument index \(arg.index) out of range 0-5")
            }
        }
    }

    /// How messages name a "syscalls" entry: `syscalls[3] ("mount", "umount2")`.
    static func label(_ index: Int, _ rule: Syscall) -> String {
        let names = rule.allNames
        let shown = names.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
        return "syscalls[\(index)] (\(shown)\(names.count > 3 ? ", …" : ""))"
    }

    private static func checkErrno(_ value: UInt32?, for action: Action, source: String, field: String) throws {
        guard let value else { return }
        if action != .errno {
            throw SeccompError.profile(source, "\(field) is only valid with SCMP_ACT_ERRNO, not \(action.rawValue)")
        }
        // The kernel treats return values above 4095 as data, not an errno.
        if value > 4095 {
            throw SeccompError.profile(source, "\(field) \(value) is out of range 0-4095")
        }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            throw SeccompError.profile(path, "cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw SeccompError.profile(path, "cannot read: \(String(cString: strerror(code)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumFileSize {
                throw SeccompError.profile(path, "larger than \(maximumFileSize >> 20) MiB; not a seccomp profile")
            }
        }
        return bytes
    }

    private static func describe(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "top level" : text
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at \(describe(context.codingPath))"
        }
        func sentence(_ context: DecodingError.Context) -> String {
            let text = context.debugDescription
            return text.hasSuffix(".") ? String(text.dropLast()) : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \"\(key.stringValue)\"\(at(context))"
        case .typeMismatch(_, let context):
            return "\(sentence(context))\(at(context))"
        case .valueNotFound(_, let context):
            return "null value\(at(context))"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError {
                return "\(sentence(context)): \(underlying)"
            }
            return "\(sentence(context))\(at(context))"
        @unknown default:
            return "\(error)"
        }
    }
}
