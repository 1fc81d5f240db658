// The one way berth reaches into a container's or image's files from the host
// (design.md §3, architecture.md "Host-side access to container files"): the
// merged view overlay would show, computed from the upper dir and the layers
// without mounting them, with every path resolved as the kernel would resolve
// it inside the container. A container owns its upper dir, so a string path
// joined on the host would follow its symlinks into the host (CVE-2018-15664).
//
// Each name is looked up one component at a time, in each layer top-down, with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) on the
// parent's fd in that layer, as an O_PATH|O_NOFOLLOW fd: the kernel itself
// refuses to leave the layer or follow anything. Symlinks are then followed
// here, in the merged view, from the root (absolute) or the link's directory
// (relative), with `..` stopping at the root: RESOLVE_IN_ROOT's semantics
// applied across the whole stack. Overlay's rules decide what a lower layer
// contributes: a 0/0 character device hides the name, an opaque directory
// hides the lower directories, a non-directory ends the merge.
import BerthSystem
import CBerth
import Glibc

package final class MergedRootfs {
    /// Symlinks followed in one resolution before ELOOP: the kernel's MAXSYMLINKS.
    package static let symlinkLimit = 40

    /// Names the tree in errors: "container web", "image busybox".
    package let location: String
    /// Whether whiteouts and opaque directories mean what overlay makes of them
    /// (a layer stack) or are ordinary entries (one plain directory).
    private let isOverlay: Bool
    private let opaqueXattr: String
    let root: Node

    /// The merged view of a layer stack, top first: `[upper] + lower` for a
    /// container, the layers top-down for an image. `opaqueXattr` is the xattr
    /// marking an opaque directory: the one the layers and the upper dir were
    /// written with (trusted.overlay.opaque as real root, user.overlay.opaque in a
    /// user namespace; UnpackOptions decides it the same way).
    package init(layers: [String], location: String, opaqueXattr: String = UnpackOptions.currentOpaqueXattr) throws {
        self.location = location
        isOverlay = true
        self.opaqueXattr = opaqueXattr
        root = try Self.rootNode(layers, location: location)
    }

    /// One plain directory as the root: nothing in it has overlay meaning.
    package init(directory: String, location: String) throws {
        self.location = location
        isOverlay = false
        opaqueXattr = ""
        root = try Self.rootNode([directory], location: location)
    }

    private static func rootNode(_ dirs: [String], location: String) throws -> Node {
        var layers: [(layer: Int, fd: FileDescriptor)] = []
        for (index, dir) in dirs.enumerated() {
            let fd = Glibc.open(dir, BERTH_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw ImageError.system(SystemError("open", "\(location): layer directory \(dir)")) }
            layers.append((index, FileDescriptor(raw: fd)))
        }
        guard let top = layers.first else { throw ImageError.invalidArgument("\(location): no layer directories") }
        let st = try ImageError.wrap { () throws in try top.fd.status(path: dirs[0]) }
        return Node(path: "/", status: st, layers: layers, parent: nil)
    }

    // MARK: - Resolution

    /// One entry of the merged view. A directory keeps the fd of each layer that
    /// contributes to it (top first); anything else keeps only its top one.
    final class Node {
        let path: String
        let status: stat
        let layers: [(layer: Int, fd: FileDescriptor)]
        /// The directory it was found in; nil for the root.
        let parent: Node?

        init(path: String, status: stat, layers: [(layer: Int, fd: FileDescriptor)], parent: Node?) {
            self.path = path
            self.status = status
            self.layers = layers
            self.parent = parent
        }

        var isDirectory: Bool { (status.st_mode & S_IFMT) == S_IFDIR }
        var isSymlink: Bool { (status.st_mode & S_IFMT) == S_IFLNK }
        var entry: RootfsEntry { RootfsEntry(path: path, status: status, layer: layers[0].layer) }
        /// The O_PATH fd of the entry in its top layer.
        var fd: FileDescriptor { layers[0].fd }
    }

    func refuse(_ path: String, _ problem: String) -> ImageError {
        .rootfsEntry(path: path, location: location, problem: problem)
    }

    func failure(_ path: String, _ operation: String, errno saved: Int32) -> ImageError {
        refuse(path, "cannot be \(operation): \(String(cString: strerror(saved)))")
    }

    /// Looks `name` up in the merged directory `dir`; nil when no layer has it or
    /// a whiteout hides it.
    func child(_ name: String, of dir: Node) throws -> Node? {
        let path = dir.path == "/" ? "/" + name : dir.path + "/" + name
        let resolve = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_SYMLINKS | BERTH_RESOLVE_NO_MAGICLINKS
        var found: [(layer: Int, fd: FileDescriptor)] = []
        var top: stat?
        for (layer, dirfd) in dir.layers {
            let raw = berth_openat2(dirfd.raw, name, BERTH_O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, resolve)
            if raw < 0 {
                let saved = errno
                if saved == ENOENT { continue }
                throw failure(path, "looked up", errno: saved)
            }
            let fd = FileDescriptor(raw: raw)
            var st = stat()
            guard fstat(raw, &st) == 0 else { throw failure(path, "looked up", errno: errno) }
            // A whiteout hides the name here and in every layer below.
            if isOverlay && Self.isWhiteout(st) { break }
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            if top == nil {
                top = st
            } else if !isDirectory {
                break // overlay merges directories only; a lower file ends the merge
            }
            found.append((layer, fd))
            if !isDirectory || (isOverlay && isOpaque(fd)) { break }
        }
        guard let top else { return nil }
        return Node(path: path, status: top, layers: found, parent: dir)
    }

    static func isWhiteout(_ st: stat) -> Bool {
        (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0
    }

    /// Overlay's opaque mark: the xattr set to "y" ("x", on newer kernels, marks a
    /// directory holding xwhiteouts and is not opaque).
    private func isOpaque(_ fd: FileDescriptor) -> Bool {
        var value: [UInt8] = [0, 0]
        let n = value.withUnsafeMutableBytes { berth_fgetxattr(fd.raw, opaqueXattr, $0.baseAddress, $0.count) }
        return n == 1 && value[0] == UInt8(ascii: "y")
    }

    enum Resolution {
        case found(Node)
        /// The last component does not exist; its directory does (for creating it).
        case missing(directory: Node, name: String)
    }

    /// Resolves `path` (relative names start at the root) in the merged view.
    /// `followFinal`: whether a symlink as the last component is followed (stat)
    /// or returned itself (lstat). A missing or non-directory intermediate
    /// component is nil, as ENOENT/ENOTDIR would be inside the container.
    func resolve(_ path: String, followFinal: Bool) throws -> Resolution? {
        var pending = Self.components(path)
        pending.reverse() // a stack: the next component is last
        var current = root
        var followed = 0
        while let name = pending.popLast() {
            guard current.isDirectory else { return nil }
            if name == "." { continue }
            if name == ".." {
                current = current.parent ?? root
                continue
            }
            guard let next = try child(name, of: current) else {
                return pending.isEmpty ? .missing(directory: current, name: name) : nil
            }
            if next.isSymlink && (followFinal || !pending.isEmpty) {
                followed += 1
                if followed > Self.symlinkLimit {
                    throw refuse(path, "cannot be resolved: more than \(Self.symlinkLimit) symbolic links")
                }
                let target = try readLinkTarget(next)
                if target.hasPrefix("/") { current = root }
                pending.append(contentsOf: Self.components(target).reversed())
                continue
            }
            current = next
        }
        // A trailing slash asks for a directory, as in the kernel.
        if path.hasSuffix("/") && !current.isDirectory { return nil }
        return .found(current)
    }

    /// The target of the symlink `node` (readlinkat on its O_PATH fd).
    func readLinkTarget(_ node: Node) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(node.fd.raw, "", &buffer, buffer.count)
        guard n >= 0 else { throw failure(node.path, "read as a symbolic link", errno: errno) }
        guard n < buffer.count else { throw refuse(node.path, "has a symbolic link target longer than PATH_MAX") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    func node(_ path: String, followFinal: Bool) throws -> Node? {
        guard case .found(let node)? = try resolve(path, followFinal: followFinal) else { return nil }
        return node
    }
}
