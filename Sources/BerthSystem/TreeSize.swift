// The bytes a directory tree holds (the apparent size of its files, as podman's
// `system df` counts them), walked without following symlinks or leaving the filesystem.
import Glibc

package enum TreeSize {
    /// Sum of st_size over every non-directory below `path`; 0 when it is missing.
    /// Entries that vanish or cannot be read meanwhile are skipped: it is an estimate.
    package static func bytes(_ path: String) -> Int64 {
        var root = stat()
        guard lstat(path, &root) == 0, (root.st_mode & S_IFMT) == S_IFDIR else { return 0 }
        return walk(path, device: root.st_dev)
    }

    private static func walk(_ dir: String, device: dev_t) -> Int64 {
        var total: Int64 = 0
        for name in (try? FileSystem.list(dir)) ?? [] {
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if st.st_dev == device { total += walk(path, device: device) }
            } else {
                total += Int64(st.st_size)
            }
        }
        return total
    }
}
