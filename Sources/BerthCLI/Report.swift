// Rendering lists for table-style commands: default columns, `--format json`,
// `--format 'table …'` and plain Go templates, as podman's report package does.
enum Report {
    struct Column {
        var header: String
        var field: String
    }

    static func render(rows: [TemplateValue], format: String?, columns: [Column], noHeading: Bool = false,
                       json: () -> TemplateValue) throws -> String {
        let headers = Dictionary(columns.map { ($0.field, $0.header) }, uniquingKeysWith: { a, _ in a })
        guard let format, !format.isEmpty else {
            let body = rows.map { row in columns.map { row[$0.field]?.text ?? "" } }
            return TableWriter.render(header: noHeading ? [] : columns.map(\.header), rows: body)
        }
        do {
            switch try FormatOption.parse(format) {
            case .json:
                return json().jsonString(indent: true) + "\n"
            case .table(let template):
                guard let template else { return try render(rows: rows, format: nil, columns: columns, noHeading: noHeading, json: json) }
                return try TableWriter.renderTemplateTable(template: template, headers: headers, rows: rows, noHeading: noHeading)
            case .template(let template):
                var text = ""
                for row in rows { text += try template.render(row) }
                return text
            }
        } catch let error as TemplateError {
            throw CLIError("\(error)")
        }
    }

    /// `--format` for single objects (`inspect`): json by default, else a template.
    static func renderObjects(_ objects: [TemplateValue], format: String?) throws -> String {
        guard let format, !format.isEmpty, format.lowercased() != "json" else {
            return TemplateValue.array(objects).jsonString(indent: true, indentUnit: "     ") + "\n"
        }
        do {
            let template = try GoTemplate(GoTemplate.unescapeCLI(format))
            return try objects.map { try template.render($0) + "\n" }.joined()
        } catch let error as TemplateError {
            throw CLIError("\(error)")
        }
    }
}
