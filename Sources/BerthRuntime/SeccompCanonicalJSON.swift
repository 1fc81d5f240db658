// The profile's canonical bytes: part of the compiled program's cache key, written
// on every container start that uses the default profile.

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
