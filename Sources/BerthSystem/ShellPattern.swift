// Shell wildcard matching (fnmatch(3)): `images --filter reference=...` takes
// podman's patterns.
import Glibc

package enum ShellPattern {
    /// True when `name` matches the wildcard `pattern` (`*`, `?`, `[...]`; a `*`
    /// also matches `/`, as podman's filter does).
    package static func matches(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
