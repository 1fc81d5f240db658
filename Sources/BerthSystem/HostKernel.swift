// What the running kernel says about itself (uname), for `berth info`.
import Glibc

package enum HostKernel {
    /// The kernel release, e.g. "6.1.0-18-amd64"; empty if uname fails.
    package static var release: String {
        var info = utsname()
        guard uname(&info) == 0 else { return "" }
        return withUnsafeBytes(of: info.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
