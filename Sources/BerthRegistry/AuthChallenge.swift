// The WWW-Authenticate challenge of a registry's 401 (RFC 9110 §11.6.1), as the
// Docker token protocol uses it: `Bearer realm="…",service="…",scope="…"` or
// `Basic realm="…"`.
package struct AuthChallenge: Sendable, Equatable {
    package enum Scheme: String, Sendable { case basic, bearer }

    package var scheme: Scheme
    /// Lowercased parameter names: realm, service, scope, error …
    package var parameters: [String: String]

    package var realm: String? { parameters["realm"] }
    package var service: String? { parameters["service"] }

    /// The first Basic or Bearer challenge among the header's values; a registry
    /// may offer several, and others (Negotiate …) are of no use to berth.
    package static func parse(_ values: [String]) -> AuthChallenge? {
        for value in values {
            var scanner = ChallengeScanner(Array(value.utf8))
            while let (schemeName, parameters) = scanner.nextChallenge() {
                if let scheme = Scheme(rawValue: schemeName.lowercased()) {
                    return AuthChallenge(scheme: scheme, parameters: parameters)
                }
            }
        }
        return nil
    }
}

/// Reads `scheme param=value, param="quoted \" value", next-scheme …`.
private struct ChallengeScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func nextChallenge() -> (String, [String: String])? {
        skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\t") }
        let scheme = token()
        if scheme.isEmpty { return nil }
        var parameters: [String: String] = [:]
        while true {
            skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let mark = index
            let name = token()
            skip { $0 == UInt8(ascii: " ") }
            guard !name.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                // Not a parameter: the start of the next challenge.
                index = mark
                return (scheme, parameters)
            }
            index += 1
            skip { $0 == UInt8(ascii: " ") }
            parameters[name.lowercased()] = value()
            skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
            if index >= bytes.count { return (scheme, parameters) }
        }
    }

    private mutating func skip(while predicate: (UInt8) -> Bool) {
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
    }

    private mutating func token() -> String {
        let start = index
        skip { byte in
            !(byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\t")
              || byte == UInt8(ascii: "\""))
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func value() -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return token() }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
            out.append(bytes[index])
            index += 1
        }
        index += 1
        return String(decoding: out, as: UTF8.self)
    }
}
