// D-Bus marshalling against byte strings worked out by hand from the D-Bus
// specification ("Marshaling (Wire Format)", "Message Format"): alignment from the
// start of the message, array lengths without the padding before the first
// element, variants as signature + value, header fields as a(yv) padded to 8.
// The Hello call's bytes are the well-known 128-byte message every client sends
// first (its header-field array is 0x6d = 'm' bytes long).
import BerthSystem
import Testing

private func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { !$0.isWhitespace && $0 != "|" }
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return result
}

private func encode(_ values: DBusValue...) -> [UInt8] {
    var encoder = DBusEncoder()
    for value in values { encoder.append(value) }
    return encoder.bytes
}

@Suite struct DBusMarshallingTests {
    @Test func basic_values_are_aligned_to_their_size() {
        // y at 0, u aligned to 4, t aligned to 8, s = length + bytes + nul, g = 1-byte length.
        #expect(encode(.byte(7), .uint32(1), .uint64(2), .string("foo"), .signature("as"))
            == bytes("07 000000 | 01000000 | 02000000 00000000 | 03000000 666f6f00 | 02 6173 00"))
        #expect(encode(.boolean(true)) == bytes("01000000"))
        #expect(encode(.int32(-1)) == bytes("ffffffff"))
        #expect(encode(.objectPath("/a")) == bytes("02000000 2f6100"))
    }

    @Test func array_length_leaves_out_the_padding_to_its_first_element() {
        #expect(encode(.array(element: "u", [.uint32(1), .uint32(2)])) == bytes("08000000 01000000 02000000"))
        // 8-aligned elements: length at 0, 4 bytes of padding, elements from 8; the
        // padding is there even when the array is empty (the spec says so).
        #expect(encode(.array(element: "t", [.uint64(5)])) == bytes("08000000 00000000 05000000 00000000"))
        #expect(encode(.array(element: "(sv)", [])) == bytes("00000000 00000000"))
    }

    @Test func a_property_array_as_systemd_takes_it() throws {
        // a(sv) [("PIDs", <au [7]>)]: length 24 at 0, pad to 8, struct: "PIDs", variant
        // signature "au", pad to 4, inner length 4, the pid.
        let encoded = encode(.array(element: "(sv)", [.property("PIDs", .array(element: "u", [.uint32(7)]))]))
        #expect(encoded == bytes("18000000 00000000 | 04000000 50494473 00 | 02 6175 00 | 000000 | 04000000 07000000"))
        var decoder = DBusDecoder(encoded)
        #expect(try decoder.values("a(sv)") == [.array(element: "(sv)", [.property("PIDs", .array(element: "u", [.uint32(7)]))])])
    }

    @Test func variant_is_its_signature_then_the_value() {
        #expect(encode(.variant(.uint32(5))) == bytes("01 75 00 | 00 | 05000000"))
        #expect(encode(.variant(.boolean(true))) == bytes("01 62 00 | 00 | 01000000"))
    }

    @Test func hello_is_the_well_known_128_byte_message() throws {
        var hello = DBusMessage.call("org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "Hello")
        hello.serial = 1
        let expected = bytes("""
            6c 01 00 01 | 00000000 | 01000000 | 6d000000
            01 01 6f 00 | 15000000 | 2f6f72672f667265656465736b746f702f44427573 00 | 0000
            02 01 73 00 | 14000000 | 6f72672e667265656465736b746f702e44427573 00 | 000000
            03 01 73 00 | 05000000 | 48656c6c6f 00 | 0000
            06 01 73 00 | 14000000 | 6f72672e667265656465736b746f702e44427573 00 | 000000
            """)
        #expect(expected.count == 128)
        let encoded = hello.encoded()
        #expect(encoded == expected)
        #expect(DBusMessage.length(ofPrefix: Array(encoded.prefix(16))) == 128)
        #expect(try DBusMessage.decode(encoded) == hello)
    }

    @Test func a_method_return_is_read_with_its_reply_serial_and_body() throws {
        // Return (2) for serial 1 with body "o" = "/a": fields REPLY_SERIAL u 1 and
        // SIGNATURE g "o" (15 bytes), padding to 32, then the 7-byte body.
        let reply = bytes("""
            6c 02 01 01 | 07000000 | 05000000 | 0f000000
            05 01 75 00 | 01000000 | 08 01 67 00 | 01 6f 00 | 00
            02000000 2f6100
            """)
        #expect(DBusMessage.length(ofPrefix: Array(reply.prefix(16))) == reply.count)
        let message = try DBusMessage.decode(reply)
        #expect(message.kind == .methodReturn && message.serial == 5 && message.replySerial == 1)
        #expect(message.body == [.objectPath("/a")])
    }

    @Test func job_removed_signal_round_trips() throws {
        var signal = DBusMessage(kind: .signal)
        signal.path = "/org/freedesktop/systemd1"
        signal.interface = "org.freedesktop.systemd1.Manager"
        signal.member = "JobRemoved"
        signal.sender = ":1.0"
        signal.serial = 9
        signal.body = [.uint32(42), .objectPath("/org/freedesktop/systemd1/job/42"), .string("berth-x.scope"), .string("done")]
        #expect(signal.signature == "uoss")
        #expect(try DBusMessage.decode(signal.encoded()) == signal)
    }

    @Test func start_transient_unit_has_systemds_signature() throws {
        let call = DBusMessage.call("org.freedesktop.systemd1", path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager",
                                    member: "StartTransientUnit",
                                    [.string("berth-x.scope"), .string("fail"), .array(element: "(sv)", [.property("Delegate", .boolean(true))]),
                                     .array(element: "(sa(sv))", [])])
        #expect(call.signature == "ssa(sv)a(sa(sv))")
        #expect(try DBusMessage.decode(call.encoded()) == call)
    }

    @Test func malformed_messages_are_refused() throws {
        // An array whose length runs past the end, and a string without its nul.
        var overrun = DBusDecoder(bytes("ff000000 01000000"))
        #expect(throws: SystemError.self) { try overrun.values("au") }
        var unterminated = DBusDecoder(bytes("02000000 2f61 41"))
        #expect(throws: SystemError.self) { try unterminated.values("s") }
        #expect(DBusMessage.length(ofPrefix: bytes("00000000 00000000 00000000 00000000")) == nil)
    }
}
