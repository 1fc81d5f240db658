// One D-Bus message (the specification's "Message Format"): a 12-byte fixed
// header (endianness, type, flags, version 1, body length, serial), the header
// fields as an array of (code, variant), padding to 8, then the body.
import Glibc

package struct DBusMessage: Equatable, Sendable {
    package enum Kind: UInt8, Sendable {
        case methodCall = 1, methodReturn = 2, error = 3, signal = 4
    }

    package var kind: Kind
    package var flags: UInt8 = 0
    package var serial: UInt32 = 0
    package var path: String?
    package var interface: String?
    package var member: String?
    package var errorName: String?
    package var replySerial: UInt32?
    package var destination: String?
    package var sender: String?
    package var body: [DBusValue] = []

    /// The header flag that asks for no reply.
    package static let noReplyExpected: UInt8 = 0x1

    package init(kind: Kind) { self.kind = kind }

    /// A method call to `member` of `interface` on `path` at `destination` (nil:
    /// a peer-to-peer connection such as systemd's private socket).
    package static func call(_ destination: String?, path: String, interface: String, member: String, _ body: [DBusValue] = []) -> DBusMessage {
        var message = DBusMessage(kind: .methodCall)
        message.destination = destination
        message.path = path
        message.interface = interface
        message.member = member
        message.body = body
        return message
    }

    /// The body's signature.
    package var signature: String { body.map(\.signature).joined() }

    /// The message in the wire format, little-endian.
    package func encoded() -> [UInt8] {
        var bodyEncoder = DBusEncoder()
        // The body starts 8-aligned, so its own alignment is measured from 0.
        for value in body { bodyEncoder.append(value) }
        var fields: [DBusValue] = []
        func field(_ code: UInt8, _ value: DBusValue?) {
            if let value { fields.append(.structure([.byte(code), .variant(value)])) }
        }
        field(1, path.map(DBusValue.objectPath))
        field(2, interface.map(DBusValue.string))
        field(3, member.map(DBusValue.string))
        field(4, errorName.map(DBusValue.string))
        field(5, replySerial.map(DBusValue.uint32))
        field(6, destination.map(DBusValue.string))
        field(7, sender.map(DBusValue.string))
        field(8, body.isEmpty ? nil : .signature(signature))
        var encoder = DBusEncoder()
        encoder.append(.byte(UInt8(ascii: "l")))
        encoder.append(.byte(kind.rawValue))
        encoder.append(.byte(flags))
        encoder.append(.byte(1))
        encoder.appendUInt32(UInt32(bodyEncoder.bytes.count))
        encoder.appendUInt32(serial)
        encoder.append(.array(element: "(yv)", fields))
        encoder.align(8)
        return encoder.bytes + bodyEncoder.bytes
    }

    /// The whole length of the message whose first 16 bytes are `prefix`, or nil
    /// when they do not start a message.
    package static func length(ofPrefix prefix: [UInt8]) -> Int? {
        guard prefix.count >= 16, prefix[0] == UInt8(ascii: "l") || prefix[0] == UInt8(ascii: "B") else { return nil }
        var decoder = DBusDecoder(prefix, offset: 4, bigEndian: prefix[0] == UInt8(ascii: "B"))
        guard let body = try? decoder.uint32(), (try? decoder.uint32()) != nil, let fields = try? decoder.uint32() else { return nil }
        let header = (16 + Int(fields) + 7) / 8 * 8
        return header + Int(body)
    }

    /// Decodes one whole message.
    package static func decode(_ bytes: [UInt8]) throws -> DBusMessage {
        guard bytes.count >= 16, let kind = Kind(rawValue: bytes[1]) else { throw DBusDecoder.malformed("message header") }
        var decoder = DBusDecoder(bytes, offset: 4, bigEndian: bytes[0] == UInt8(ascii: "B"))
        let bodyLength = Int(try decoder.uint32())
        var message = DBusMessage(kind: kind)
        message.flags = bytes[2]
        message.serial = try decoder.uint32()
        guard case .array(_, let fields) = try decoder.value("a(yv)") else { throw DBusDecoder.malformed("header fields") }
        var signature = ""
        for case .structure(let pair) in fields {
            guard pair.count == 2, case .byte(let code) = pair[0], case .variant(let value) = pair[1] else { continue }
            switch code {
            case 1: message.path = value.text
            case 2: message.interface = value.text
            case 3: message.member = value.text
            case 4: message.errorName = value.text
            case 5: if case .uint32(let serial) = value { message.replySerial = serial }
            case 6: message.destination = value.text
            case 7: message.sender = value.text
            case 8: signature = value.text ?? ""
            default: continue
            }
        }
        try decoder.align(8)
        let start = decoder.offset
        guard start + bodyLength == bytes.count else { throw DBusDecoder.malformed("body length \(bodyLength)") }
        // Alignment inside the body counts from the body's start.
        var bodyDecoder = DBusDecoder(Array(bytes[start...]), bigEndian: bytes[0] == UInt8(ascii: "B"))
        message.body = try bodyDecoder.values(signature)
        return message
    }

    /// An error reply's name and text ("org.freedesktop.DBus.Error.AccessDenied: …").
    package var errorDescription: String {
        let text = body.first?.text.map { ": " + $0 } ?? ""
        return (errorName ?? "unknown D-Bus error") + text
    }
}
