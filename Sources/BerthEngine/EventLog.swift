// The events log (issue 11 §4): with no daemon to emit events, every berth command
// that changes state appends its events to RUNROOT/events/events.log, one JSON
// object a line in podman 4.3's file-logger form, and `events` reads them back.
// This file owns the event value, its JSON line and the writer's API.
import BerthSystem

/// One event, with podman's fields (libpod/events.Event).
package struct BerthEvent: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case container, image, volume, system, pod, network
    }

    package var type: Kind
    /// podman's status word: create, init, start, died, remove, pull, tag, ...
    package var status: String
    package var id: String = ""
    package var name: String = ""
    package var image: String = ""
    package var network: String = ""
    /// health_status events: healthy, unhealthy, starting.
    package var healthStatus: String = ""
    /// died: the container's exit code (omitted from JSON when 0, as Go's omitempty).
    package var exitCode: Int32 = 0
    package var podID: String = ""
    /// Nanoseconds since the epoch.
    package var time: Int64
    /// A container event's labels; nil for other types (JSON null, as podman writes).
    package var attributes: [String: String]?

    package init(type: Kind, status: String, id: String = "", name: String = "", image: String = "",
                 attributes: [String: String]? = nil, time: Int64 = WallClock.nanoseconds()) {
        self.type = type
        self.status = status
        self.id = id
        self.name = name
        self.image = image
        self.attributes = attributes
        self.time = time
    }

    /// A container event: its ID, name, image name and labels, as podman records them.
    package static func container(_ status: String, _ record: ContainerRecord, exitCode: Int32 = 0) -> BerthEvent {
        var event = BerthEvent(type: .container, status: status, id: record.id, name: record.name,
                               image: record.imageName, attributes: record.labels)
        event.exitCode = exitCode
        return event
    }

    /// An image event: podman names the image (or the archive or reference) in Name.
    package static func image(_ status: String, id: String = "", name: String = "") -> BerthEvent {
        BerthEvent(type: .image, status: status, id: id, name: name)
    }

    /// A volume event: the volume's name.
    package static func volume(_ status: String, name: String) -> BerthEvent {
        BerthEvent(type: .volume, status: status, name: name)
    }

    /// A health_status event of a container, its new status in HealthStatus.
    package static func health(_ status: String, _ record: ContainerRecord) -> BerthEvent {
        var event = container("health_status", record)
        event.healthStatus = status
        return event
    }
}

extension Engine {
    /// podman's default events_logfile_max_size (1 MB); BERTH_EVENTS_LOGFILE_MAX_SIZE
    /// (bytes, 0: unbounded) sets another.
    static var eventLogMaxSize: Int64 {
        Environment.get("BERTH_EVENTS_LOGFILE_MAX_SIZE").flatMap { Int64($0) } ?? 1_000_000
    }

    package var eventLogPath: String { paths.runroot + "/events/events.log" }

    /// Appends `event` to the events log. An event that cannot be written does not
    /// fail the command that caused it (podman logs such errors too): it warns.
    package func recordEvent(_ event: BerthEvent) {
        recordEvents([event])
    }

    /// Appends several events with one write (the run path's create, init, start).
    package func recordEvents(_ events: [BerthEvent]) {
        guard let first = events.first else { return }
        do {
            try LineLog(path: eventLogPath, maxSize: Self.eventLogMaxSize).append(events.flatMap { $0.jsonLine() })
        } catch {
            Warnings.report("cannot record the \(first.type.rawValue) \(first.status) event: \(error)")
        }
    }

    /// The container events `statuses` of `record`, in order, with one write.
    package func recordContainerEvents(_ statuses: [String], _ record: ContainerRecord) {
        recordEvents(statuses.map { .container($0, record) })
    }
}
