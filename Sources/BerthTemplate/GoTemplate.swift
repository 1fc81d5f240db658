
/// Go's text/template, as far as podman's `--format` needs it: fields, variables,
/// pipelines, if/else if/range/with/break/continue, trim markers, comments, and
/// Go's built-in functions plus podman's (json, upper, lower, title, join, split,
/// truncate, pad) and `contains`.
package struct GoTemplate: Sendable {
    /// The name errors give the template: podman names it after the command (`images`, `ps`, `inspect`).
    package let name: String
    let source: [UInt8]
    let nodes: [Node]

    package init(_ source: String, name: String = "output") throws(TemplateError) {
        self.name = name
        self.source = Array(source.utf8)
        var parser = Parser(src: self.source)
        do throws(Failure) {
            let (nodes, end) = try parser.parseList()
            switch end {
            case .eof: break
            case .end(let pos): throw Failure(message: "unexpected {{end}}", offset: pos)
            case .else(_, let pos): throw Failure(message: "unexpected {{else}}", offset: pos)
            }
            self.nodes = nodes
        } catch {
            throw TemplateError(error, in: self.source, name: name)
        }
    }

    package func render(_ value: TemplateValue) throws(TemplateError) -> String {
        var exec = Executor(templateName: name, vars: [("$", value)])
        do throws(Failure) {
            _ = try exec.walk(nodes, dot: value)
        } catch {
            throw TemplateError(error, in: source, name: name)
        }
        return exec.out
    }

    /// podman turns the two characters `\t` and `\n` typed on a command line into a
    /// tab and a newline before parsing a format, since shells pass them literally.
    package static func unescapeCLI(_ s: String) -> String {
        var out = ""
        var pendingBackslash = false
        for c in s {
            if pendingBackslash {
                pendingBackslash = false
                switch c {
                case "t": out += "\t"; continue
                case "n": out += "\n"; continue
                default: out += "\\"
                }
            }
            if c == "\\" { pendingBackslash = true } else { out.append(c) }
        }
        if pendingBackslash { out += "\\" }
        return out
    }

    /// The top-level fields (`.Name` on the template's own dot) the template reads,
    /// in order of appearance: a table header gives each of them a column title.
    package func referencedFields() -> [String] {
        var fields: [String] = []
        func visit(_ pipe: Pipe) {
            for op in pipe.cmds.flatMap(\.args) {
                if case .pipe(let inner) = op.kind { visit(inner) }
                if case .dot = op.kind, let first = op.chain.first, !fields.contains(first) {
                    fields.append(first)
                }
            }
        }
        func visit(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .action(let pipe): visit(pipe)
                case .control(_, let pipe, let body, let other):
                    visit(pipe)
                    visit(body)
                    visit(other)
                case .text, .breakLoop, .continueLoop: break
                }
            }
        }
        visit(nodes)
        return fields
    }

    /// A header line for templates that cannot run on titles (`{{.Labels.x}}` asks a
    /// field of a string): each action prints the title of the first field it reads.
    package func headerBySubstitution(_ title: (String) -> String) -> String {
        func firstField(_ pipe: Pipe) -> String? {
            for op in pipe.cmds.flatMap(\.args) {
                if case .dot = op.kind, let first = op.chain.first { return first }
                if case .pipe(let inner) = op.kind, let found = firstField(inner) { return found }
            }
            return nil
        }
        func walk(_ nodes: [Node]) -> String {
            var out = ""
            for node in nodes {
                switch node {
                case .text(let s): out += s
                case .action(let pipe) where pipe.decl.isEmpty: out += firstField(pipe).map(title) ?? ""
                case .control(_, _, let body, _): out += walk(body)
                default: break
                }
            }
            return out
        }
        return walk(nodes)
    }
}

extension GoTemplate {
    /// An error before its line and column are known.
    struct Failure: Error {
        var message: String
        var offset: Int
        /// Go gives execution errors a column, parse errors only a line.
        var isExecution = false
    }
}
