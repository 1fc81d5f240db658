// `system reset`, as podman 4.3's: every container stopped and removed, every
// volume, network and image, the rootless pause process, then the store's root and
// runroot directories. The default network's host side (its bridge, berth's nft
// table) is the host's, shared with every other store: it stays.
import BerthRuntime
import BerthSystem

extension Engine {
    /// What could not be removed comes back as messages; the directories go last.
    package func resetSystem() throws -> [String] {
        for path in [paths.root, paths.runroot] where path.split(separator: "/").isEmpty {
            throw ContainerError.invalid("refusing to reset: the store's directory is \(path)")
        }
        var problems: [String] = []
        var containers = RemoveOptions()
        containers.selection.all = true
        containers.force = true
        containers.depend = true
        containers.volumes = true
        problems += try removeContainers(containers).compactMap { $0.error.map { "\($0)" } }
        for volume in try volumeDetails() {
            do { try removeVolume(volume.record.name, force: true) } catch { problems.append("\(error)") }
        }
        for network in try listNetworks(NetworkFilters()) where network.name != Engine.defaultNetworkName {
            do { try removeNetwork(network.name, force: true) } catch { problems.append("\(error)") }
        }
        problems += try removeImages([], force: true, all: true).errors.map { "\($0)" }
        PauseProcess.stop(runroot: paths.runroot)
        for path in [paths.root, paths.runroot] {
            do { try FileSystem.removeTree(path) } catch { problems.append("removing \(path): \(error)") }
        }
        return problems
    }
}
