// --tz: the container's /etc/localtime is the host's zone file, bound read-only,
// as podman does ("local" is the host's own /etc/localtime).
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    static let zoneinfoDir = "/usr/share/zoneinfo"

    /// The host file --tz names; nil for no --tz.
    static func timezoneFile(_ zone: String) -> String {
        zone == "local" ? "/etc/localtime" : zoneinfoDir + "/" + zone
    }

    /// Refuses, before anything is created, a zone the host has no file for (or a
    /// name that climbs out of the zoneinfo directory).
    static func checkedTimezone(_ zone: String?) throws -> String? {
        guard let zone, !zone.isEmpty else { return nil }
        let file = timezoneFile(zone)
        guard !zone.split(separator: "/").contains(".."), !zone.hasPrefix("/"), FileSystem.exists(file), !FileSystem.isDirectory(file) else {
            throw ContainerError.invalid("finding timezone \(zone): \(file): no such file or directory")
        }
        return zone
    }

    /// The read-only bind of the zone file at /etc/localtime, when --tz was given.
    func timezoneMounts(_ record: ContainerRecord) -> [MountSpec] {
        guard let zone = record.timezone else { return [] }
        return [MountSpec(kind: .bind, source: Engine.timezoneFile(zone), destination: "/etc/localtime", flags: UInt(MS_RDONLY))]
    }
}
