// The programs the tests drive or judge by (podman, skopeo, docker-registry,
// openssl, python3...): ci/setup installs every one, so a missing one fails the
// test that needs it, naming it, instead of quietly skipping a check.
import Foundation

/// The absolute path of `name` in the tests' PATH; throws when it is not installed.
public func requiredTool(_ name: String) throws -> String {
    guard let path = Sandbox.which(name) else {
        throw TestSupportError("\(name) is not installed (ci/setup installs it)")
    }
    return path
}
