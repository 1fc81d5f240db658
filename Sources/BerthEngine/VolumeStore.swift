// Named volumes on disk (design.md §3): ROOT/volumes/NAME/{_data,volume.json}, written
// under ROOT/volumes/.lock. A volume appears only by the rename of a complete staging
// directory (.tmp-*), and leaves by a rename to one, so `volume ls` never sees half of one;
// whatever a killed command staged is swept by the next one that takes the lock.
import BerthImage
import BerthSystem
import FoundationEssentials

extension Engine {
    package var volumesDir: String { store.root + "/volumes" }
    func volumeDir(_ name: String) -> String { volumesDir + "/" + name }
    func volumeRecordPath(_ name: String) -> String { volumeDir(name) + "/volume.json" }

    /// ROOT/volumes/NAME/_data (podman's Mountpoint).
    package func volumeDataPath(_ name: String) -> String { volumeDir(name) + "/_data" }

    /// Serialises volume changes between berth processes, and sweeps what killed ones staged.
    func lockVolumes() throws -> FileLock {
        try FileSystem.makeDirectories(volumesDir, mode: 0o700)
        let lock = try FileLock.exclusive(volumesDir + "/.lock")
        // Under the lock nobody else is staging: every .tmp-* left is a dead command's.
        for name in (try? FileSystem.list(volumesDir)) ?? [] where name.hasPrefix(".tmp-") {
            try? FileSystem.removeTree(volumesDir + "/" + name)
        }
        return lock
    }

    /// Creates (name nil → anonymous, a 64-hex random name). Atomic: a kill -9 leaves no half-made volume
    /// that `volume ls` shows (write under a temp name + rename, under the volumes lock).
    package func createVolume(name: String?, driver: String, labels: [String: String], options: [String: String],
                              anonymous: Bool, ignoreIfExists: Bool) throws -> VolumeRecord {
        let name = name ?? RandomID.hex(32)
        guard VolumeOptions.isValidName(name) else { throw VolumeError.invalidName(name) }
        guard driver == "local" else {
            throw VolumeError.unsupported("volume driver \(driver) is not supported: berth has only the local driver: no such volume plugin")
        }
        let parsed = try VolumeOptions.parse(options)
        if parsed.needsMount && StorePaths.isRootless {
            throw VolumeError.unsupported("volume options type=, device= and o= need root: rootless berth keeps no mount namespace of its own to mount them in")
        }
        let lock = try lockVolumes()
        defer { lock.unlock() }
        if FileSystem.exists(volumeRecordPath(name)) {
            if ignoreIfExists { return try volume(named: name) }
            throw VolumeError.exists(name)
        }
        var record = VolumeRecord(name: name, createdAt: Date().timeIntervalSince1970, labels: labels, options: options,
                                  uid: parsed.uid, gid: parsed.gid, anonymous: anonymous, needsCopyUp: parsed.copyUp)
        if parsed.isBind { record.needsCopyUp = false }
        let staging = volumesDir + "/.tmp-" + RandomID.hex(8)
        do {
            try FileSystem.makeDirectories(staging + "/_data", mode: 0o700)
            try FileNode.changeMode(staging, 0o700)
            // The volume's root belongs to the container's root (this process: root, or root of
            // the rootless user namespace) unless uid=/gid= name another owner (-1 keeps one as it is).
            try FileNode.changeMode(staging + "/_data", 0o755)
            if parsed.uid != nil || parsed.gid != nil {
                try FileNode.changeOwner(staging + "/_data", uid: parsed.uid ?? UInt32.max,
                                         gid: parsed.gid ?? UInt32.max)
            }
            try AtomicFile.write(JSONCoding.encode(record), to: staging + "/volume.json", mode: 0o600)
            TestHooks.hold(at: "volume-create")
            try FileSystem.rename(staging, volumeDir(name))
            AtomicFile.syncDirectory(volumesDir)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        recordEvent(.volume("create", name: name))
        return record
    }

    package func volume(named name: String) throws -> VolumeRecord {
        guard VolumeOptions.isValidName(name) else { throw VolumeError.notFound(name) }
        let path = volumeRecordPath(name)
        guard let bytes = try? FileSystem.readFile(path) else { throw VolumeError.notFound(name) }
        return try JSONCoding.decode(VolumeRecord.self, from: bytes, location: path)
    }

    /// The names of the volumes, sorted, without reading their records: what a plain
    /// `volume ls` needs (every volume's driver is "local"), 1000 volumes in a few ms.
    package func volumeNames() throws -> [String] {
        try FileSystem.list(volumesDir).filter { VolumeOptions.isValidName($0) && FileSystem.exists(volumeRecordPath($0)) }.sorted()
    }

    package func volumes() throws -> [VolumeRecord] {
        var result: [VolumeRecord] = []
        for name in try FileSystem.list(volumesDir) where VolumeOptions.isValidName(name) {
            guard let bytes = try? FileSystem.readFile(volumeRecordPath(name)) else { continue }
            result.append(try JSONCoding.decode(VolumeRecord.self, from: bytes, location: volumeRecordPath(name)))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Changes a volume's record under the volumes lock.
    package func updateVolume(_ name: String, _ change: (inout VolumeRecord) -> Void) throws {
        let lock = try lockVolumes()
        defer { lock.unlock() }
        var record = try volume(named: name)
        change(&record)
        try AtomicFile.write(JSONCoding.encode(record), to: volumeRecordPath(name), mode: 0o600)
    }

    /// The containers whose records mount this volume (a "volume" entry in their mounts).
    package func containersUsing(volume name: String) -> [ContainerRecord] {
        ((try? containerIDs()) ?? []).compactMap { id in
            guard let record = try? readRecord(id), record.mounts.contains(where: { $0.type == "volume" && $0.source == name }) else { return nil }
            return record
        }
    }

    /// Removes a volume; `force` first removes the containers using it, as podman does
    /// (stopping running ones with `stopTimeout` seconds of grace, else each one's own).
    package func removeVolume(_ name: String, force: Bool, stopTimeout: Double? = nil) throws {
        _ = try volume(named: name)
        let users = containersUsing(volume: name)
        if !users.isEmpty {
            guard force else { throw VolumeError.inUse(name, containers: users.map(\.id)) }
            for user in users { try removeContainer(user.id, force: true, stopTimeout: stopTimeout ?? user.stopTimeoutSeconds) }
        }
        let lock = try lockVolumes()
        defer { lock.unlock() }
        // A container created meanwhile is checked again, under the store lock too:
        // create writes its record under that lock only once it has seen the
        // volume there (ensureVolumesExist), so either it sees the volume gone
        // or this sees the container.
        let doomed = volumesDir + "/.tmp-rm-" + RandomID.hex(8)
        try store.withLock { () throws in
            if let user = containersUsing(volume: name).first { throw VolumeError.inUse(name, containers: [user.id]) }
            try forgetActivations(of: name)
            try FileSystem.rename(volumeDir(name), doomed)
        }
        recordEvent(.volume("remove", name: name))
        try FileSystem.removeTree(doomed)
    }
}
