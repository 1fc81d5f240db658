// The container monitor's executable image (Plugins/MonitorImage compiles
// Sources/CBerth/monitor*.c into it at build time): a small C program berth execs
// from a memfd, so a detached container's monitor costs less than conmon.

package enum MonitorImage {
    /// The ELF bytes, decoded from the base64 text the plugin generated.
    package static func bytes() -> [UInt8] {
        monitorImageBase64.withUTF8Buffer { decode(base64: $0) }
    }

    private static func decode(base64 text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in text {
            let value: UInt32
            switch char {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(char - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(char - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(char - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: continue  // "=" padding
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                result.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return result
    }
}
