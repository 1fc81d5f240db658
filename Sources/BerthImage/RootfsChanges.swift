// What `diff` lists: the paths a layer (a container's upper dir, an image's top
// layer) adds, changes or deletes relative to what lies below it, in podman's
// order and with podman's rules (containers/storage's overlay changes): the
// upper dir walked in name order; a 0/0 character device deletes its name; an
// opaque directory that exists below was deleted and made again (D, then its
// contents as added); a directory below with the same size, mode and mtime is
// no change; the parents of an added or deleted path are listed as changed
// when nothing listed them yet, just before it.
//
// The upper dir may be a live container's: it is walked through directory fds
// with O_NOFOLLOW, and the lower side only through MergedRootfs.
import BerthSystem
import CBerth
import Glibc

package enum RootfsChanges {
    package enum Change: String, Sendable {
        case added = "A"
        case changed = "C"
        case deleted = "D"
    }

    package typealias Item = (kind: Change, path: String)

    /// The changes the overlay-upper directory `upper` makes to `lower`.
    package static func list(upper: String, lower: MergedRootfs) throws -> [Item] {
        let root = try ImageError.wrap { () throws in try FileDescriptor.open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) }
        var walk = UpperWalk(lower: lower, location: upper)
        try walk.visit(directory: root, path: "")
        return walk.changes
    }

    /// The changes from `old` to `new`, two whole trees (`diff A B` of images or
    /// containers that are not one layer apart).
    package static func compare(_ new: MergedRootfs, to old: MergedRootfs) throws -> [Item] {
        var recorder = ChangeRecorder()
        try compareDirectory("/", new, old, &recorder)
        return recorder.changes
    }

    private static func compareDirectory(_ path: String, _ new: MergedRootfs, _ old: MergedRootfs, _ recorder: inout ChangeRecorder) throws {
        let newEntries = try new.list(path) ?? []
        let oldEntries = Dictionary((try old.list(path) ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newNames = Set(newEntries.map(\.name))
        var items: [(name: String, entry: RootfsEntry?)] = newEntries.map { ($0.name, $0) }
        items += oldEntries.keys.filter { !newNames.contains($0) }.map { ($0, nil) }
        items.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        for (name, entry) in items {
            let child = path == "/" ? "/" + name : path + "/" + name
            guard let entry else {
                recorder.record(.deleted, child, isDirectory: false)
                continue
            }
            let isDirectory = entry.kind == .directory
            if let before = oldEntries[name] {
                let linkChanged = entry.kind == .symlink && before.kind == .symlink
                    ? try new.readLink(child) != old.readLink(child) : false
                if differs(entry, before) || linkChanged {
                    recorder.record(.changed, child, isDirectory: isDirectory)
                }
                if isDirectory && before.kind == .directory {
                    try compareDirectory(child, new, old, &recorder)
                    continue
                }
            } else {
                recorder.record(.added, child, isDirectory: isDirectory)
            }
            if isDirectory { try addAll(child, new, &recorder) }
        }
    }

    private static func addAll(_ path: String, _ tree: MergedRootfs, _ recorder: inout ChangeRecorder) throws {
        for entry in try tree.list(path) ?? [] {
            recorder.record(.added, entry.path, isDirectory: entry.kind == .directory)
            if entry.kind == .directory { try addAll(entry.path, tree, &recorder) }
        }
    }

    private static func differs(_ a: RootfsEntry, _ b: RootfsEntry) -> Bool {
        if a.kind != b.kind || a.permissions != b.permissions || a.uid != b.uid || a.gid != b.gid { return true }
        if a.kind == .directory { return !sameTime(a, b) }
        return a.size != b.size || !sameTime(a, b) || a.device != b.device
    }

    /// containers/storage's sameFsTime: equal, or equal seconds where one side
    /// lost its nanoseconds.
    static func sameTime(_ a: RootfsEntry, _ b: RootfsEntry) -> Bool {
        a.modifiedSeconds == b.modifiedSeconds
            && (a.modifiedNanoseconds == b.modifiedNanoseconds || a.modifiedNanoseconds == 0 || b.modifiedNanoseconds == 0)
    }
}

/// The list being built, with the parent rule: before an added or deleted path,
/// each ancestor no change listed yet is listed as changed, outermost first.
struct ChangeRecorder {
    var changes: [RootfsChanges.Item] = []
    private var changedDirectories = Set<String>()

    mutating func record(_ kind: RootfsChanges.Change, _ path: String, isDirectory: Bool) {
        if isDirectory { changedDirectories.insert(path) }
        if kind != .changed {
            var parents: [RootfsChanges.Item] = []
            var parent = Self.parent(of: path)
            while parent != "/" {
                if !changedDirectories.contains(parent) {
                    parents.insert((.changed, parent), at: 0)
                    changedDirectories.insert(parent)
                }
                parent = Self.parent(of: parent)
            }
            changes += parents
        }
        changes.append((kind, path))
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// The walk of an upper dir: fds all the way down, never a path resolved twice.
private struct UpperWalk {
    let lower: MergedRootfs
    let location: String
    var recorder = ChangeRecorder()
    var changes: [RootfsChanges.Item] { recorder.changes }

    init(lower: MergedRootfs, location: String) {
        self.lower = lower
        self.location = location
    }

    mutating func visit(directory: FileDescriptor, path: String) throws {
        let names: [String]
        do {
            names = try FileSystem.list("/proc/self/fd/\(directory.raw)")
        } catch let error as SystemError {
            throw ImageError.system(SystemError("list", location + (path.isEmpty ? "/" : path), errno: error.errno))
        }
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let child = path + "/" + name
            var st = stat()
            guard fstatat(directory.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue } // gone meanwhile in a running container
                throw ImageError.system(SystemError("stat", location + child))
            }
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            var opened: FileDescriptor?
            if isDirectory {
                let raw = openat(directory.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard raw >= 0 else {
                    if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { continue }
                    throw ImageError.system(SystemError("open", location + child))
                }
                opened = FileDescriptor(raw: raw)
            }
            let below = try lower.linkStatus(child)
            if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 {
                recorder.record(.deleted, child, isDirectory: false)
                continue
            }
            if let opened, below != nil, Self.isOpaque(opened) {
                recorder.record(.deleted, child, isDirectory: true)
                try visit(directory: opened, path: child)
                continue
            }
            if let below {
                let unchangedDirectory = isDirectory && below.kind == .directory && Int64(st.st_size) == below.size
                    && (UInt32(st.st_mode) & 0o7777) == below.permissions
                    && RootfsChanges.sameTime(RootfsEntry(path: child, status: st, layer: 0), below)
                if !unchangedDirectory { recorder.record(.changed, child, isDirectory: isDirectory) }
            } else {
                recorder.record(.added, child, isDirectory: isDirectory)
            }
            if let opened { try visit(directory: opened, path: child) }
        }
    }

    static func isOpaque(_ fd: FileDescriptor) -> Bool {
        for name in LayerTarWriter.opaqueXattrs {
            var value: [UInt8] = [0, 0]
            let n = value.withUnsafeMutableBytes { berth_fgetxattr(fd.raw, name, $0.baseAddress, $0.count) }
            if n == 1 && value[0] == UInt8(ascii: "y") { return true }
        }
        return false
    }
}
