// The container side of volumes at create: the image's VOLUME paths
// (--image-volume), --volumes-from, --read-only-tmpfs and --mount type=image are
// turned into ordinary mount entries, then the named volumes that do not exist
// yet and the anonymous ones are created. Everything is checked before the first
// volume is made, and a create that fails afterwards removes the anonymous
// volumes it made, so a refused create leaves the store as it was.
import BerthImage
import BerthSystem

/// What the volume flags of run/create ask for besides -v, --mount and --tmpfs.
package struct VolumeRequests: Sendable {
    /// --volumes-from CONTAINER[:ro|rw|z]
    package var volumesFrom: [String] = []
    /// --image-volume: "bind" (anonymous volumes, podman's default), "tmpfs" or "ignore".
    package var imageVolume = "bind"
    /// --read-only-tmpfs (podman's default true): with --read-only, writable tmpfs
    /// on /run, /tmp and /var/tmp.
    package var readOnlyTmpfs = true
    package init() {}
}

extension Engine {
    /// The mounts of a new container: the parsed ones, then --volumes-from's, the
    /// image's VOLUMEs and --read-only-tmpfs's where no mount is asked for yet.
    /// Pure apart from reading records: nothing is created.
    func plannedMounts(_ options: CreateOptions, parsed: [VolumeMount], imageConfig config: ContainerConfig) throws -> [VolumeMount] {
        var mounts = parsed
        var taken = Set(mounts.map { VolumeParser.clean($0.destination) })
        func add(_ mount: VolumeMount) {
            if taken.insert(VolumeParser.clean(mount.destination)).inserted { mounts.append(mount) }
        }
        for entry in options.volumeRequests.volumesFrom {
            for mount in try mountsFrom(entry) { add(mount) }
        }
        for index in mounts.indices where mounts[index].type == "image" {
            mounts[index] = try imageMount(mounts[index])
        }
        let imageVolume = options.volumeRequests.imageVolume
        guard ["bind", "tmpfs", "ignore"].contains(imageVolume) else {
            throw ContainerError.invalid("invalid --image-volume \"\(imageVolume)\": use bind, tmpfs or ignore")
        }
        // A build's RUN container gets no volumes of its own (buildah's rule).
        if options.buildOwner == nil {
            for path in (config.Volumes ?? [:]).keys.sorted() where path.hasPrefix("/") {
                switch imageVolume {
                case "bind": add(VolumeMount(type: "volume", source: "", destination: path, readOnly: false, options: [], anonymous: true))
                case "tmpfs": add(VolumeMount(type: "tmpfs", source: "tmpfs", destination: path, readOnly: false, options: []))
                default: break
                }
            }
        }
        if options.readOnly && options.volumeRequests.readOnlyTmpfs {
            for path in ["/tmp", "/var/tmp", "/run"] {
                add(VolumeMount(type: "tmpfs", source: "tmpfs", destination: path, readOnly: false, options: ["nosuid", "nodev"]))
            }
        }
        return mounts
    }

    /// --volumes-from CONTAINER[:OPTIONS]: the container's volumes and host
    /// directories, read-only when it says ro (else as that container has them).
    /// They stay that container's: never anonymous here, so `rm -v` of this one keeps them.
    private func mountsFrom(_ entry: String) throws -> [VolumeMount] {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else {
            throw ContainerError.invalid("invalid --volumes-from \"\(entry)\": use CONTAINER[:ro|rw|z]")
        }
        let options = parts.count == 2 ? parts[1].split(separator: ",").map(String.init) : []
        for option in options where !["ro", "rw", "z"].contains(option) {
            throw ContainerError.invalid("invalid --volumes-from \"\(entry)\": unknown option \"\(option)\" (ro, rw, z)")
        }
        if options.contains("ro") && options.contains("rw") {
            throw ContainerError.invalid("invalid --volumes-from \"\(entry)\": ro and rw conflict")
        }
        let source: ContainerRecord
        do {
            source = try resolveContainer(parts[0])
        } catch ContainerError.notFound {
            throw ContainerError.invalid("--volumes-from: no container with name or ID \"\(parts[0])\" found")
        }
        return source.mounts.filter { $0.type == "volume" || $0.type == "bind" }.map { mount in
            var copy = mount
            copy.anonymous = nil
            if options.contains("ro") || options.contains("rw") {
                copy.readOnly = options.contains("ro")
                copy.options.removeAll { $0 == "ro" || $0 == "rw" }
                copy.options.append(copy.readOnly ? "ro" : "rw")
            }
            return copy
        }
    }

    /// --mount type=image,src=IMAGE: the image's layers, read-only, recorded by image ID.
    private func imageMount(_ mount: VolumeMount) throws -> VolumeMount {
        let image = try resolveImage(mount.source)
        var resolved = mount
        resolved.source = image.id
        return resolved
    }

    /// Creates the named volumes that do not exist yet and the anonymous ones
    /// (their new names written into `mounts`). Returns the anonymous names, for
    /// `discardVolumes` when the create fails later.
    func createVolumes(_ mounts: inout [VolumeMount]) throws -> [String] {
        var created: [String] = []
        do {
            for index in mounts.indices where mounts[index].type == "volume" {
                if mounts[index].source.isEmpty {
                    let volume = try createVolume(name: nil, driver: "local", labels: [:], options: [:], anonymous: true, ignoreIfExists: false)
                    mounts[index].source = volume.name
                    mounts[index].anonymous = true
                    created.append(volume.name)
                } else {
                    _ = try createVolume(name: mounts[index].source, driver: "local", labels: [:], options: [:], anonymous: false,
                                         ignoreIfExists: true)
                }
            }
        } catch {
            discardVolumes(created)
            throw error
        }
        return created
    }

    /// Under the store lock, as create writes its record: the first volume the
    /// mounts name that is gone (a `volume rm` or prune between createVolumes
    /// and now), or nil. removeVolume checks for users under the same lock.
    func removedVolume(in mounts: [VolumeMount]) -> String? {
        mounts.first { $0.type == "volume" && !FileSystem.exists(volumeRecordPath($0.source)) }?.source
    }

    /// Makes again the volumes a racing `volume rm` removed, before create retries.
    func recreateVolumes(_ mounts: [VolumeMount]) throws {
        for mount in mounts where mount.type == "volume" && !FileSystem.exists(volumeRecordPath(mount.source)) {
            _ = try createVolume(name: mount.source, driver: "local", labels: [:], options: [:], anonymous: mount.anonymous == true,
                                 ignoreIfExists: true)
        }
    }

    /// Removes anonymous volumes a failed create made (best effort: the create's error is what counts).
    func discardVolumes(_ names: [String]) {
        for name in names { try? removeVolume(name, force: false) }
    }

    /// `rm -v` and `run --rm`: the container's own anonymous volumes. One still used by
    /// another container (through --volumes-from) stays, as podman keeps it.
    func removeAnonymousVolumes(of record: ContainerRecord) {
        for mount in record.mounts where mount.type == "volume" && mount.anonymous == true {
            let users = containersUsing(volume: mount.source).filter { $0.id != record.id }
            if users.isEmpty { try? removeVolume(mount.source, force: false) }
        }
    }
}
