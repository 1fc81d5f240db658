// Which files a COPY or ADD source names: docker's rules applied to a tree read
// through MergedRootfs (the context as one plain directory, or another stage's
// or image's layers). A source is resolved beneath its root: `../x`, an absolute
// source and a symlink pointing out of the context all land inside it, as
// buildah resolves them. Globs match one component at a time (Go's
// filepath.Match); ignored files are invisible to globs and directory walks.
import BerthImage
import Glibc

/// One source the arguments selected.
struct CopySelection {
    /// The source argument, for messages.
    var argument: String
    /// The path in the source root, cleaned, symlinks not yet followed.
    var path: String
    /// What `--parents` keeps of it (relative; after a `/./` pivot when given).
    var parentsPath: String
    var name: String { path == "/" ? "" : String(path.split(separator: "/").last ?? "") }
}

struct CopySourceReader {
    let rootfs: MergedRootfs
    let source: CopySource
    /// `--exclude` patterns: relative to the directory a source is copied from.
    let excludePatterns: [String]

    init(_ source: CopySource, excludes: [String]) throws {
        self.source = source
        excludePatterns = excludes.filter { !$0.isEmpty }
        switch source {
        case .context(let root, _, _):
            do {
                // The context directory itself may be reached through a symlink
                // (the user's choice); only what is inside it is confined.
                rootfs = try MergedRootfs(directory: Self.realPath(root), location: "the build context")
            } catch {
                throw ContainerError.invalid("reading the build context \(root): \(error)")
            }
        case .rootfs(let tree):
            rootfs = tree
        }
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    var isContext: Bool {
        if case .context = source { return true }
        return false
    }

    /// Names the source root in messages: the context directory or the image.
    var rootName: String {
        switch source {
        case .context(let root, _, _): return root
        case .rootfs(let tree): return tree.location
        }
    }

    /// Whether the ignore file hides the entry at the canonical `path`.
    func isIgnored(_ path: String) -> Bool {
        guard case .context(_, let exclude, _) = source, path != "/" else { return false }
        return exclude(String(path.dropFirst()))
    }

    /// Whether an ignored directory may still hold re-included (`!`) entries.
    func mayIncludeBelow(_ path: String) -> Bool {
        guard case .context(_, _, let mayInclude) = source else { return true }
        return mayInclude(String(path.dropFirst()))
    }

    func isExcludedByFlag(_ relative: String) -> Bool {
        !relative.isEmpty && excludePatterns.contains { CopyGlob.excludes($0, relative) }
    }

    // MARK: - Selecting sources

    /// The sources one argument names: itself, or every match of its glob.
    func select(_ argument: String) throws -> [CopySelection] {
        let cleaned = RootfsWriter.clean(argument)
        let parents = Self.parentsPath(argument)
        guard CopyGlob.hasWildcard(cleaned) else {
            guard let item = try rootfs.item(cleaned, followFinal: true) else {
                throw missing(argument, cleaned)
            }
            if isIgnored(item.path) && !(item.entry.kind == .directory && mayIncludeBelow(item.path)) {
                throw ContainerError.invalid("no items matching glob \"\(join(cleaned))\" copied (1 filtered out using the ignore file): no such file or directory")
            }
            return [CopySelection(argument: argument, path: cleaned, parentsPath: parents)]
        }
        var candidates = ["/"]
        var filtered = 0
        let parts = cleaned.split(separator: "/").map(String.init)
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            var next: [String] = []
            for dir in candidates {
                let prefix = dir == "/" ? "" : dir
                if !CopyGlob.hasWildcard(part) {
                    next.append(prefix + "/" + part)
                    continue
                }
                guard let entry = try rootfs.status(dir), entry.kind == .directory, let children = try rootfs.list(dir) else { continue }
                for child in children where CopyGlob.matches(part, child.name) {
                    let path = prefix + "/" + child.name
                    // --exclude filters what a glob matches, by name or by path.
                    if isLast && (isExcludedByFlag(child.name) || isExcludedByFlag(String(path.dropFirst()))) { continue }
                    guard let target = try rootfs.item(path, followFinal: true) else { continue }
                    if isIgnored(target.path) && !(target.entry.kind == .directory && mayIncludeBelow(target.path)) {
                        filtered += 1
                        continue
                    }
                    if !isLast && target.entry.kind != .directory { continue }
                    next.append(path)
                }
            }
            candidates = next
        }
        var selections: [CopySelection] = []
        for path in candidates {
            guard let item = try rootfs.item(path, followFinal: true) else { continue }
            if isIgnored(item.path) && !(item.entry.kind == .directory && mayIncludeBelow(item.path)) {
                filtered += 1
                continue
            }
            selections.append(CopySelection(argument: argument, path: path, parentsPath: Self.relativeParents(path, argument: argument)))
        }
        if selections.isEmpty {
            if filtered > 0 {
                throw ContainerError.invalid("no items matching glob \"\(join(cleaned))\" copied (\(filtered) filtered out using the ignore file): no such file or directory")
            }
            throw ContainerError.invalid("checking on sources under \"\(rootName)\": copier: stat: [\"\(cleaned)\"]: no such file or directory")
        }
        return selections
    }

