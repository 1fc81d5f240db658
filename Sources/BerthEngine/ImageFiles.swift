// Reads a file of a container's root filesystem without mounting it: the upper
// dir first, then each layer top-down, stopping at an overlay whiteout.
import BerthSystem
import Glibc

struct ImageFiles {
    let upper: String
    let lower: [String]

    func read(_ path: String) -> String? {
        for dir in [upper] + lower {
            var st = stat()
            let full = dir + path
            guard lstat(full, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 { return nil }
            return try? FileSystem.readText(full)
        }
        return nil
    }
}

/// The process identity from `--user`/USER: names looked up in the image's
/// /etc/passwd and /etc/group, numbers taken as given.
struct UserSpec {
    var uid: UInt32
    var gid: UInt32
    var groups: [UInt32]
    var home: String

    static func resolve(_ text: String, in files: ImageFiles) throws -> UserSpec {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let userText = parts.first ?? ""
        let passwd = (files.read("/etc/passwd") ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        let group = (files.read("/etc/group") ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        var uid: UInt32 = 0, gid: UInt32 = 0
        var home = "/"
        var name: String?
        if userText.isEmpty {
            name = "root"
            if let entry = passwd.first(where: { $0.count >= 6 && $0[2] == "0" }) { home = entry[5]; name = entry[0] }
            else { home = "/root" }
        } else if let number = UInt32(userText) {
            uid = number
            if let entry = passwd.first(where: { $0.count >= 6 && $0[2] == userText }) {
                gid = UInt32(entry[3]) ?? 0; home = entry[5]; name = entry[0]
            }
        } else {
            guard let entry = passwd.first(where: { $0.count >= 6 && $0[0] == userText }), let u = UInt32(entry[2]) else {
                throw ContainerError.invalid("unable to find user \(userText): no matching entries in passwd file")
            }
            uid = u; gid = UInt32(entry[3]) ?? 0; home = entry[5]; name = userText
        }
        if parts.count > 1 {
            if let number = UInt32(parts[1]) {
                gid = number
            } else {
                guard let entry = group.first(where: { $0.count >= 3 && $0[0] == parts[1] }), let g = UInt32(entry[2]) else {
                    throw ContainerError.invalid("unable to find group \(parts[1]): no matching entries in group file")
                }
                gid = g
            }
        }
        var groups: [UInt32] = []
        if let name {
            for entry in group where entry.count >= 4 && entry[3].split(separator: ",").contains(Substring(name)) {
                if let g = UInt32(entry[2]), g != gid { groups.append(g) }
            }
        }
        return UserSpec(uid: uid, gid: gid, groups: groups, home: home)
    }
}
