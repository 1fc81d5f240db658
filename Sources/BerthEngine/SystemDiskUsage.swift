// `system df` and `system prune`: what images, containers and local volumes hold and
// what removing the unused ones would give back, as podman 4.3 counts them.
import BerthImage
import BerthSystem

package struct DiskUsage: Sendable {
    package struct Image: Sendable {
        package var details: ImageDetails
        package var containers: Int
    }
    package struct Container: Sendable {
        package var details: ContainerDetails
        /// Bytes in its upper (writable) layer.
        package var size: Int64
        package var volumes: Int
    }
    package struct Volume: Sendable {
        package var name: String
        package var links: Int
        package var size: Int64
    }
    package var images: [Image]
    package var containers: [Container]
    package var volumes: [Volume]
}

package struct SystemPruneReport: Sendable {
    package var containers: [String] = []
    package var volumes: [String] = []
    package var images: [String] = []
    package var reclaimed: Int64 = 0
}

extension Engine {
    package func diskUsage() throws -> DiskUsage {
        let containers = try listContainers().filter { $0.record.builder == nil }
        var users: [String: Int] = [:]
        for c in containers { users[c.record.imageID, default: 0] += 1 }
        let images = try listImages().filter { !$0.record.isHiddenIntermediate }.map { DiskUsage.Image(details: $0, containers: users[$0.record.id] ?? 0) }
        let rows = containers.map { c in
            DiskUsage.Container(details: c, size: TreeSize.bytes(containerDir(c.record.id) + "/upper"),
                                volumes: c.record.mounts.filter { $0.type == "volume" }.count)
        }
        let volumes = try volumeDetails().map { DiskUsage.Volume(name: $0.record.name, links: $0.users.count, size: TreeSize.bytes($0.mountpoint)) }
        return DiskUsage(images: images, containers: rows, volumes: volumes)
    }

    /// `system prune`: stopped containers, then (with `volumes`) unused volumes, then dangling
    /// images (with `all`, every image no container uses), in podman's order.
    package func pruneSystem(all: Bool, volumes: Bool, volumeFilters: VolumeFilters) throws -> SystemPruneReport {
        var report = SystemPruneReport()
        let containers = try pruneContainers()
        report.containers = containers.removed
        report.reclaimed += containers.bytes
        for error in containers.errors { Warnings.report(error) }
        if volumes {
            let sizes = Dictionary(try volumeDetails().map { ($0.record.name, TreeSize.bytes($0.mountpoint)) }, uniquingKeysWith: { a, _ in a })
            report.volumes = try pruneVolumes(volumeFilters)
            report.reclaimed += report.volumes.reduce(0) { $0 + (sizes[$1] ?? 0) }
        }
        let sizes = Dictionary(try listImages().map { ($0.record.id, $0.record.size) }, uniquingKeysWith: { a, _ in a })
        report.images = try pruneImages(all: all)
        report.reclaimed += report.images.reduce(0) { $0 + (sizes[$1] ?? 0) }
        return report
    }
}
