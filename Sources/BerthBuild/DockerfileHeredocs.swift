// BuildKit's here-documents: a word `<<EOF`, `<<-EOF`, `<<"EOF"` or `3<<EOF` in a
// RUN, COPY or ADD line opens one, and its body is the raw lines after the
// instruction up to a line holding just the delimiter. Bodies are not comment-
// stripped or joined: they are file content or a script, byte for byte.

/// A heredoc opener found among an instruction's words.
struct HeredocMarker {
    var name: String
    var expands: Bool
    /// `<<-`: leading tabs are stripped from the body and the delimiter line.
    var stripsTabs: Bool
    var fileDescriptor: Int
    /// Index of the opening word in the words it was found in.
    var wordIndex: Int
    var position: TextPosition
}

enum DockerfileHeredocs {
    /// The heredoc openers among `words`: `^[0-9]*<<-?NAME$` where NAME holds no `<`.
    static func markers(in words: [SplitWord], escape: Character) -> [HeredocMarker] {
        var markers: [HeredocMarker] = []
        for (index, word) in words.enumerated() {
            let characters = word.text.characters
            var cursor = 0
            while cursor < characters.count, characters[cursor].isASCII, characters[cursor].isNumber { cursor += 1 }
            let digits = String(characters[0..<cursor])
            guard cursor + 1 < characters.count, characters[cursor] == "<", characters[cursor + 1] == "<" else { continue }
            cursor += 2
            var stripsTabs = false
            if cursor < characters.count, characters[cursor] == "-" {
                stripsTabs = true
                cursor += 1
            }
            let rawName = characters[cursor...]
            guard !rawName.isEmpty, !rawName.contains("<") else { continue }
            // A quoted delimiter (`<<"EOF"`, `<<'EOF'`, `<<\EOF`) means a literal body, as in sh.
            let quoted = rawName.contains { $0 == "\"" || $0 == "'" || $0 == escape }
            let name = String(rawName.filter { $0 != "\"" && $0 != "'" && $0 != escape })
            guard !name.isEmpty else { continue }
            markers.append(HeredocMarker(name: name, expands: !quoted, stripsTabs: stripsTabs,
                                         fileDescriptor: Int(digits) ?? 0, wordIndex: index,
                                         position: word.text.positions[0]))
        }
        return markers
    }

    /// Reads each marker's body, in order, from the lines after the instruction.
    static func readBodies(_ markers: [HeredocMarker], from source: inout SourceLines,
                           location: (TextPosition) -> SourceLocation, keyword: String) throws -> [Heredoc] {
        var heredocs: [Heredoc] = []
        for marker in markers {
            var body: [String] = []
            var terminated = false
            while let line = source.nextLine() {
                var content = line[...]
                if marker.stripsTabs { content = content.drop(while: { $0 == "\t" }) }
                if String(content) == marker.name {
                    terminated = true
                    break
                }
                body.append(String(content))
            }
            guard terminated else {
                throw DockerfileError("unterminated heredoc \(marker.name)", at: location(marker.position),
                                      instruction: keyword)
            }
            let content = body.isEmpty ? "" : body.joined(separator: "\n") + "\n"
            heredocs.append(Heredoc(name: marker.name, content: content, expands: marker.expands,
                                    fileDescriptor: marker.fileDescriptor))
        }
        return heredocs
    }
}

/// How a shell-form RUN with heredocs runs, as BuildKit does it.
package enum RunHeredocCommand: Sendable, Equatable {
    /// `RUN <<EOF` alone: the body is the program, run by the stage's shell (or by its own
    /// `#!` interpreter when it starts with one).
    case script(Heredoc)
    /// Otherwise the command text with each body and delimiter appended on the lines
    /// after it, handed to the stage's shell as one script: the shell feeds the bodies.
    case shellText(String)

    /// nil when the RUN has no heredocs.
    package static func plan(command: String, heredocs: [Heredoc], escape: Character = "\\") -> RunHeredocCommand? {
        guard !heredocs.isEmpty else { return nil }
        var text = PositionedText()
        for character in command { text.append(character, at: TextPosition(line: 1, column: 1)) }
        let words = DockerfileWords.split(text, escape: escape)
        if words.count == 1, heredocs.count == 1, DockerfileHeredocs.markers(in: words, escape: escape).count == 1 {
            return .script(heredocs[0])
        }
        var script = command
        for heredoc in heredocs {
            script += "\n" + heredoc.content + heredoc.name
        }
        return .shellText(script)
    }
}
