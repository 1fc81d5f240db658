// Splitting an instruction's text into words as docker does before any
// expansion: blanks separate words unless quoted or escaped, and the quotes and
// escapes stay in the word (`WordExpander` removes them later, when the values
// of ARG and ENV are known). Also the JSON (exec) form's array of strings.

/// One raw word and where in its logical line it starts and ends.
struct SplitWord {
    var text: PositionedText
    /// Offsets into the text that was split: `range.upperBound` is just past the word.
    var range: Range<Int>
    var string: String { text.string }
}

enum DockerfileWords {
    /// Words of `text`, split on blanks outside quotes; an escape character keeps the
    /// next character in the word (inside single quotes it is an ordinary character).
    static func split(_ text: PositionedText, escape: Character) -> [SplitWord] {
        let characters = text.characters
        var words: [SplitWord] = []
        var index = 0
        while index < characters.count {
            while index < characters.count, characters[index].isDockerfileBlank { index += 1 }
            guard index < characters.count else { break }
            let start = index
            var quote: Character?
            while index < characters.count {
                let character = characters[index]
                if let open = quote {
                    if character == open {
                        quote = nil
                    } else if character == escape, open == "\"", index + 1 < characters.count {
                        index += 1
                    }
                } else if character.isDockerfileBlank {
                    break
                } else if character == "'" || character == "\"" {
                    quote = character
                } else if character == escape, index + 1 < characters.count {
                    index += 1
                }
                index += 1
            }
            words.append(SplitWord(text: text.slice(start..<index), range: start..<index))
        }
        return words
    }
}

/// The JSON array form of RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD and VOLUME: docker takes
/// the text as exec form only when the whole of it is a JSON array of strings.
enum JSONStringArray {
    static func parse(_ text: String) -> [String]? {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        return parser.array()
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func skipSpace() {
            while index < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[index]) { index += 1 }
        }

        mutating func array() -> [String]? {
            skipSpace()
            guard index < scalars.count, scalars[index] == "[" else { return nil }
            index += 1
            var values: [String] = []
            skipSpace()
            if index < scalars.count, scalars[index] == "]" {
                index += 1
            } else {
                while true {
                    skipSpace()
                    guard let value = string() else { return nil }
                    values.append(value)
                    skipSpace()
                    guard index < scalars.count else { return nil }
                    if scalars[index] == "," { index += 1; continue }
                    if scalars[index] == "]" { index += 1; break }
                    return nil
                }
            }
            skipSpace()
            return index == scalars.count ? values : nil
        }

        mutating func string() -> String? {
            guard index < scalars.count, scalars[index] == "\"" else { return nil }
            index += 1
            var result = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\"":
                    return String(result)
                case "\\":
                    guard index < scalars.count else { return nil }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    case "/": result.append("/")
                    case "b": result.append("\u{08}")
                    case "f": result.append("\u{0C}")
                    case "n": result.append("\n")
                    case "r": result.append("\r")
                    case "t": result.append("\t")
                    case "u":
                        guard let unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit), index + 1 < scalars.count, scalars[index] == "\\",
                           scalars[index + 1] == "u" {
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                        } else {
                            result.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                        }
                    default: return nil
                    }
                default:
                    guard scalar.value >= 0x20 else { return nil }  // JSON forbids raw control characters
                    result.append(scalar)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= scalars.count else { return nil }
            var value: UInt32 = 0
            for scalar in scalars[index..<(index + 4)] {
                guard let digit = Character(scalar).hexDigitValue else { return nil }
                value = value * 16 + UInt32(digit)
            }
            index += 4
            return value
        }
    }
}
