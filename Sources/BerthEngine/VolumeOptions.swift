// The local driver's --opt values, checked before anything is created: podman's keys
// (type, device, o, uid, gid, size, inodes, noquota, copy, nocopy) and what mount(2) needs.
import BerthSystem

package struct VolumeOptions: Sendable, Equatable {
    /// `type=`: the filesystem mount(2) gets; nil for a plain directory volume.
    package var type: String?
    package var device: String?
    /// `o=` items left for mount(2) once uid=/gid= are taken out (podman parses those itself).
    package var mountOptions: [String] = []
    package var uid: UInt32?
    package var gid: UInt32?
    /// `copy` / `nocopy`: whether the first container fills the volume from the image.
    package var copyUp = true

    /// Whether the volume's directory is a mount point made by berth (tmpfs, a device, a bind).
    package var needsMount: Bool { type != nil || device != nil || !mountOptions.isEmpty }
    package var isBind: Bool { mountOptions.contains("bind") || mountOptions.contains("rbind") }

    static let keys = ["device", "o", "type", "uid", "gid", "size", "inodes", "noquota", "copy", "nocopy"]
    /// o= flags that are mount(2) flags, not filesystem data.
    static let flagNames: [String: UInt] = [
        "ro": 1, "rw": 0, "nosuid": 2, "suid": 0, "nodev": 4, "dev": 0, "noexec": 8, "exec": 0,
        "sync": 16, "dirsync": 128, "noatime": 1024, "nodiratime": 2048, "relatime": 1 << 21, "strictatime": 1 << 24,
        "bind": 4096, "rbind": 4096 | 16384,
    ]

    /// Parses `--opt` pairs as given (`[KEY: VALUE]`, a flag without `=` has an empty value).
    package static func parse(_ options: [String: String]) throws -> VolumeOptions {
        var result = VolumeOptions()
        for key in options.keys.sorted() {
            let value = options[key] ?? ""
            switch key.lowercased() {
            case "type": result.type = try nonEmpty(value, key)
            case "device": result.device = try nonEmpty(value, key)
            case "o":
                for item in value.split(separator: ",").map(String.init) {
                    let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                    switch pair[0].lowercased() {
                    case "uid": result.uid = try id(pair.count == 2 ? pair[1] : "", "UID")
                    case "gid": result.gid = try id(pair.count == 2 ? pair[1] : "", "GID")
                    default: result.mountOptions.append(item)
                    }
                }
            case "uid": result.uid = try id(value, "UID")
            case "gid": result.gid = try id(value, "GID")
            case "copy": result.copyUp = true
            case "nocopy": result.copyUp = false
            case "noquota": break
            case "size", "inodes":
                throw VolumeError.invalidOption("volume option \(key) is not supported: berth sets no project quotas (a type=tmpfs volume takes o=size=…): invalid argument")
            default:
                throw VolumeError.invalidOption("invalid mount option \(key) for driver 'local': invalid argument")
            }
        }
        try result.check()
        return result
    }

    private static func nonEmpty(_ value: String, _ key: String) throws -> String {
        guard !value.isEmpty else { throw VolumeError.invalidOption("volume option \(key) needs a value: invalid argument") }
        return value
    }

    private static func id(_ text: String, _ what: String) throws -> UInt32 {
        guard let value = UInt32(text), value != UInt32.max else {
            throw VolumeError.invalidOption("cannot convert \(what) \(text) to integer: invalid argument")
        }
        return value
    }

    /// The combinations mount(2) could never take, refused before the volume exists.
    private func check() throws {
        if isBind {
            guard let device, device.hasPrefix("/") else {
                throw VolumeError.invalidOption("volume option o=bind needs device= with the absolute path of an existing directory: invalid argument")
            }
            guard FileSystem.isDirectory(device) else {
                throw VolumeError.invalidOption("volume option device=\(device): no such directory: invalid argument")
            }
            return
        }
        if let type, type != "tmpfs", device == nil {
            throw VolumeError.invalidOption("volume option type=\(type) needs device=: invalid argument")
        }
        if type == nil, device != nil {
            throw VolumeError.invalidOption("volume option device= needs type= or o=bind: invalid argument")
        }
        if type == nil, !mountOptions.isEmpty {
            throw VolumeError.invalidOption("volume option o=\(mountOptions.joined(separator: ",")) needs type= or o=bind: invalid argument")
        }
        if type == "tmpfs" {
            for item in mountOptions where item.lowercased().hasPrefix("size=") {
                guard Self.validSize(String(item.dropFirst(5))) else {
                    throw VolumeError.invalidOption("volume option o=\(item): not a size (use a number with an optional k, m, g or % suffix): invalid argument")
                }
            }
        }
    }

    static func validSize(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "kKmMgG%".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }

    /// mount(2)'s flags and data string for the `o=` items.
    package var mountFlagsAndData: (flags: UInt, data: String) {
        var flags: UInt = 0
        var data: [String] = []
        for item in mountOptions {
            if let flag = Self.flagNames[item.lowercased()] { flags |= flag } else { data.append(item) }
        }
        return (flags, data.joined(separator: ","))
    }

    /// podman's rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "." || $0 == "-" }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIIAlphanumeric: Bool {
        (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
    }
}
