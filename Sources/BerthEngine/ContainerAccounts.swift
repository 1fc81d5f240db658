// podman's --passwd (on by default), --passwd-entry and --hostuser: the lines a
// start adds to the container's /etc/passwd and /etc/group for a numeric user or
// group the image's files lack (so that `whoami` and $HOME work for `--user 1234`),
// and for host accounts. berth works them out from the files read beneath the
// root (UserSpec.accountFiles); the container's process appends them after
// pivot_root, where no path leads out of the container (launch.h account lines).
import BerthSystem
import Glibc

/// --passwd, --passwd-entry, --hostuser as given to create or run.
package struct AccountOptions: Sendable {
    package var enabled = true
    package var entryTemplate: String?
    package var hostUsers: [String] = []
    package init() {}
}

/// One host account (--hostuser), from the host's user database.
struct HostAccount: Equatable {
    var name: String
    var uid: UInt32
    var gid: UInt32
    var gecos: String

    /// The host's account named (or numbered) `user`; podman's message when there is none.
    static func lookUp(_ user: String) throws -> HostAccount {
        let entry = UInt32(user).map { getpwuid($0) } ?? getpwnam(user)
        guard let entry else { throw ContainerError.invalid("user: unknown user \(user)") }
        return HostAccount(name: String(cString: entry.pointee.pw_name), uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid,
                           gecos: entry.pointee.pw_gecos.map { String(cString: $0) } ?? "")
    }
}

/// What a start appends: whole lines, each ending in a newline; empty: nothing.
struct AccountAdditions: Equatable {
    var passwd = ""
    var group = ""
    /// The user's own account is among them: its home is the working directory.
    var addsUser = false

    /// podman's generateUserPasswdEntry, generateUserGroupEntry and its host users'
    /// entries. `user` is --user or USER (`USER[:GROUP]`); `home` the working
    /// directory, which podman gives an added account as its home.
    static func make(user: String, passwd: String, group: String, home: String, template: String?,
                     hostAccounts: [HostAccount] = []) -> AccountAdditions {
        let users = UserSpec.records(passwd, fields: 3), groups = UserSpec.records(group, fields: 3)
        // podman's lookup: a name, or a number matching the id.
        func hasUser(_ key: String) -> Bool { users.contains { $0[0] == key || (UInt32(key) != nil && $0[2] == key) } }
        func hasGroup(_ key: String) -> Bool { groups.contains { $0[0] == key || (UInt32(key) != nil && $0[2] == key) } }
        func entry(_ username: String, _ uid: UInt32, _ gid: UInt32, _ name: String) -> String {
            guard let template else { return "\(username):*:\(uid):\(gid):\(name):\(home):/bin/sh\n" }
            // $USERNAME first: $NAME is part of it.
            return template.replacing("$USERNAME", with: username).replacing("$UID", with: String(uid))
                .replacing("$GID", with: String(gid)).replacing("$NAME", with: name).replacing("$HOME", with: home) + "\n"
        }
        var result = AccountAdditions()
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? "", groupPart = parts.count > 1 ? parts[1] : ""
        if let uid = UInt32(userPart), !hasUser(userPart) {
            let gid = groupPart.isEmpty ? 0 : UInt32(groupPart) ?? groups.first { $0[0] == groupPart }.flatMap { UInt32($0[2]) } ?? 0
            result.passwd += entry(userPart, uid, gid, "container user")
            result.addsUser = true
        }
        let groupKey = groupPart.isEmpty ? userPart : groupPart
        if !userPart.isEmpty, let gid = UInt32(groupKey), !hasGroup(groupKey) {
            result.group += "\(gid):x:\(gid):\(userPart)\n"
        }
        var added = Set<UInt32>()
        for account in hostAccounts where !hasUser(account.name) && !hasUser(String(account.uid)) && added.insert(account.uid).inserted {
            result.passwd += entry(account.name, account.uid, account.gid, account.gecos)
        }
        return result
    }
}

extension Engine {
    /// --passwd, --passwd-entry, --hostuser at create: each host user must exist.
    static func applyAccountOptions(_ record: inout ContainerRecord, _ options: AccountOptions) throws {
        for user in options.hostUsers { _ = try HostAccount.lookUp(user) }
        record.passwd = options.enabled ? nil : false
        record.passwdEntry = options.entryTemplate
        record.hostUsers = options.hostUsers.isEmpty ? nil : options.hostUsers
    }

    /// What this start appends to the container's account files; nothing with
    /// --passwd=false, nothing to a file the container lacks, and nothing in a
    /// build's RUN step (a line there would land in the image's layer; buildah adds none).
    static func accountAdditions(_ record: ContainerRecord, passwd: String?, group: String?) throws -> AccountAdditions {
        // No user and no host user (most starts): nothing to look up.
        guard record.passwd != false, record.builder == nil, let passwd, !record.user.isEmpty || record.hostUsers != nil else {
            return AccountAdditions()
        }
        var additions = AccountAdditions.make(user: record.user, passwd: passwd, group: group ?? "", home: record.workingDir,
                                              template: record.passwdEntry,
                                              hostAccounts: try (record.hostUsers ?? []).map(HostAccount.lookUp))
        if group == nil { additions.group = "" }
        return additions
    }
}
