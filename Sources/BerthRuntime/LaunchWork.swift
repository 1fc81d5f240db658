// What berth does for a container between its release and its exec
// (ContainerProcess.start), split by when it must be done.

/// The parent's part of a launch after the release. With `ContainerSpec.barrier`
/// the child sets up its rootfs meanwhile and waits at its barrier before
/// anything of the container runs; without it, both run before the release.
package struct LaunchWork {
    /// Runs right after the release, beside the child's mounts: the container's
    /// cgroup, which the child joins once past the barrier.
    package var besideSetUp: (() throws -> Void)?
    /// Runs once the child waits at its barrier: a network helper's readiness.
    package var atBarrier: (() throws -> Void)?

    package init(besideSetUp: (() throws -> Void)? = nil, atBarrier: (() throws -> Void)? = nil) {
        self.besideSetUp = besideSetUp
        self.atBarrier = atBarrier
    }
}
