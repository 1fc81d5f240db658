// The one error type of BerthTemplate.

/// A parse or execution error, worded like Go's text/template so that scripts
/// matching podman's messages keep working: `template: NAME:LINE: message` when
/// parsing, `template: NAME:LINE:COLUMN: executing "NAME" at <NODE>: message` when
/// running. Columns are 0-based byte offsets, as Go's.
package struct TemplateError: Error, CustomStringConvertible, Equatable {
    package let name: String
    package let line: Int
    /// Where execution stopped; nil for a parse error.
    package let column: Int?
    package let message: String

    package var description: String {
        guard let column else { return "template: \(name):\(line): \(message)" }
        return "template: \(name):\(line):\(column): \(message)"
    }

    init(_ failure: GoTemplate.Failure, in source: [UInt8], name: String) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(failure.offset, source.count) where source[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        self.name = name
        self.line = line
        self.column = failure.isExecution ? failure.offset - lineStart : nil
        self.message = failure.message
    }
}
