// Reading a user's seccomp profile: the file (capped), the JSON, and the checks docker
// and runc make, each failure naming the file and the entry.
import BerthSystem
import FoundationEssentials
import Glibc

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
        } catch RuntimeError.seccompProfileField(let message, let hint, let codingPath) {
            throw RuntimeError.seccompProfile(source, "\(message) at \(describe(codingPath)) (\(hint))")
        } catch let error as DecodingError {
            throw RuntimeError.seccompProfile(source, "malformed JSON: \(describe(error))")
        } catch {
            throw RuntimeError.seccompProfile(source, "malformed JSON: \(error)")
        }
    }

    /// The checks docker and runc make before compiling, with the entry named.
    package func validate(source: String) throws {
        if !(architectures ?? []).isEmpty && !(archMap ?? []).isEmpty {
            throw RuntimeError.seccompProfile(source, "both \"architectures\" and \"archMap\" are set; use one")
        }
        try Self.checkErrno(defaultErrnoRet, for: defaultAction, source: source, field: "defaultErrnoRet")
        for (i, rule) in (syscalls ?? []).enumerated() {
            let label = Self.label(i, rule)
            if rule.name != nil && !(rule.names ?? []).isEmpty {
                throw RuntimeError.seccompProfile(source, "\(label): both \"name\" and \"names\" are set; use one")
            }
            if rule.allNames.isEmpty {
                throw RuntimeError.seccompProfile(source, "\(label): no syscall names")
            }
            try Self.checkErrno(rule.errnoRet, for: rule.action, source: source, field: "\(label).errnoRet")
            for arg in rule.args ?? [] where arg.index > 5 {
                throw RuntimeError.seccompProfile(source, "\(label): argument index \(arg.index) out of range 0-5")
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
            throw RuntimeError.seccompProfile(source, "\(field) is only valid with SCMP_ACT_ERRNO, not \(action.rawValue)")
        }
        // The kernel treats return values above 4095 as data, not an errno.
        if value > 4095 {
            throw RuntimeError.seccompProfile(source, "\(field) \(value) is out of range 0-4095")
        }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return try FileSystem.readFile(path, limit: maximumFileSize)
        } catch let error as SystemError where error.errno == EFBIG {
            throw RuntimeError.seccompProfile(path, "larger than \(maximumFileSize >> 20) MiB; not a seccomp profile")
        } catch let error as SystemError {
            throw RuntimeError.seccompProfile(path, "cannot \(error.operation): \(error.reason)")
        }
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
