// D-Bus values and their wire format (the D-Bus specification, "Marshaling (Wire
// Format)"): little-endian, each value aligned to its own size from the start of
// the message, arrays prefixed by their byte length (not counting the padding to
// the first element), variants by their signature. Only what berth sends to
// systemd and reads back: no file descriptors, no doubles.
import Glibc

/// One D-Bus value; `signature` is its type code(s).
package indirect enum DBusValue: Equatable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// An array of values of the one type `element` (a signature of one complete type).
    case array(element: String, [DBusValue])
    case structure([DBusValue])
    case variant(DBusValue)

    package var signature: String {
        switch self {
        case .byte: return "y"
        case .boolean: return "b"
        case .int32: return "i"
        case .uint32: return "u"
        case .int64: return "x"
        case .uint64: return "t"
        case .string: return "s"
        case .objectPath: return "o"
        case .signature: return "g"
        case .array(let element, _): return "a" + element
        case .structure(let fields): return "(" + fields.map(\.signature).joined() + ")"
        case .variant: return "v"
        }
    }

    /// The text of a string, object path or signature; nil for other values.
    package var text: String? {
        switch self {
        case .string(let s), .objectPath(let s), .signature(let s): return s
        default: return nil
        }
    }

    /// A (sv) property as systemd's unit properties take them.
    package static func property(_ name: String, _ value: DBusValue) -> DBusValue {
        .structure([.string(name), .variant(value)])
    }
}

/// Appends values to a message in the wire format; offsets count from the start
/// of the message, which is where alignment is measured from.
package struct DBusEncoder {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package mutating func align(_ boundary: Int) {
        while bytes.count % boundary != 0 { bytes.append(0) }
    }

    package mutating func appendUInt32(_ value: UInt32) {
        align(4)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func append(_ value: DBusValue) {
        switch value {
        case .byte(let b): bytes.append(b)
        case .boolean(let b): appendUInt32(b ? 1 : 0)
        case .int32(let i): appendUInt32(UInt32(bitPattern: i))
        case .uint32(let u): appendUInt32(u)
        case .int64(let i): appendUInt64(UInt64(bitPattern: i))
        case .uint64(let u): appendUInt64(u)
        case .string(let s), .objectPath(let s):
            let utf8 = Array(s.utf8)
            appendUInt32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .signature(let s):
            let utf8 = Array(s.utf8)
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .array(let element, let items):
            appendUInt32(0)
            let lengthAt = bytes.count - 4
            // The padding before the first element is not part of the length, even for an empty array.
            align(DBusEncoder.alignment(of: element))
            let start = bytes.count
            for item in items { append(item) }
            let length = UInt32(bytes.count - start).littleEndian
            withUnsafeBytes(of: length) { for (i, b) in $0.enumerated() { bytes[lengthAt + i] = b } }
        case .structure(let fields):
            align(8)
            for field in fields { append(field) }
        case .variant(let inner):
            append(.signature(inner.signature))
            append(inner)
        }
    }

    private mutating func appendUInt64(_ value: UInt64) {
        align(8)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The alignment of a type, from the first code of its signature.
    static func alignment(of signature: String) -> Int {
        switch signature.first {
        case "y", "g", "v": return 1
        case "x", "t", "d", "(", "{": return 8
        default: return 4
        }
    }
}

/// Reads values of a given signature out of a received message.
package struct DBusDecoder {
    let bytes: [UInt8]
    package private(set) var offset: Int
    let bigEndian: Bool

    package init(_ bytes: [UInt8], offset: Int = 0, bigEndian: Bool = false) {
        self.bytes = bytes
        self.offset = offset
        self.bigEndian = bigEndian
    }

    /// Every value of `signature` (a sequence of complete types), in order.
    package mutating func values(_ signature: String) throws -> [DBusValue] {
        var result: [DBusValue] = []
        var rest = Substring(signature)
        while !rest.isEmpty {
            let one = try DBusDecoder.firstType(rest)
            result.append(try value(String(one)))
            rest = rest.dropFirst(one.count)
        }
        return result
    }

    /// One value of the complete type `type`.
    package mutating func value(_ type: String) throws -> DBusValue {
        switch type.first {
        case "y": return .byte(try take(1)[0])
        case "b": return .boolean(try uint32() != 0)
        case "i": return .int32(Int32(bitPattern: try uint32()))
        case "u": return .uint32(try uint32())
        case "x": return .int64(Int64(bitPattern: try uint64()))
        case "t": return .uint64(try uint64())
        case "s": return .string(try text(lengthBytes: 4))
        case "o": return .objectPath(try text(lengthBytes: 4))
        case "g": return .signature(try text(lengthBytes: 1))
        case "v":
            let inner = try text(lengthBytes: 1)
            guard inner == String(try DBusDecoder.firstType(Substring(inner))) else { throw malformed("variant signature \(inner)") }
            return .variant(try value(inner))
        case "a":
            let element = String(type.dropFirst())
            let length = Int(try uint32())
            try align(DBusEncoder.alignment(of: element))
            let end = offset + length
            guard length <= 1 << 26, end <= bytes.count else { throw malformed("array length \(length)") }
            var items: [DBusValue] = []
            while offset < end { items.append(try value(element)) }
            guard offset == end else { throw malformed("array of \(element) overruns its length") }
            return .array(element: element, items)
        case "(", "{":
            try align(8)
            return .structure(try values(String(type.dropFirst().dropLast())))
        default:
            throw malformed("type \(type)")
        }
    }

    /// The first complete type of a signature ("a(sv)s" → "a(sv)").
    static func firstType(_ signature: Substring) throws -> Substring {
        guard let first = signature.first else { throw malformed("empty signature") }
        switch first {
        case "a":
            let element = try firstType(signature.dropFirst())
            return signature.prefix(1 + element.count)
        case "(", "{":
            let close: Character = first == "(" ? ")" : "}"
            var depth = 0
            for (count, character) in signature.enumerated() {
                if character == "(" || character == "{" { depth += 1 }
                if character == ")" || character == "}" {
                    depth -= 1
                    if depth == 0 {
                        guard character == close else { break }
                        return signature.prefix(count + 1)
                    }
                }
            }
            throw malformed("signature \(signature)")
        default:
            return signature.prefix(1)
        }
    }

    package mutating func align(_ boundary: Int) throws {
        let aligned = (offset + boundary - 1) / boundary * boundary
        guard aligned <= bytes.count else { throw DBusDecoder.malformed("padding past the end") }
        offset = aligned
    }

    package mutating func uint32() throws -> UInt32 {
        try align(4)
        let b = try take(4).map(UInt32.init)
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }

    private mutating func uint64() throws -> UInt64 {
        try align(8)
        let b = try take(8).map(UInt64.init)
        let ordered = bigEndian ? b : b.reversed()
        return ordered.reduce(0) { $0 << 8 | $1 }
    }

    private mutating func text(lengthBytes: Int) throws -> String {
        let length = lengthBytes == 1 ? Int(try take(1)[0]) : Int(try uint32())
        let utf8 = try take(length)
        guard try take(1)[0] == 0 else { throw malformed("string without its terminating nul") }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The next `count` bytes, indexed from 0.
    private mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw malformed("value past the end of the message") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    private func malformed(_ what: String) -> SystemError { DBusDecoder.malformed(what) }

    static func malformed(_ what: String) -> SystemError {
        SystemError("read a D-Bus message: malformed", what, errno: EPROTO)
    }
}
