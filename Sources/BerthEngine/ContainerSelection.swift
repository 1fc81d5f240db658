// Which containers a verb acts on: the names given, or --all, --latest, --filter
// and --cidfile, as podman's verbs choose them. Each chosen container keeps the
// text to print for it: the name as the user gave it, else the full ID.
import BerthSystem

package struct ContainerSelection: Sendable {
    package var names: [String] = []
    package var all = false
    package var latest = false
    package var filters: [String] = []
    /// Files holding a container ID each (`--cidfile`).
    package var idFiles: [String] = []
    /// `--ignore`: a name (or ID file) that matches nothing is skipped without an error.
    package var ignoreMissing = false

    package init(names: [String] = [], latest: Bool = false) {
        self.names = names
        self.latest = latest
    }
}

/// One container a verb was asked about: found, or the reason it was not.
struct ContainerTarget {
    var input: String
    var record: Result<ContainerRecord, any Error>
}

extension Engine {
    /// podman's rules: names exclude --all and --latest; nothing at all is an error.
    func select(_ selection: ContainerSelection) throws -> [ContainerTarget] {
        let byName = !selection.names.isEmpty
        if byName && selection.latest { throw ContainerError.invalid("--latest and containers cannot be used together") }
        if byName && selection.all { throw ContainerError.invalid("--all and containers cannot be used together") }
        if selection.all && selection.latest { throw ContainerError.invalid("--all and --latest cannot be used together") }
        if byName && !selection.filters.isEmpty { throw ContainerError.invalid("--filter takes no arguments") }
        let chooses = byName || selection.all || selection.latest || !selection.filters.isEmpty || !selection.idFiles.isEmpty
        guard chooses else { throw ContainerError.invalid("you must provide at least one name or id") }

        var targets: [ContainerTarget] = []
        if selection.all || selection.latest || !selection.filters.isEmpty {
            var found = try listContainers()
            if !selection.filters.isEmpty {
                let filters = try containerFilters(selection.filters)
                found = found.filter(filters.matches)
            }
            if selection.latest { found = Array(found.prefix(1)) }
            targets += found.map { ContainerTarget(input: $0.record.id, record: .success($0.record)) }
        }
        for file in selection.idFiles {
            let text: String
            do {
                text = try FileSystem.readText(file)
            } catch {
                if selection.ignoreMissing { continue }
                throw ContainerError.invalid("reading CIDFile \(file): \(error)")
            }
            let id = String(text.filter { !$0.isWhitespace })
            targets.append(ContainerTarget(input: id, record: Result { try resolveContainer(id) }))
        }
        for name in selection.names {
            targets.append(ContainerTarget(input: name, record: Result { try resolveContainer(name) }))
        }
        if selection.ignoreMissing {
            targets.removeAll { target in
                if case .failure(ContainerError.notFound) = target.record { return true }
                return false
            }
        }
        return targets
    }

    /// `--latest` for the verbs that take one container (inspect, logs): the newest one.
    package func latestContainer() throws -> ContainerRecord {
        guard let target = try select(ContainerSelection(latest: true)).first else {
            throw ContainerError.invalid("no containers to act on: --latest found none")
        }
        return try target.record.get()
    }

    /// `container exists`: podman's lookup (name, ID or unique ID prefix); only
    /// "no such container" is a no, any other failure (an ambiguous prefix) is an error.
    package func containerExists(_ nameOrID: String) throws -> Bool {
        do {
            _ = try resolveContainer(nameOrID)
            return true
        } catch ContainerError.notFound {
            return false
        }
    }
}
