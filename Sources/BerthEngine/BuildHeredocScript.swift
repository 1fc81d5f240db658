// RUN's heredocs as BuildKit runs them: `RUN <<EOF` alone makes the body the
// step's script (given to the shell, or exec'd from /dev/pipes when it starts
// with #!); `RUN cmd <<EOF` and `RUN cmd 3<<EOF` append the bodies to the shell
// text, so the shell itself feeds them to stdin or to fd N.
import BerthBuild
import BerthSystem

enum BuildHeredocScript {
    /// Where a #! script is bound: /dev is the container's own tmpfs, so nothing
    /// of it reaches the layer.
    static let scriptDirectory = "/dev/pipes"

    static func arguments(_ request: BuildRunRequest, scratch: String, mounts: inout [VolumeMount]) throws -> [String] {
        let heredocs = request.heredocs
        guard !heredocs.isEmpty, request.arguments.count >= 2, let text = request.arguments.last else { return request.arguments }
        let shell = Array(request.arguments.dropLast())
        if heredocs.count == 1, isOnlyRedirection(text, heredocs[0]) {
            let body = heredocs[0].content
            guard body.hasPrefix("#!") else { return shell + [body] }
            let file = scratch + "/heredoc-0"
            try AtomicFile.write(body, to: file, mode: 0o755, durable: false)
            let target = scriptDirectory + "/" + heredocs[0].name
            mounts.append(VolumeMount(type: "bind", source: file, destination: target, readOnly: true, options: []))
            return [target]
        }
        var script = text
        for heredoc in heredocs {
            script += "\n" + heredoc.content + (heredoc.content.hasSuffix("\n") || heredoc.content.isEmpty ? "" : "\n") + heredoc.name
        }
        return shell + [script + "\n"]
    }

    /// True when the shell text is nothing but the heredoc's own `<<NAME` (any
    /// quoting, `<<-`, an fd number of 0).
    static func isOnlyRedirection(_ text: String, _ heredoc: Heredoc) -> Bool {
        var word = Substring(text.filter { $0 != "\n" }.trimmedSpaces)
        if word.hasPrefix("0") { word = word.dropFirst() }
        guard word.hasPrefix("<<") else { return false }
        word = word.dropFirst(2)
        if word.hasPrefix("-") { word = word.dropFirst() }
        return word.filter { $0 != "\"" && $0 != "'" } == heredoc.name
    }
}
