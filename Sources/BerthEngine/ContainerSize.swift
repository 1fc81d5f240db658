// podman's container sizes (ps --size, inspect --size): SizeRw, the bytes in the
// container's own writable layer, and SizeRootFs, the bytes of its image's layers
// beneath it, each counted as containers/storage counts a layer: st_size of every
// entry but directories (a symlink by its own size), a hardlinked inode once.
// The walk goes through MergedRootfs (openat2 beneath each directory): the upper
// dir is the container's to shape, and a symlink or a directory swapped for one
// while berth walks must never lead the walk into the host's files.
import BerthImage
import BerthSystem

package struct ContainerSize: Sendable, Equatable {
    package var rw: Int64
    package var rootFs: Int64
}

extension Engine {
    /// The sizes of `record`'s writable layer and image layers, now.
    package func size(of record: ContainerRecord) throws -> ContainerSize {
        let rw = try Engine.layerBytes(containerDir(record.id) + "/upper", location: "container \(record.name)")
        var rootFs: Int64 = 0
        for layer in record.layers {
            rootFs += try Engine.layerBytes(store.layerDiffDir(layer), location: "container \(record.name): image layer \(layer)")
        }
        return ContainerSize(rw: rw, rootFs: rootFs)
    }

    /// One layer directory's bytes; a missing directory (a container whose upper dir
    /// is gone, an image removed from under it) counts nothing, as podman reports 0.
    static func layerBytes(_ directory: String, location: String) throws -> Int64 {
        guard FileSystem.isDirectory(directory) else { return 0 }
        let tree = try MergedRootfs(directory: directory, location: location)
        var inodes = Set<UInt64>()
        var total: Int64 = 0
        try tree.walk("/") { entry in
            if entry.kind != .directory, entry.linkCount < 2 || inodes.insert(entry.inode).inserted { total += entry.size }
            return true
        }
        return total
    }
}
