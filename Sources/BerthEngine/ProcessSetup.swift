// The container process's extra setup from run/create flags (--umask,
// --group-add, --shm-size, --personality, --preserve-fds): checked at create,
// before anything is written, and turned into ContainerSpec values at start.
import BerthSystem

extension Engine {
    /// Refuses a bad value before the container exists (podman: exit 125, nothing created).
    static func validateProcessSetup(_ options: CreateOptions) throws {
        if let mask = options.umask, umaskBits(mask) == nil {
            throw ContainerError.invalid("invalid umask string \(mask): must be 1 to 4 octal digits")
        }
        if options.groupAdd.contains(keepGroups) && options.groupAdd.count > 1 {
            throw ContainerError.invalid("the '--group-add keep-groups' option is not allowed with any other --group-add options")
        }
        if let bad = options.groupAdd.first(where: \.isEmpty) {
            throw ContainerError.invalid("invalid --group-add \"\(bad)\": a group name or number is needed")
        }
        if let persona = options.personality, personaNumber(persona) == nil {
            throw ContainerError.invalid("invalid --personality \"\(persona)\": use LINUX or LINUX32")
        }
    }

    /// --group-add's name for "the caller's groups" (crun's keep_original_groups).
    static let keepGroups = "keep-groups"

    /// podman's umask syntax: 1 to 4 octal digits.
    static func umaskBits(_ text: String) -> UInt32? {
        guard (1...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        return UInt32(text, radix: 8)
    }

    /// The personality(2) execution domains of the OCI spec's LinuxPersonality.
    static func personaNumber(_ domain: String) -> UInt? {
        switch domain {
        case "LINUX": return 0x0000   // PER_LINUX
        case "LINUX32": return 0x0008 // PER_LINUX32
        default: return nil
        }
    }

    /// `run --preserve-fds N`: foreground only (the monitor of a detached container
    /// does not carry fds), and fds 3 … N+2 must all be open here: one that is not
    /// could be taken by a file berth opens and leak into the container.
    static func checkPreservedFDs(_ count: Int32, detached: Bool) throws {
        guard count > 0 else { return }
        if detached {
            throw ContainerError.invalid("--preserve-fds with --detach is not supported yet: only a foreground run passes its fds")
        }
        for fd in 3..<(3 + count) where !FileDescriptor.isOpen(fd) {
            throw ContainerError.invalid(
                "file descriptor \(fd) is not available - the preserve-fds option requires that file descriptors must be passed")
        }
    }
}
