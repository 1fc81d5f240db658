// podman's table output: Go's text/tabwriter as podman configures it, and the
// header row of a `table` template.
package import BerthTemplate

/// Lays out tab-separated cells the way podman's output does: Go's text/tabwriter
/// with minwidth 12, padding 2 and space padding (podman's report.NewWriterDefault).
package struct TableWriter {
    /// Each line's cells. As in tabwriter, a line's last cell is trailing text, not a
    /// column; the others pad to max(widest cell in their column block + padding, minWidth).
    package static func render(header: [String], rows: [[String]], minWidth: Int = 12, padding: Int = 2) -> String {
        layout(header.isEmpty ? rows : [header] + rows, minWidth: minWidth, padding: padding)
    }

    /// `--format "table ..."`: a header line, then one rendering per row, split into
    /// lines at newlines and into cells at tabs. Titles come from `headers[field]`,
    /// else from the field name split at case changes ("CreatedAt" → "CREATED AT").
    /// As in podman, the header line is the template run on an object mapping each
    /// field it reads to its title; a template that cannot run on titles gets each
    /// action's first field title instead.
    package static func renderTemplateTable(
        template: GoTemplate, headers: [String: String] = [:], rows: [TemplateValue], noHeading: Bool = false
    ) throws(TemplateError) -> String {
        var text = ""
        func add(_ rendered: String) {
            text += rendered
            if !rendered.hasSuffix("\n") { text += "\n" }
        }
        if !noHeading {
            let title = { (field: String) in headerName(field: field, headers: headers) }
            // As podman's, the header row is the template run on a map of titles: a field
            // the items lack shows as <no value> there and fails on the items below.
            let titles = TemplateValue.map(template.referencedFields().map { ($0, .string(title($0))) })
            add((try? template.render(.array([titles]))) ?? template.headerBySubstitution(title))
        }
        let body = try template.render(.array(rows))
        if !body.isEmpty { add(body) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // after the final newline
        return layout(lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) },
                      minWidth: 12, padding: 2)
    }

    /// podman's column title for a field: its override, upper-cased, or the name
    /// split like fatih/camelcase and upper-cased ("ID" → "ID", "IPAddress" → "IP ADDRESS").
    package static func headerName(field: String, headers: [String: String]) -> String {
        (headers[field] ?? camelCaseWords(field).joined(separator: " ")).uppercased()
    }

    static func camelCaseWords(_ s: String) -> [String] {
        func kind(_ c: Unicode.Scalar) -> Int {
            if c.properties.isLowercase { return 1 }
            if c.properties.isUppercase { return 2 }
            if c.properties.numericType == .decimal { return 3 }
            return 4
        }
        var runs: [[Unicode.Scalar]] = []
        var last = 0
        for c in s.unicodeScalars {
            let k = kind(c)
            if k == last { runs[runs.count - 1].append(c) } else { runs.append([c]) }
            last = k
        }
        // An upper-case run followed by lower case gives its last letter away: "PDFLoader" → "PDF Loader".
        for i in runs.indices.dropLast() where kind(runs[i][0]) == 2 && kind(runs[i + 1][0]) == 1 {
            runs[i + 1].insert(runs[i].removeLast(), at: 0)
        }
        return runs.filter { !$0.isEmpty }.map { run in
            var word = ""
            word.unicodeScalars.append(contentsOf: run)
            return word
        }
    }

    /// text/tabwriter's algorithm: a column block is a run of consecutive lines that
    /// all have a cell in that column, and each block gets its own width.
    static func layout(_ lines: [[String]], minWidth: Int, padding: Int) -> String {
        var out = ""
        var widths: [Int] = []
        func write(_ from: Int, _ to: Int) {
            for line in lines[from..<to] {
                for (j, cell) in line.enumerated() {
                    out += cell
                    if j < widths.count, j < line.count - 1 {
                        out += String(repeating: " ", count: max(widths[j] - cell.unicodeScalars.count, 0))
                    }
                }
                out += "\n"
            }
        }
        func format(_ first: Int, _ end: Int) {
            let column = widths.count
            var start = first
            var this = first
            while this < end {
                guard column < lines[this].count - 1 else {
                    this += 1
                    continue
                }
                write(start, this)
                start = this
                var width = minWidth
                while this < end, column < lines[this].count - 1 {
                    width = max(width, lines[this][column].unicodeScalars.count + padding)
                    this += 1
                }
                widths.append(width)
                format(start, this)
                widths.removeLast()
                start = this
            }
            write(start, end)
        }
        format(0, lines.count)
        return out
    }
}
