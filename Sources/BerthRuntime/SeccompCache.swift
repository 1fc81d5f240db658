// Compiled seccomp programs cached in the store: compiling a moby-sized profile costs
// more than the rest of a container start together (design.md §7).
import BerthSystem
import Glibc

/// Compiled programs on disk, one file per (profile, capabilities, libseccomp, machine),
/// named by a hash of all of them: `<directory>/<hex>.bpf`.
package struct SeccompCache: Sendable {
    package let directory: String

    /// Bumped when the way berth compiles changes, so old programs are not reused.
    private static let formatVersion = "berth-seccomp-2"

    package init(directory: String) {
        self.directory = directory
    }

    /// The cached program, compiling and storing it on a miss. `profileBytes` is the
    /// profile as the user gave it (or `SeccompProfile.defaultProfileJSON`).
    package func program(
        for profile: SeccompProfile, profileBytes: [UInt8], capabilities: Set<String>,
        source: String = SeccompProfile.defaultProfileName
    ) throws -> [UInt8] {
        let path = file(profileBytes: profileBytes, capabilities: capabilities)
        if let cached = try read(path) { return cached }
        let program = try SeccompCompiler.compile(profile, capabilities: capabilities, source: source)
        try write(program, to: path)
        return program
    }

    /// Where the program for these inputs is (or would be) stored.
    package func file(profileBytes: [UInt8], capabilities: Set<String>) -> String {
        let host = SeccompHost.current
        let caps = Set(capabilities.map(Capabilities.canonicalName)).sorted().joined(separator: ",")
        var key = Array(Self.formatVersion.utf8) + [0]
        key += profileBytes + [0]
        for part in [caps, SeccompCompiler.libseccompVersion, host.scmpArch, host.kernelRelease] {
            key += Array(part.utf8) + [0]
        }
        return directory + "/" + keyHex(key) + ".bpf"
    }

    /// nil on a miss, and for a file that cannot be a program (a crash mid-write on a
    /// filesystem without atomic rename, or tampering): it is then rewritten.
    private func read(_ path: String) throws -> [UInt8]? {
        let limit = SeccompCompiler.maximumInstructions * SeccompCompiler.instructionSize
        let bytes: [UInt8]
        do {
            // O_NONBLOCK: a fifo planted here must not hang the start; the type check refuses it.
            let fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
            guard try fd.status(path: path).st_mode & S_IFMT == S_IFREG else { return nil }
            bytes = try fd.readAll(path: path, limit: limit)
        } catch let error as SystemError where error.errno == ENOENT || error.errno == EFBIG {
            return nil
        } catch let error as SystemError {
            throw RuntimeError.seccompCache(path, "cannot \(error.operation): \(error.reason)")
        }
        guard !bytes.isEmpty, bytes.count % SeccompCompiler.instructionSize == 0 else { return nil }
        return bytes
    }

    /// Atomic and durable, in a directory only the user reads (0700, files 0600): the
    /// programs reveal the container's policy.
    private func write(_ program: [UInt8], to path: String) throws {
        do {
            try FileSystem.makeDirectories(directory, mode: 0o700)
            try AtomicFile.write(program, to: path, mode: 0o600)
        } catch let error as SystemError {
            throw RuntimeError.seccompCache(path, "\(error)")
        }
    }

    /// A 128-bit FNV-1a of the key (two 64-bit lanes with different offsets). Not a
    /// security boundary: the cache lives in the user's own store. SHA-256 through
    /// OpenSSL would cost 1-1.6 ms of library set-up on every `run`.
    private func keyHex(_ bytes: [UInt8]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b ^ (b >> 29)
        }
        return String(a, radix: 16).leftPadded(to: 16) + String(b, radix: 16).leftPadded(to: 16)
    }
}
