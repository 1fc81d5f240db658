// JSON decoding of outside documents with errors that name the document, and
// stable encoding of berth's own records.
import FoundationEssentials

package enum JSONCoding {
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], location: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ImageError.invalidDocument(reason: "malformed JSON: \(describe(error))", location: location)
        } catch {
            throw ImageError.invalidDocument(reason: "malformed JSON: \(error)", location: location)
        }
    }

    package static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding berth's own value types cannot fail.
        return Array((try? encoder.encode(value)) ?? Data())
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context): return "\(context.debugDescription)\(path(context))"
        case .valueNotFound(_, let context): return "null value\(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
