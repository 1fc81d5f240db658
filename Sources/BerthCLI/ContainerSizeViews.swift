// ps --size and inspect --size: podman's SIZE column ("5kB (virtual 1.98MB)"), the
// Size object of ps's JSON and inspect's SizeRw and SizeRootFs.
import BerthEngine
import BerthRuntime
import BerthTemplate

enum ContainerSizeViews {
    /// Rootless outside the user namespace: runs the command again inside it and
    /// returns its exit code (a container's directories belong to its subordinate
    /// ids, unreadable from outside); nil: go on in this process.
    static func reexecutedInUserNamespace(_ context: CommandContext) throws -> Int32? {
        guard Engine.needsUserNamespaceForWrites else { return nil }
        return try PauseProcess.reexecuteInUserNamespace(runroot: context.engine().paths.runroot, arguments: context.invocation,
                                                         place: Engine.pauseProcessPlacement(cgroupManager: context.globals.cgroupManager))
    }

    /// ps's SIZE: go-units' HumanSizeWithPrecision, which podman's ps prints without a space.
    static func column(_ size: ContainerSize) -> String {
        func human(_ bytes: Int64) -> String { HumanUnits.size(bytes).filter { $0 != " " } }
        return "\(human(size.rw)) (virtual \(human(size.rootFs)))"
    }

    /// ps's JSON `Size`.
    static func json(_ size: ContainerSize) -> TemplateValue {
        .structure("*define.ContainerSize", [("rootFsSize", .int(size.rootFs)), ("rwSize", .int(size.rw))])
    }

    /// `value` (a structure) with `fields` inserted before the field named `key`
    /// (at the end when it has none).
    static func inserting(_ fields: [(String, TemplateValue)], into value: TemplateValue, before key: String?) -> TemplateValue {
        guard case .structure(let type, var members) = value else { return value }
        let index = key.flatMap { name in members.firstIndex { $0.0 == name } } ?? members.endIndex
        members.insert(contentsOf: fields, at: index)
        return .structure(type, members)
    }
}
