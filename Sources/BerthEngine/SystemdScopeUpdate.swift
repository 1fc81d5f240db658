// `update` on a container in a systemd scope: berth writes the new limits to the
// scope's files, and also hands systemd the ones it has unit properties for
// (SetUnitProperties, runtime=true), or a daemon-reload, which rewrites every
// unit's cgroup files from its properties, would put the limits of the start back.
import BerthSystem

extension SystemdScope {
    /// Sets `properties` on the running `unit` until it ends (runtime: nothing is
    /// written under /etc). Throws, naming the unit, when systemd refuses them.
    /// `socket`: the manager's socket when not the usual one (tests).
    static func setProperties(unit: String, _ properties: [DBusValue], rootless: Bool,
                              socket given: (path: String, isBus: Bool)? = nil) throws {
        guard !properties.isEmpty else { return }
        guard let socket = given ?? busSocket(rootless: rootless) else {
            throw ContainerError.invalid("updating scope \(unit): no systemd \(rootless ? "user " : "")manager socket to ask")
        }
        do {
            let connection = try DBusConnection(path: socket.path, isBus: socket.isBus)
            try connection.call(setUnitPropertiesCall(unit: unit, properties, destination: socket.isBus ? manager : nil))
        } catch {
            throw ContainerError.invalid("updating scope \(unit): systemd refused its new properties: \(error)")
        }
    }

    /// SetUnitProperties(s name, b runtime, a(sv) properties).
    static func setUnitPropertiesCall(unit: String, _ properties: [DBusValue], destination: String?) -> DBusMessage {
        .call(destination, path: managerPath, interface: managerInterface, member: "SetUnitProperties",
              [.string(unit), .boolean(true), .array(element: "(sv)", properties)])
    }
}