    private func join(_ cleaned: String) -> String {
        isContext ? rootName + cleaned : cleaned
    }

    private func missing(_ argument: String, _ cleaned: String) -> ContainerError {
        // A source climbing out of the root was resolved inside it (as buildah does).
        let escapes = argument.split(separator: "/").first == ".."
        let note = escapes ? "possible escaping context directory error: " : ""
        return ContainerError.invalid("checking on sources under \"\(rootName)\": \(note)copier: stat: \"\(cleaned)\": no such file or directory")
    }

    /// `--parents` keeps the path after a `/./` pivot, or the whole cleaned path.
    static func parentsPath(_ argument: String) -> String {
        if let pivot = pivot(argument) {
            return String(RootfsWriter.clean(pivot.after).dropFirst())
        }
        return String(RootfsWriter.clean(argument).dropFirst())
    }

    /// The text before and after the last `/./` of a source (BuildKit's pivot).
    static func pivot(_ argument: String) -> (before: String, after: String)? {
        let scalars = Array(argument.utf8)
        guard scalars.count >= 3 else { return nil }
        for start in stride(from: scalars.count - 3, through: 0, by: -1)
        where scalars[start] == UInt8(ascii: "/") && scalars[start + 1] == UInt8(ascii: ".") && scalars[start + 2] == UInt8(ascii: "/") {
            return (String(decoding: scalars[..<start], as: UTF8.self), String(decoding: scalars[(start + 3)...], as: UTF8.self))
        }
        return nil
    }

    /// The `--parents` path of a glob match: the pivot's prefix removed.
    static func relativeParents(_ match: String, argument: String) -> String {
        guard let split = pivot(argument) else { return String(match.dropFirst()) }
        let pivot = RootfsWriter.clean(split.before)
        let prefix = pivot == "/" ? "/" : pivot + "/"
        return match.hasPrefix(prefix) ? String(match.dropFirst(prefix.count)) : String(match.dropFirst())
    }

    // MARK: - Walking a directory source

    /// Visits everything below the directory `item`, parents before children,
    /// names sorted, symlinks reported and never followed. Ignored and
    /// `--exclude`d entries are left out; an ignored directory that may hold
    /// re-included entries is walked with `isPassThrough` set (its own metadata
    /// is not part of the copy). `relative` is the path below the source.
    func walkContents(of item: MergedRootfs.Item, relative: String = "",
                      _ visit: (_ item: MergedRootfs.Item, _ relative: String, _ isPassThrough: Bool) throws -> Void) throws {
        try rootfs.forEachChild(of: item) { child in
            let path = relative.isEmpty ? child.entry.name : relative + "/" + child.entry.name
            if isExcludedByFlag(path) { return }
            let isDirectory = child.entry.kind == .directory
            var passThrough = false
            if isIgnored(child.path) {
                guard isDirectory && mayIncludeBelow(child.path) else { return }
                passThrough = true
            }
            try visit(child, path, passThrough)
            if isDirectory { try walkContents(of: child, relative: path, visit) }
        }
    }
}
