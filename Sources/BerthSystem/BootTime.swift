// When this boot began, for state kept on a /run that is not a tmpfs (design.md §11:
// ext4 here): what was written before it describes processes that are gone.
import Glibc

package enum BootTime {
    /// Whether `path` was last modified before this boot (false when it is missing).
    package static func predates(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        var real = timespec(), sinceBoot = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        clock_gettime(CLOCK_BOOTTIME, &sinceBoot)
        return st.st_mtim.tv_sec < real.tv_sec - sinceBoot.tv_sec
    }
}
