// The process identity from `--user`/USER: names looked up in the container's
// /etc/passwd and /etc/group (read through MergedRootfs, never a host path),
// numbers taken as given, supplementary groups from the group file.
import BerthImage

struct UserSpec: Equatable {
    var uid: UInt32
    var gid: UInt32
    var groups: [UInt32]
    var home: String

    /// passwd and group are read whole or not at all: a bigger one is refused
    /// (podman fails on any line over 64 KiB; this bounds memory, not lines).
    static let accountFileLimit = 4 << 20

    /// Resolves `text` against the account files of `rootfs`. A missing file
    /// counts as empty, as in podman; one that exists but cannot be read as a
    /// regular file of at most 4 MiB (a symlink to a device, a fifo, a huge
    /// file) fails the start with an error naming it.
    /// `groupAdd` (--group-add) adds groups by name or number.
    static func resolve(_ text: String, in rootfs: MergedRootfs, groupAdd: [String] = []) throws -> UserSpec {
        let files = try accountFiles(in: rootfs)
        return try resolve(text, passwd: files.passwd ?? "", group: files.group ?? "", groupAdd: groupAdd)
    }

    /// /etc/passwd and /etc/group of `rootfs` (nil: missing), with resolve's limits.
    static func accountFiles(in rootfs: MergedRootfs) throws -> (passwd: String?, group: String?) {
        func read(_ path: String) throws -> String? {
            try rootfs.readFile(path, limit: accountFileLimit).map { String(decoding: $0, as: UTF8.self) }
        }
        return (try read("/etc/passwd"), try read("/etc/group"))
    }

    /// Resolves `text` (`USER`, `UID`, `USER:GROUP`, `UID:GID`, empty for root)
    /// against the contents of passwd and group files.
    static func resolve(_ text: String, passwd: String, group: String, groupAdd: [String] = [], primaryAmongGroups: Bool = false) throws -> UserSpec {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userText = parts.first ?? ""
        let users = records(passwd, fields: 6)
        let groupRecords = records(group, fields: 3)
        var spec = UserSpec(uid: 0, gid: 0, groups: [], home: "/")
        var name: String?
        if userText.isEmpty {
            name = "root"
            if let entry = users.first(where: { $0[2] == "0" }) {
                spec.home = entry[5]
                name = entry[0]
            } else {
                spec.home = "/root"
            }
        } else if let number = UInt32(userText) {
            spec.uid = number
            if let entry = users.first(where: { $0[2] == userText }) {
                spec.gid = UInt32(entry[3]) ?? 0
                spec.home = entry[5]
                name = entry[0]
            }
        } else {
            guard let entry = users.first(where: { $0[0] == userText }), let uid = UInt32(entry[2]) else {
                throw ContainerError.invalid("unable to find user \(userText): no matching entries in passwd file")
            }
            spec.uid = uid
            spec.gid = UInt32(entry[3]) ?? 0
            spec.home = entry[5]
            name = userText
        }
        if parts.count > 1 && !parts[1].isEmpty {
            spec.gid = try groupID(parts[1], in: groupRecords)
        }
        if let name {
            for entry in groupRecords where entry.count >= 4 && entry[3].split(separator: ",").contains(Substring(name)) {
                if let gid = UInt32(entry[2]), gid != spec.gid, !spec.groups.contains(gid) { spec.groups.append(gid) }
            }
        }
        // A container's process (not an exec's): podman lists a given user's primary
        // group among the supplementary ones (id shows groups=GID); not for the default root.
        if primaryAmongGroups && !text.isEmpty && !spec.groups.contains(spec.gid) { spec.groups.append(spec.gid) }
        for extra in groupAdd {
            let gid = try groupID(extra, in: groupRecords)
            if !spec.groups.contains(gid) { spec.groups.append(gid) }
        }
        return spec
    }

    /// A group number as given, or a name's gid from the group file.
    private static func groupID(_ text: String, in groupRecords: [[String]]) throws -> UInt32 {
        if let number = UInt32(text) { return number }
        guard let entry = groupRecords.first(where: { $0[0] == text }), let gid = UInt32(entry[2]) else {
            throw ContainerError.invalid("unable to find group \(text): no matching entries in group file")
        }
        return gid
    }

    /// The colon-separated records of an account file with at least `fields` fields.
    static func records(_ text: String, fields: Int) -> [[String]] {
        text.split(separator: "\n")
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count >= fields }
    }
}
