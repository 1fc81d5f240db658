// Rendering lists for table-style commands: default columns, `--format json`,
// `--format 'table …'` and plain Go templates, as podman's report package does.
import BerthTemplate

enum Report {
    struct Column {
        var header: String
        var field: String
    }

    /// A list command's output. `name` is podman's name for the command's template
    /// (`images`, `ps`, `history`), which its errors quote. The whole output is built
    /// before anything is printed, so a template error leaves stdout empty.
    static func render(rows: [TemplateValue], format: String?, name: String, columns: [Column],
                       noHeading: Bool = false, json: () -> TemplateValue) throws -> String {
        let headers = Dictionary(columns.map { ($0.field, $0.header) }, uniquingKeysWith: { a, _ in a })
        guard let format, !format.isEmpty else {
            let body = rows.map { row in columns.map { row[$0.field]?.text ?? "" } }
            return TableWriter.render(header: noHeading ? [] : columns.map(\.header), rows: body)
        }
        do {
            switch try FormatOption.parse(format, name: name) {
            case .json:
                return json().jsonString(indent: true) + "\n"
            case .table(let template):
                guard let template else {
                    return try render(rows: rows, format: nil, name: name, columns: columns, noHeading: noHeading, json: json)
                }
                return try TableWriter.renderTemplateTable(template: template, headers: headers, rows: rows, noHeading: noHeading)
            case .template(let template):
                return try template.render(.array(rows))
            }
        } catch let error as TemplateError {
            throw CLIError("\(error)")
        }
    }

    /// `inspect` and `image inspect`: json by default, else a template run on the list of
    /// objects as podman runs it (`{{range .}}` added unless present), errors worded as podman's.
    static func renderInspect(_ objects: [TemplateValue], format: String?) throws -> String {
        guard let format, !format.isEmpty, format.lowercased() != "json" else {
            return TemplateValue.array(objects).jsonString(indent: true, indentUnit: "     ") + "\n"
        }
        do {
            let text = FormatOption.enforcingRange(FormatOption.lineTerminated(GoTemplate.unescapeCLI(format)))
            return try GoTemplate(text, name: "inspect").render(.array(objects))
        } catch {
            throw CLIError("inspecting object: printing inspect output: \(error)")
        }
    }

    /// `version` and `info`: one object; podman runs the template on it directly.
    /// `json` stands in for `--format json` where JSON names differ from Go's field names.
    static func renderObject(_ object: TemplateValue, format: String, name: String, json: TemplateValue? = nil) throws -> String {
        guard !format.isEmpty, format.lowercased() != "json" else {
            return TemplateValue.array([json ?? object]).jsonString(indent: true, indentUnit: "     ") + "\n"
        }
        do {
            return try GoTemplate(FormatOption.lineTerminated(GoTemplate.unescapeCLI(format)), name: name).render(object)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
