// COPY/ADD `--chown` and `--chmod`: owners by name are looked up in the target
// image's passwd and group (through MergedRootfs, never the host's files),
// numbers taken as given; modes are octal, as podman 4.3 accepts them.
import BerthImage

struct CopyOwner: Equatable {
    var uid: UInt32
    var gid: UInt32

    /// `user`, `user:group`, `uid`, `uid:gid` against `image`'s account files. A
    /// user name given alone brings its primary group from passwd; a number
    /// alone is the gid too (what podman 4.3 does, and docker documents).
    static func resolve(_ text: String, in image: MergedRootfs) throws -> CopyOwner {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userText = parts[0]
        let groupText = parts.count > 1 ? parts[1] : ""
        if let uid = UInt32(userText), let gid = UInt32(groupText) { return CopyOwner(uid: uid, gid: gid) }
        func read(_ path: String) throws -> String {
            guard let bytes = try image.readFile(path, limit: UserSpec.accountFileLimit) else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        let passwd = try read("/etc/passwd")
        let group = try read("/etc/group")
        let users = records(passwd, fields: 4)
        var owner = CopyOwner(uid: 0, gid: 0)
        if userText.isEmpty {
            owner.uid = 0
        } else if let uid = UInt32(userText) {
            owner.uid = uid
            owner.gid = uid
        } else {
            guard let entry = users.first(where: { $0[0] == userText }), let uid = UInt32(entry[2]) else {
                throw ContainerError.invalid("looking up UID/GID for \"\(text)\": determining run uid: user: unknown user error looking up user \"\(userText)\"")
            }
            owner.uid = uid
            owner.gid = UInt32(entry[3]) ?? 0
        }
        if !groupText.isEmpty {
            if let gid = UInt32(groupText) {
                owner.gid = gid
            } else {
                guard let entry = records(group, fields: 3).first(where: { $0[0] == groupText }), let gid = UInt32(entry[2]) else {
                    throw ContainerError.invalid("looking up UID/GID for \"\(text)\": determining run gid: group: unknown group error looking up group \"\(groupText)\"")
                }
                owner.gid = gid
            }
        }
        return owner
    }

    private static func records(_ text: String, fields: Int) -> [[String]] {
        text.split(separator: "\n")
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count >= fields }
    }
}

enum CopyMode {
    /// `--chmod=0755`: octal permission bits (set-id and sticky included).
    static func parse(_ text: String) throws -> UInt32 {
        guard !text.isEmpty, text.count <= 4, let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
            throw ContainerError.invalid("Error parsing chmod \(text)")
        }
        return mode
    }
}
