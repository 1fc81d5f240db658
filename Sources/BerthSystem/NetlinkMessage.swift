// One rtnetlink request as bytes: the nlmsghdr, the family header (ifinfomsg,
// ifaddrmsg, rtmsg) and attributes, nested ones included (a veth's peer is a whole
// ifinfomsg with attributes inside IFLA_LINKINFO/IFLA_INFO_DATA/VETH_INFO_PEER).
import CBerth

package struct NetlinkMessage {
    private(set) var bytes: [UInt8]
    /// Offsets of the nested attributes still open (their length is written at close).
    private var open: [Int] = []

    /// A request of `type` (RTM_*) with NLM_F_REQUEST added to `flags`; the sequence
    /// number is filled in by the socket.
    init<Header>(type: some BinaryInteger, flags: some BinaryInteger, header: Header) {
        var message = nlmsghdr()
        message.nlmsg_type = UInt16(type)
        message.nlmsg_flags = UInt16(Int(flags) | Int(NLM_F_REQUEST))
        bytes = Self.raw(message)
        bytes += Self.raw(header)
        pad()
    }

    static func raw<T>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    mutating func add(_ type: some BinaryInteger, bytes payload: [UInt8]) {
        var attribute = rtattr()
        attribute.rta_len = UInt16(MemoryLayout<rtattr>.size + payload.count)
        attribute.rta_type = UInt16(type)
        bytes += Self.raw(attribute) + payload
        pad()
    }

    mutating func add(_ type: some BinaryInteger, string: String) {
        add(type, bytes: Array(string.utf8) + [0])
    }

    mutating func add(_ type: some BinaryInteger, uint32 value: UInt32) {
        add(type, bytes: Self.raw(value))
    }

    /// A raw header inside a nested attribute (the peer's ifinfomsg of a veth).
    mutating func append<Header>(header: Header) {
        bytes += Self.raw(header)
        pad()
    }

    mutating func beginNested(_ type: some BinaryInteger) {
        open.append(bytes.count)
        add(type, bytes: [])
    }

    mutating func endNested() {
        let start = open.removeLast()
        let length = UInt16(bytes.count - start)
        bytes[start] = UInt8(length & 0xFF)
        bytes[start + 1] = UInt8(length >> 8)
    }

    /// The finished message with its length and sequence number written in.
    func finished(sequence: UInt32) -> [UInt8] {
        var result = bytes
        withUnsafeBytes(of: UInt32(result.count)) { result.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: sequence) { result.replaceSubrange(8..<12, with: $0) }
        return result
    }
}

/// The attributes of one reply (after its family header), by type.
package struct NetlinkAttributes {
    private var values: [UInt16: [UInt8]] = [:]

    init(_ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & 0x3FFF
            guard length >= 4, offset + length <= bytes.endIndex else { break }
            values[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += (length + 3) & ~3
        }
    }

    subscript(_ type: some BinaryInteger) -> [UInt8]? { values[UInt16(type)] }

    func string(_ type: some BinaryInteger) -> String? {
        self[type].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func uint32(_ type: some BinaryInteger) -> UInt32? {
        guard let raw = self[type], raw.count >= 4 else { return nil }
        return raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}
