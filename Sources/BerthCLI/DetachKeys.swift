// podman's --detach-keys (attach, run, start, exec): comma-separated keys, each a
// single character or ctrl-<x>, turned into the bytes the terminal sends.
enum DetachKeys {
    static let flagHelp = "Select the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`"
    /// ctrl-p,ctrl-q.
    static let standard: [UInt8] = [16, 17]

    /// The flag's value as bytes: nil (not given) is ctrl-p,ctrl-q; "" turns detaching off.
    static func parse(_ text: String?) throws -> [UInt8] {
        guard let text else { return standard }
        if text.isEmpty { return [] }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { key in
            if key.utf8.count == 1 { return key.utf8.first! }
            let lower = key.lowercased()
            if lower.hasPrefix("ctrl-"), lower.utf8.count == 6, let c = lower.utf8.last {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 1
                case UInt8(ascii: "@"): return 0
                case UInt8(ascii: "["): return 27
                case UInt8(ascii: "\\"): return 28
                case UInt8(ascii: "]"): return 29
                case UInt8(ascii: "^"): return 30
                case UInt8(ascii: "_"): return 31
                default: break
                }
            }
            // podman's words (containers/common's term.ToBytes).
            throw CLIError("invalid detach keys: Unknown character: '\(key)'")
        }
    }
}
