// Directory listing and tree walks over a MergedRootfs: the primitives `cp`,
// `diff`, `export`, `commit` and build's COPY --from walk a container with.
import BerthSystem
import Glibc

extension MergedRootfs {
    /// The entries of the directory at `path` (symlinks on the way followed),
    /// sorted by name, whiteouts and opaque directories applied; nil when
    /// nothing is there.
    package func list(_ path: String) throws -> [RootfsEntry]? {
        guard let dir = try node(path, followFinal: true) else { return nil }
        guard dir.isDirectory else { throw refuse(path, "\(dir.entry.kindPhrase), not a directory") }
        var entries: [RootfsEntry] = []
        try forEachChild(of: dir) { entries.append($0.entry) }
        return entries
    }

    /// Visits the entry at `path` and, when it is a directory, everything beneath
    /// it: parents before children, names sorted. Symlinks are reported, never
    /// followed (a final symlink in `path` is followed only with `followFinal`).
    /// `visit` returns false to leave a directory's contents out. Returns false
    /// when nothing is at `path`.
    @discardableResult
    package func walk(_ path: String, followFinal: Bool = false, _ visit: (RootfsEntry) throws -> Bool) throws -> Bool {
        guard let start = try node(path, followFinal: followFinal) else { return false }
        try walk(start, visit)
        return true
    }

    private func walk(_ node: Node, _ visit: (RootfsEntry) throws -> Bool) throws {
        guard try visit(node.entry), node.isDirectory else { return }
        try forEachChild(of: node) { try walk($0, visit) }
    }

    /// Calls `body` with each entry of the merged directory in name order. Each
    /// child's layer fds live only for its call, so a walk holds fds for the
    /// current path, never for a whole directory's entries.
    func forEachChild(of dir: Node, _ body: (Node) throws -> Void) throws {
        var names = Set<String>()
        for (_, fd) in dir.layers {
            // Our own O_PATH fd, reopened for reading through /proc: the very
            // directory resolved, not a path the container could swap meanwhile.
            do {
                names.formUnion(try FileSystem.list("/proc/self/fd/\(fd.raw)"))
            } catch let error as SystemError {
                throw failure(dir.path, "listed", errno: error.errno)
            }
        }
        for name in names.sorted() {
            if let child = try child(name, of: dir) { try body(child) }
        }
    }
}
