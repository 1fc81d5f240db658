// Go's built-in template functions and podman's additions.
extension GoTemplate {
    static let builtins: Set<String> = [
        "and", "or", "not", "len", "index", "print", "printf", "println",
        "eq", "ne", "lt", "le", "gt", "ge",
        "json", "upper", "lower", "title", "join", "split", "truncate", "pad", "contains",
    ]

    /// A function's complaint, before the executor says where it happened.
    struct CallError: Error {
        var message: String
    }

    enum Builtins {
        static func call(_ name: String, _ args: [TemplateValue]) throws(CallError) -> TemplateValue {
            func want(_ n: Int) throws(CallError) {
                guard args.count == n else {
                    throw CallError(message: "wrong number of args for \(name): want \(n) got \(args.count)")
                }
            }
            func string(_ i: Int) throws(CallError) -> String {
                guard case .string(let s) = args[i] else {
                    throw CallError(message: "wrong type for value; expected string; got \(args[i].goTypeName)")
                }
                return s
            }
            func int(_ i: Int) throws(CallError) -> Int {
                guard case .int(let n) = args[i] else {
                    throw CallError(message: "wrong type for value; expected int; got \(args[i].goTypeName)")
                }
                return Int(clamping: n)
            }
            func failed(_ message: String) -> CallError { CallError(message: "error calling \(name): \(message)") }

            switch name {
            case "not":
                try want(1)
                return .bool(!args[0].isTruthy)
            case "len":
                try want(1)
                switch args[0] {
                case .string(let s): return .int(Int64(s.utf8.count))  // Go counts bytes
                case .array(let a): return .int(Int64(a.count))
                case .map(let m): return .int(Int64(m.count))
                default: throw failed("len of type \(args[0].goTypeName)")
                }
            case "index":
                guard var value = args.first else {
                    throw CallError(message: "wrong number of args for index: want at least 1 got 0")
                }
                for key in args.dropFirst() {
                    switch (value, key) {
                    case (.array(let a), .int(let n)):
                        guard n >= 0, n < a.count else { throw failed("index out of range: \(n)") }
                        value = a[Int(n)]
                    case (.string(let s), .int(let n)):
                        let bytes = Array(s.utf8)
                        guard n >= 0, n < bytes.count else { throw failed("index out of range: \(n)") }
                        value = .int(Int64(bytes[Int(n)]))
                    case (.map(let m), .string(let k)):
                        value = m.first { $0.0 == k }?.1 ?? .null
                    case (.null, _):
                        throw failed("index of untyped nil")
                    case (.array, _), (.string, _), (.map, _):
                        throw failed("cannot index \(value.goTypeName) with \(key.goTypeName)")
                    default:
                        throw failed("can't index item of type \(value.goTypeName)")
                    }
                }
                return value
            case "print":
                return .string(GoFmt.sprint(args))
            case "println":
                return .string(args.map(\.goPrint).joined(separator: " ") + "\n")
            case "printf":
                guard !args.isEmpty else {
                    throw CallError(message: "wrong number of args for printf: want at least 1 got 0")
                }
                return .string(GoFmt.sprintf(try string(0), Array(args.dropFirst())))
            case "eq", "ne":
                guard args.count >= 2 else { throw failed("missing argument for comparison") }
                if name == "ne" { try want(2) }
                var equal = false
                for other in args.dropFirst() {
                    if try compare(args[0], other, ordered: false, name) == 0 { equal = true }
                }
                return .bool(equal == (name == "eq"))
            case "lt", "le", "gt", "ge":
                try want(2)
                let order = try compare(args[0], args[1], ordered: true, name)
                switch name {
                case "lt": return .bool(order < 0)
                case "le": return .bool(order <= 0)
                case "gt": return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            case "json":
                // podman's json function turns off Go's HTML escaping.
                try want(1)
                return .string(args[0].jsonString(indent: false, escapeHTML: false))
            case "upper":
                try want(1)
                return .string(try string(0).uppercased())
            case "lower":
                try want(1)
                return .string(try string(0).lowercased())
            case "title":
                try want(1)
                return .string(title(try string(0)))
            case "join":
                try want(2)
                let items: [TemplateValue]
                switch args[0] {
                case .array(let a): items = a
                case .null: items = []
                default: throw CallError(message: "wrong type for value; expected []string; got \(args[0].goTypeName)")
                }
                return .string(items.map(\.goPrint).joined(separator: try string(1)))
            case "split":
                try want(2)
                let s = try string(0), separator = try string(1)
                if separator.isEmpty { return .array(s.unicodeScalars.map { .string(String($0)) }) }
                return .array(s.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
            case "truncate":
                try want(2)
                let s = try string(0), length = try int(1)
                var out = ""
                out.unicodeScalars.append(contentsOf: s.unicodeScalars.prefix(max(length, 0)))
                return .string(out)
            case "pad":
                try want(3)
                let s = try string(0), before = try int(1), after = try int(2)
                let spaces = { (n: Int) in String(repeating: " ", count: max(n, 0)) }
                return .string(spaces(before) + s + spaces(after))
            case "contains":
                // strings.Contains(s, substr), the argument order of podman's other string helpers.
                try want(2)
                let s = try string(0), part = try string(1)
                return .bool(part.isEmpty || s.contains(part))
            default:
                throw CallError(message: "function \"\(name)\" not defined")
            }
        }

        /// -1, 0 or 1. Numbers compare across int and float; other kinds must match.
        private static func compare(
            _ a: TemplateValue, _ b: TemplateValue, ordered: Bool, _ name: String
        ) throws(CallError) -> Int {
            func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
            switch (a, b) {
            case let (.int(x), .int(y)): return sign(x, y)
            case let (.double(x), .double(y)): return sign(x, y)
            case let (.int(x), .double(y)): return sign(Double(x), y)
            case let (.double(x), .int(y)): return sign(x, Double(y))
            case let (.string(x), .string(y)):
                return x == y ? 0 : x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
            case let (.bool(x), .bool(y)) where !ordered: return x == y ? 0 : 1
            case (.null, .null) where !ordered: return 0
            case (.null, _) where !ordered, (_, .null) where !ordered: return 1
            case (.array, _), (.map, _), (.structure, _), (_, .array), (_, .map), (_, .structure):
                throw CallError(message: "error calling \(name): non-comparable type")
            case (.bool, .bool), (.null, _), (_, .null):
                throw CallError(message: "error calling \(name): invalid type for comparison")
            default:
                throw CallError(message: "error calling \(name): incompatible types for comparison")
            }
        }

        /// strings.Title: a letter after anything but a letter, digit or _ goes upper case.
        private static func title(_ s: String) -> String {
            var out = ""
            var afterSeparator = true
            for scalar in s.unicodeScalars {
                if afterSeparator {
                    out += String(scalar).uppercased()
                } else {
                    out.unicodeScalars.append(scalar)
                }
                let p = scalar.properties
                afterSeparator = !(p.isAlphabetic || p.numericType != nil || scalar == "_")
            }
            return out
        }
    }
}
