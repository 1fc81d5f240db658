// The parsed form of a template: text, actions and the controls that nest them.
extension GoTemplate {
    indirect enum Node: Sendable {
        case text(String)
        case action(Pipe)
        case control(Control, Pipe, [Node], [Node])  // the second list is the else branch
        case breakLoop, continueLoop
    }

    enum Control: String, Sendable {
        case `if`, range, with
    }

    struct Pipe: Sendable {
        var decl: [String] = []
        var isAssign = false
        var cmds: [Command] = []
    }

    struct Command: Sendable {
        var args: [Operand]
        var text: String  // source text, for "executing ... at <...>"
        var pos: Int
    }

    struct Operand: Sendable {
        enum Kind: Sendable {
            case dot, variable(String), function(String), pipe(Pipe), literal(TemplateValue), nilLiteral
        }
        var kind: Kind
        var chain: [String] = []  // field names after the term: .A.B, $x.A, (pipe).A
        var text: String
        var pos: Int
        /// Where Go's field node starts, the place its errors point at: the term for
        /// `.A`, the first field after it for `.A.B` or `$x.B`.
        var fieldPos: Int
    }
}
