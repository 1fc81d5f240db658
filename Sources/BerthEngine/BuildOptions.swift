// What `build` is asked (BuildOptions, filled by the CLI from podman's flags), what
// it prints as it goes (BuildOutput: the engine never prints itself) and what it
// gives back (BuildReport).
package import BerthImage
import BerthSystem
import Synchronization

package struct BuildOptions: Sendable {
    /// The context directory, or "-" for a tar on standard input.
    package var context: String = "."
    /// `-f`: Containerfiles (the first is used), "-" for standard input; empty: the
    /// context's Containerfile, else its Dockerfile.
    package var files: [String] = []
    /// `-t`, each normalized as podman does (`name` → `localhost/name:latest`).
    package var tags: [String] = []
    /// `--build-arg` and `--build-arg-file` entries, in order (later wins).
    package var buildArgs: [String: String] = [:]
    package var target: String?
    package var noCache = false
    package var pull = PullPolicy.missing
    /// The pull command's own flags (--tls-verify, --authfile, --creds …).
    package var pullFlags: [String] = []
    package var labels: [String] = []
    package var annotations: [String] = []
    package var quiet = false
    package var imageIDFile: String?
    /// --squash: the layers this build makes become one; --squash-all: every layer.
    package var squash = false
    package var squashAll = false
    /// --layers=false: only the final image is kept (no intermediate images, no cache).
    package var layers = true
    package var format = ImageFormat.oci
    /// --timestamp (or SOURCE_DATE_EPOCH): created times and every new file's mtime.
    package var timestamp: Int64?
    package var platform = PlatformChoice.host
    /// --ignorefile: instead of the context's .containerignore / .dockerignore.
    package var ignoreFile: String?
    /// --from: replaces the first FROM's image.
    package var from: String?
    /// --env NAME=VALUE and --unsetenv NAME: applied to the final image's config.
    package var env: [String] = []
    package var unsetEnv: [String] = []
    /// --omit-history: the images carry no history entries.
    package var omitHistory = false
    /// --identity-label: podman writes io.buildah.version; berth writes io.berth.version
    /// only when asked, so a built image's labels are the Containerfile's and --label's.
    package var identityLabel = false
    /// --jobs: how many stages may build at once (podman's default is 1; berth builds
    /// independent stages side by side unless told otherwise).
    package var jobs = 4
    /// The build containers' settings (network, capabilities, volumes, secrets…).
    package var run: BuildRunSettings

    package init(run: BuildRunSettings) { self.run = run }
}

package struct BuildReport: Sendable {
    package var imageID: String
    package var names: [String]
}

/// Where build's progress lines go (the CLI's standard output), one at a time even
/// when stages build side by side; `-q` keeps them back.
package final class BuildOutput: Sendable {
    package let quiet: Bool
    private let sink: @Sendable (String) -> Void
    private let lock = Mutex(())

    package init(quiet: Bool, sink: @escaping @Sendable (String) -> Void) {
        self.quiet = quiet
        self.sink = sink
    }

    package func line(_ text: String) {
        guard !quiet else { return }
        lock.withLock { _ in sink(text + "\n") }
    }

    /// Said even with -q (warnings go to standard error through Warnings).
    package func always(_ text: String) {
        lock.withLock { _ in sink(text + "\n") }
    }
}
