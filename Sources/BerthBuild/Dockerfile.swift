// The parsed form of a Dockerfile (or Containerfile): what `DockerfileParser`
// produces and the builder executes. Words that Docker expands at build time
// (ARG/ENV substitution and quote removal, the reference's list: ADD, COPY, ENV,
// EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ONBUILD, and the values
// of their flags) are kept as written, as `RawWord`s, because their values depend
// on the build args and the ENV of the stage when the instruction runs; the
// builder turns them into text with `WordExpander`. Everything else is literal.

/// Where an instruction or an error sits: 1-based line and column in `file`.
package struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    package var description: String { "\(file):\(line):\(column)" }
}

/// Text as written in the Dockerfile, before quote removal and `$VAR`
/// substitution; `WordExpander` gives its value.
package struct RawWord: Sendable, Equatable, CustomStringConvertible {
    package var text: String
    package init(_ text: String) { self.text = text }
    package var description: String { text }
}

package struct Dockerfile: Sendable {
    /// The file's name as the user gave it, for errors ("Containerfile", "-").
    package var file: String
    /// The escape character (`# escape=` directive), `\` by default.
    package var escape: Character
    /// ARGs declared before the first FROM: usable in FROM lines, and in a stage
    /// only when redeclared there (without a value) — the reference's scoping.
    package var globalArgs: [ArgDeclaration]
    package var stages: [Stage]

    package init(file: String, escape: Character = "\\", globalArgs: [ArgDeclaration] = [], stages: [Stage] = []) {
        self.file = file
        self.escape = escape
        self.globalArgs = globalArgs
        self.stages = stages
    }
}

/// One FROM and the instructions up to the next FROM.
package struct Stage: Sendable {
    /// 0-based position: `COPY --from=1` and `--target` by number refer to it.
    package var index: Int
    /// The `AS name`, lowercased as docker stores it; nil when unnamed.
    package var name: String?
    /// The image (or earlier stage, or `scratch`) after FROM, unexpanded: it may
    /// use global ARGs.
    package var base: RawWord
    /// FROM's `--platform=`, unexpanded.
    package var platform: RawWord?
    package var location: SourceLocation
    package var instructions: [Instruction]
    /// The FROM line as written (continuations joined): podman's `STEP 1/5: FROM …` line.
    package var original: String

    package init(index: Int, name: String?, base: RawWord, platform: RawWord?, location: SourceLocation,
                 instructions: [Instruction] = [], original: String = "") {
        self.original = original
        self.index = index
        self.name = name
        self.base = base
        self.platform = platform
        self.location = location
        self.instructions = instructions
    }
}

/// `ARG NAME` or `ARG NAME=default` (default unexpanded).
package struct ArgDeclaration: Sendable, Equatable {
    package var name: String
    package var defaultValue: RawWord?

    package init(name: String, defaultValue: RawWord?) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// `--name=value` (or a bare `--name`) written before an instruction's arguments.
package struct InstructionFlag: Sendable, Equatable {
    package var name: String
    package var value: RawWord?

    package init(name: String, value: RawWord?) {
        self.name = name
        self.value = value
    }
}

/// The two forms of RUN, CMD, ENTRYPOINT, SHELL-run commands and HEALTHCHECK.
package enum CommandForm: Sendable, Equatable {
    /// JSON array form: exec'd as is, no shell, no substitution.
    case exec([String])
    /// Shell form: the text (continuations joined as docker joins them) handed to
    /// the stage's SHELL (`/bin/sh -c` by default).
    case shell(String)
}

/// A here-document (`<<EOF`, `<<-EOF`, `<<"EOF"`) attached to RUN, COPY or ADD.
package struct Heredoc: Sendable, Equatable {
    /// The delimiter word without quotes or dash: for COPY/ADD it is the source
    /// name (`COPY <<EOF /dst` writes a file named by the destination).
    package var name: String
    /// The body, lines joined with "\n" and a final "\n"; leading tabs already
    /// stripped for `<<-`.
    package var content: String
    /// false when the delimiter was quoted: the body is taken literally.
    package var expands: Bool
    /// The fd it feeds for RUN (`3<<EOF`), 0 when not given.
    package var fileDescriptor: Int

    package init(name: String, content: String, expands: Bool, fileDescriptor: Int = 0) {
        self.name = name
        self.content = content
        self.expands = expands
        self.fileDescriptor = fileDescriptor
    }
}

package struct HealthcheckSpec: Sendable, Equatable {
    package var command: CommandForm
    /// Raw flag values (`--interval=30s`); the builder parses the durations.
    package var flags: [InstructionFlag]

    package init(command: CommandForm, flags: [InstructionFlag]) {
        self.command = command
        self.flags = flags
    }
}

package struct Instruction: Sendable {
    package var location: SourceLocation
    /// The keyword upper-cased: "RUN", "COPY".
    package var keyword: String
    /// The instruction as written, continuations joined into one line and comments
    /// dropped: what errors quote (`building at STEP "RUN exit 7"`) and history shows.
    package var original: String
    /// Flags before the arguments (`--from=build`, `--chown=1:1`, `--mount=…`), in order.
    package var flags: [InstructionFlag]
    package var kind: Kind

    package init(location: SourceLocation, keyword: String, original: String, flags: [InstructionFlag] = [], kind: Kind) {
        self.location = location
        self.keyword = keyword
        self.original = original
        self.flags = flags
        self.kind = kind
    }

    package indirect enum Kind: Sendable {
        /// RUN: the command, and the heredocs its text names (`RUN <<EOF`: the
        /// command is the heredoc's body run by the shell, as docker does).
        case run(CommandForm, heredocs: [Heredoc])
        case cmd(CommandForm)
        case entrypoint(CommandForm)
        /// SHELL always takes the JSON form.
        case shell([String])
        /// key=value pairs, both sides unexpanded (quotes kept); the legacy
        /// `LABEL key value` / `ENV key value` form gives one pair.
        case label([(key: RawWord, value: RawWord)])
        case env([(key: RawWord, value: RawWord)])
        case maintainer(String)
        case expose([RawWord])
        /// Sources and destination unexpanded; sources named by a heredoc appear in
        /// `heredocs` and not in `sources`. The JSON form gives the same fields.
        case add(sources: [RawWord], destination: RawWord, heredocs: [Heredoc])
        case copy(sources: [RawWord], destination: RawWord, heredocs: [Heredoc])
        case volume([RawWord])
        case user(RawWord)
        case workdir(RawWord)
        case arg([ArgDeclaration])
        /// The trigger instruction, parsed; ONBUILD ONBUILD, FROM and MAINTAINER
        /// are refused by the parser as docker refuses them.
        case onbuild(Instruction)
        case stopSignal(RawWord)
        /// nil for `HEALTHCHECK NONE`.
        case healthcheck(HealthcheckSpec?)
    }
}

/// The parser's (and the expander's) one error: what is wrong and where.
package struct DockerfileError: Error, Sendable, CustomStringConvertible {
    package var location: SourceLocation
    /// The instruction keyword involved, when there is one.
    package var instruction: String?
    package var message: String

    package init(_ message: String, at location: SourceLocation, instruction: String? = nil) {
        self.message = message
        self.location = location
        self.instruction = instruction
    }

    /// `Containerfile:3:5: COPY: requires at least two arguments`; errors that belong to no
    /// line (a bad `--target`, a word expanded outside a file) leave the location out.
    package var description: String {
        let place = location.line > 0 ? "\(location): " : ""
        return instruction.map { "\(place)\($0): \(message)" } ?? "\(place)\(message)"
    }
}
