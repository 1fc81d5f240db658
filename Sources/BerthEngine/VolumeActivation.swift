// Mounting the local driver's tmpfs, device and bind volumes on their _data directory while
// containers (or `volume mount`) use them: RUNROOT/volumes/NAME.json counts the users per
// container ID under the volumes lock; the first user mounts, the last one out unmounts.
// The boot ID in it makes counts from before a reboot (whose mounts are gone) start again.
import BerthImage
import BerthSystem

struct VolumeActivations: Codable, Sendable {
    var bootID: String
    var users: [String: Int]

    var mountCount: Int { users.values.reduce(0, +) }
}

extension Engine {
    private func activationsPath(_ name: String) -> String { paths.runroot + "/volumes/" + name + ".json" }

    func activations(of name: String) -> VolumeActivations? {
        let path = activationsPath(name)
        guard let bytes = try? FileSystem.readFile(path),
              let state = try? JSONCoding.decode(VolumeActivations.self, from: bytes, location: path),
              state.bootID == ProcessLiveness.bootID else { return nil }
        return state
    }

    /// How many users hold the volume mounted now (inspect's MountCount).
    package func volumeMountCount(_ name: String) -> Int { activations(of: name)?.mountCount ?? 0 }

    /// The host path to bind into a container: for type=tmpfs / device= / o=bind volumes, mounts it first
    /// (reference-counted per container id).
    package func activateVolume(_ name: String, for containerID: String) throws -> String {
        let record = try volume(named: name)
        let options = try VolumeOptions.parse(record.options)
        let data = volumeDataPath(name)
        guard options.needsMount else { return data }
        let lock = try lockVolumes()
        defer { lock.unlock() }
        var state = activations(of: name) ?? VolumeActivations(bootID: ProcessLiveness.bootID, users: [:])
        if state.mountCount == 0 || !HostMount.isMountPoint(data) {
            try mountVolume(record, options)
            // podman's volume mount/unmount events: when the filesystem is mounted, not per user.
            recordEvent(.volume("mount", name: name))
        }
        state.users[containerID, default: 0] += 1
        try saveActivations(state, of: name)
        return data
    }

    package func deactivateVolume(_ name: String, for containerID: String) {
        guard let lock = try? lockVolumes() else { return }
        defer { lock.unlock() }
        guard var state = activations(of: name), let count = state.users[containerID] else { return }
        state.users[containerID] = count > 1 ? count - 1 : nil
        if state.mountCount == 0, (try? HostMount.unmount(volumeDataPath(name))) != nil {
            recordEvent(.volume("unmount", name: name))
        }
        try? saveActivations(state, of: name)
    }

    /// Before a volume is removed: its mount goes, and its counts with it. Called under the lock.
    /// Whatever the counts say, nothing is deleted through a mount: a bound host directory's
    /// files must survive the volume.
    func forgetActivations(of name: String) throws {
        let data = volumeDataPath(name)
        if HostMount.isMountPoint(data) { try HostMount.unmount(data) }
        guard !HostMount.isMountPoint(data) else {
            throw VolumeError.failed("volume \(name) is still mounted on \(data): not removing it")
        }
        try FileSystem.unlinkIfPresent(activationsPath(name))
    }

    private func saveActivations(_ state: VolumeActivations, of name: String) throws {
        try FileSystem.makeDirectories(paths.runroot + "/volumes", mode: 0o700)
        try AtomicFile.write(JSONCoding.encode(state), to: activationsPath(name), mode: 0o600, durable: false)
    }

    private func mountVolume(_ record: VolumeRecord, _ options: VolumeOptions) throws {
        let (flags, data) = options.mountFlagsAndData
        let target = volumeDataPath(record.name)
        do {
            if options.isBind {
                try HostMount.mount(source: options.device ?? "", target: target, type: nil, flags: flags, data: "")
            } else {
                let type = options.type ?? "tmpfs"
                var text = data
                // A tmpfs root is owned by whoever mounts it unless told: give it the volume's owner.
                if type == "tmpfs" {
                    if let uid = record.uid, !text.contains("uid=") { text += (text.isEmpty ? "" : ",") + "uid=\(uid)" }
                    if let gid = record.gid, !text.contains("gid=") { text += (text.isEmpty ? "" : ",") + "gid=\(gid)" }
                }
                try HostMount.mount(source: options.device ?? type, target: target, type: type, flags: flags, data: text)
            }
        } catch let error as SystemError {
            throw VolumeError.failed("mounting volume \(record.name): \(error)")
        }
    }
}
