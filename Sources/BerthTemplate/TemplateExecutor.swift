// Running a parsed template on a value, with Go's rules for fields, variables and control flow.
extension GoTemplate {
    struct Executor {
        let templateName: String
        var vars: [(String, TemplateValue)]
        var out = ""

        init(templateName: String, vars: [(String, TemplateValue)]) {
            self.templateName = templateName
            self.vars = vars
        }

        enum Flow { case normal, breakLoop, continueLoop }

        mutating func walk(_ nodes: [Node], dot: TemplateValue) throws(Failure) -> Flow {
            for node in nodes {
                switch node {
                case .text(let s):
                    out += s
                case .action(let pipe):
                    let value = try evalPipe(pipe, dot: dot, declare: true)
                    if pipe.decl.isEmpty { out += value.text }
                case .breakLoop:
                    return .breakLoop
                case .continueLoop:
                    return .continueLoop
                case .control(let kind, let pipe, let body, let otherwise):
                    let mark = vars.count
                    let flow = try control(kind, pipe, body, otherwise, dot: dot)
                    vars.removeSubrange(mark...)
                    if flow != .normal { return flow }
                }
            }
            return .normal
        }

        private mutating func control(
            _ kind: Control, _ pipe: Pipe, _ body: [Node], _ otherwise: [Node], dot: TemplateValue
        ) throws(Failure) -> Flow {
            let value = try evalPipe(pipe, dot: dot, declare: kind != .range)
            guard kind == .range else {
                if value.isTruthy { return try walk(body, dot: kind == .with ? value : dot) }
                return try walk(otherwise, dot: dot)
            }
            let items: [(TemplateValue, TemplateValue)]
            switch value {
            case .array(let a): items = a.enumerated().map { (.int(Int64($0.offset)), $0.element) }
            // Go visits a map in sorted key order.
            case .map(let m): items = TemplateValue.sorted(m).map { (.string($0.0), $0.1) }
            case .int(let n): items = n > 0 ? (0..<n).map { (.int($0), .int($0)) } : []
            case .null: items = []
            default:
                throw Failure(message: "range can't iterate over \(value.goPrint)", offset: pipe.cmds[0].pos, isExecution: true)
            }
            if items.isEmpty { return try walk(otherwise, dot: dot) }
            for (key, element) in items {
                let mark = vars.count
                if pipe.decl.count == 1 { vars.append((pipe.decl[0], element)) }
                if pipe.decl.count == 2 { vars.append(contentsOf: [(pipe.decl[0], key), (pipe.decl[1], element)]) }
                let flow = try walk(body, dot: element)
                vars.removeSubrange(mark...)
                if flow == .breakLoop { break }
            }
            return .normal
        }

        private mutating func evalPipe(
            _ pipe: Pipe, dot: TemplateValue, declare: Bool
        ) throws(Failure) -> TemplateValue {
            var value: TemplateValue?
            for cmd in pipe.cmds { value = try evalCommand(cmd, dot: dot, final: value) }
            let result = value ?? .null
            if declare, let name = pipe.decl.first {
                if pipe.isAssign, let slot = vars.lastIndex(where: { $0.0 == name }) {
                    vars[slot].1 = result
                } else {
                    vars.append((name, result))
                }
            }
            return result
        }

        private func fail(_ message: String, _ cmd: Command) -> Failure {
            failure(message, at: cmd.pos, quoting: cmd.text)
        }

        /// Go's execution error: which template, where and at which node it stopped.
        private func failure(_ message: String, at offset: Int, quoting node: String) -> Failure {
            Failure(message: "executing \"\(templateName)\" at <\(node)>: \(message)", offset: offset, isExecution: true)
        }

        private mutating func evalCommand(
            _ cmd: Command, dot: TemplateValue, final: TemplateValue?
        ) throws(Failure) -> TemplateValue {
            let first = cmd.args[0]
            if case .function(let name) = first.kind {
                return try call(name, Array(cmd.args.dropFirst()), cmd, dot: dot, final: final)
            }
            if cmd.args.count > 1 || final != nil {
                throw fail("can't give argument to non-function \(first.text)", cmd)
            }
            return try evalOperand(first, cmd, dot: dot)
        }

        private mutating func evalOperand(
            _ op: Operand, _ cmd: Command, dot: TemplateValue
        ) throws(Failure) -> TemplateValue {
            var value: TemplateValue
            switch op.kind {
            case .dot: value = dot
            case .variable(let name): value = vars.last { $0.0 == name }?.1 ?? .null
            case .function(let name): value = try call(name, [], cmd, dot: dot, final: nil)
            case .pipe(let pipe): value = try evalPipe(pipe, dot: dot, declare: false)
            case .literal(let v): value = v
            case .nilLiteral: value = .null
            }
            for name in op.chain {
                switch value {
                case .map(let members):
                    value = members.first { $0.0 == name }?.1 ?? .null
                case .structure(_, let fields) where fields.contains(where: { $0.0 == name }):
                    value = fields.first { $0.0 == name }!.1
                case .null:
                    // A nil map or pointer in podman's data: Go prints <no value> for it.
                    value = .null
                default:
                    throw failure("can't evaluate field \(name) in type \(value.goTypeName)", at: op.fieldPos, quoting: op.text)
                }
            }
            return value
        }

        private mutating func call(
            _ name: String, _ argOps: [Operand], _ cmd: Command, dot: TemplateValue, final: TemplateValue?
        ) throws(Failure) -> TemplateValue {
            // and/or stop at the first argument that decides, so later ones may be unsafe.
            if name == "and" || name == "or" {
                guard !argOps.isEmpty || final != nil else {
                    throw fail("wrong number of args for \(name): want at least 1 got 0", cmd)
                }
                var last = TemplateValue.null
                for op in argOps {
                    last = try evalOperand(op, cmd, dot: dot)
                    if last.isTruthy == (name == "or") { return last }
                }
                return final ?? last
            }
            var args: [TemplateValue] = []
            for op in argOps { args.append(try evalOperand(op, cmd, dot: dot)) }
            if let final { args.append(final) }
            do throws(CallError) {
                return try Builtins.call(name, args)
            } catch {
                throw fail(error.message, cmd)
            }
        }
    }
}
