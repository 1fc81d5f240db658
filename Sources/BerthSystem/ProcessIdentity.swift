// Who this process is: its real user and group ids (inside a user namespace, as
// that namespace maps them).
import Glibc

package enum ProcessIdentity {
    package static var pid: Int32 { getpid() }
    package static var uid: UInt32 { getuid() }
    package static var gid: UInt32 { getgid() }
    package static var effectiveUID: UInt32 { geteuid() }
}
