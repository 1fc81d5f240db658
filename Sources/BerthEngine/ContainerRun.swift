// `create` and `run` as one engine call each: get the image (pulling it when the
// policy says so), create the container, write --cidfile, and for run start it in
// the foreground or under its monitor, cleaning up after a failed --rm start.
import BerthImage
import BerthSystem

/// podman's --pull policies.
package enum PullPolicy: String, Sendable {
    case always, missing, never, newer

    /// podman's spellings (pkg/config ParsePullPolicy).
    package init?(flag: String) {
        switch flag.lowercased() {
        case "always", "true": self = .always
        case "missing", "ifmissing", "ifnotpresent", "": self = .missing
        case "never", "false": self = .never
        case "newer", "ifnewer": self = .newer
        default: return nil
        }
    }
}

/// How create and run get an image the store may lack. The pull is `berth pull`
/// run as a child, so that rootless it unpacks inside its own user namespace like
/// any pull, and its progress reaches our standard error.
package struct ImageFetch: Sendable {
    package var policy = PullPolicy.missing
    /// The pull command's own flags (--quiet, --tls-verify=…, --authfile …).
    package var pullFlags: [String] = []
    package init() {}
}

package struct RunOptions: Sendable {
    package var create: CreateOptions
    package var detach = false
    package var attach = AttachOptions()
    package init(create: CreateOptions) { self.create = create }
}

package enum RunOutcome: Sendable {
    /// Started under its monitor (`run -d`).
    case detached(id: String)
    /// Ran in the foreground and exited with this code.
    case exited(Int32)
}

extension Engine {
    /// `create`: the image (pulled if the policy says so), the container, its --cidfile.
    package func create(_ options: CreateOptions) throws -> ContainerRecord {
        if let file = options.idFile, FileSystem.exists(file) {
            throw ContainerError.invalid("container id file \(file) exists: ensure another container is not using it or delete it")
        }
        let record = try createFetchingImage(options)
        recordEvent(.container("create", record))
        Stopwatch.mark("created")
        if let file = options.idFile {
            do {
                try AtomicFile.write(record.id, to: file)
            } catch {
                try? removeContainer(record.id, force: true)
                throw ContainerError.invalid("writing the container id file \(file): \(error)")
            }
        }
        return record
    }

    /// `run`: create, then start in the foreground (the exit code) or detached.
    package func run(_ options: RunOptions) throws -> RunOutcome {
        try Engine.checkPreservedFDs(options.attach.preserveFDs, detached: options.detach)
        let record = try create(options.create)
        if !options.detach && Engine.attachesThroughMonitor(record, options.attach) {
            return .exited(try startAndAttach(record, attach: options.attach))
        }
        guard options.detach else { return .exited(try startAttached(record, attach: options.attach)) }
        do {
            // The record in hand: no second lookup (which would also misreport a
            // container a racing rm or --replace removed as "no such container").
            _ = try spawnMonitor(record, client: nil)
        } catch {
            if record.autoRemove { try? removeContainer(record.id, force: true) }
            throw error
        }
        return .detached(id: record.id)
    }

    /// `missing` pulls only when create finds no image, so the run path pays
    /// nothing when the image is there.
    private func createFetchingImage(_ options: CreateOptions) throws -> ContainerRecord {
        let policy = options.fetch.policy
        // berth keeps no record of the remote digest: newer pulls as always does,
        // and pulling what the store has fetches only the manifest and config.
        if policy == .always || policy == .newer, !Engine.isImageID(options.image) {
            try pull(options.image, options.fetch)
        }
        do {
            return try createContainer(options)
        } catch ImageError.imageNotKnown(let name) where policy == .missing {
            // An ID cannot be pulled: it stays "image not known".
            guard !Engine.isImageID(name), (try? ImageReference.parse(name)) != nil else { throw ImageError.imageNotKnown(name) }
            try pull(options.image, options.fetch)
            return try createContainer(options)
        }
    }

    private func pull(_ image: String, _ fetch: ImageFetch) throws {
        let arguments = ["--root", paths.root, "--runroot", paths.runroot, "pull"] + fetch.pullFlags + [image]
        let status = try SelfExec.runSharingStderr(arguments)
        // The child has said what went wrong on our standard error.
        if status != 0 { throw ContainerError.reported(exitCode: ExitCode.engineError) }
    }

    private static func isImageID(_ text: String) -> Bool {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
