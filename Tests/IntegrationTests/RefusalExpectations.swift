// The check every "bad value" test makes: refused before anything is created.
import Testing
import TestSupport

/// Expects `args` to be refused before anything is created: exit 125, one Error: line saying `message`.
func expectRefused(_ sb: Sandbox, _ args: [String], containing message: String, env: [String: String] = [:],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let result = sb.berth(args, env: env)
    #expect(result.status == 125 && result.stderr.hasPrefix("Error: ") && result.stderr.contains(message)
            && result.stderr.filter({ $0 == "\n" }).count == 1, "\(args): \(result)", sourceLocation: sourceLocation)
    #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "\(args) left a container", sourceLocation: sourceLocation)
}
