// Turns a seccomp profile into the BPF program the container child loads, and caches
// the program on disk: compiling a moby-sized profile costs more than the rest of a
// container start together (design.md §7).
import BerthSystem
import CBerthSeccomp
import Glibc

package struct SeccompError: Error, CustomStringConvertible, Sendable {
    /// What failed: `seccomp profile /etc/p.json`, `seccomp cache /var/lib/…`.
    package var subject: String
    package var reason: String

    package var description: String { "\(subject): \(reason)" }

    static func profile(_ source: String, _ reason: String) -> SeccompError {
        SeccompError(subject: "seccomp profile \(source)", reason: reason)
    }

    static func cache(_ path: String, _ reason: String) -> SeccompError {
        SeccompError(subject: "seccomp cache \(path)", reason: reason)
    }
}

package enum SeccompCompiler {
    /// The kernel refuses a filter longer than BPF_MAXINSNS instructions.
    package static let maximumInstructions = 4096
    /// Bytes per BPF instruction (struct sock_filter).
    package static let instructionSize = 8

    /// Compiles `profile` for this machine and a container holding `capabilities`
    /// ("CAP_SYS_ADMIN"); returns the raw program (struct sock_filter array).
    package static func compile(
        _ profile: SeccompProfile, capabilities: Set<String>, source: String = SeccompProfile.defaultProfileName
    ) throws -> [UInt8] {
        try profile.validate(source: source)
        let host = SeccompHost.current
        let caps = Set(capabilities.map(Capabilities.canonicalName))
        var plan = RulePlan()
        for (index, entry) in (profile.syscalls ?? []).enumerated()
        where applies(entry, capabilities: caps, host: host) {
            let action = libseccompAction(entry.action, errno: entry.errnoRet)
            let args = (entry.args ?? []).map {
                berth_seccomp_arg(index: $0.index, op: $0.op.libseccompValue, value: $0.value, value_two: $0.valueTwo)
            }
            for name in entry.allNames {
                plan.append(name: name, action: action, args: args, entry: index)
            }
        }
        let defaultAction = libseccompAction(profile.defaultAction, errno: profile.defaultErrnoRet)
        let arches = architectures(of: profile, host: host)

        let program: [UInt8]
        do {
            program = try plan.compile(defaultAction: defaultAction, arches: arches)
        } catch let failure as RulePlan.Failure {
            let rules = profile.syscalls ?? []
            let place = failure.entry.map { SeccompProfile.label($0, rules[$0]) + ": " } ?? ""
            throw SeccompError.profile(source, place + failure.message)
        }
        let instructions = program.count / instructionSize
        guard !program.isEmpty, program.count % instructionSize == 0 else {
            throw SeccompError.profile(source, "libseccomp produced a \(program.count)-byte program, not whole instructions")
        }
        guard instructions <= maximumInstructions else {
            throw SeccompError.profile(
                source, "compiles to \(instructions) BPF instructions; the kernel accepts at most \(maximumInstructions)")
        }
        return program
    }


    /// moby's includes/excludes: includes need every cap, the native arch listed and a
    /// new enough kernel; excludes drop the entry when any cap is held or the arch is listed.
    static func applies(_ entry: SeccompProfile.Syscall, capabilities: Set<String>, host: SeccompHost) -> Bool {
        if let excludes = entry.excludes {
            if (excludes.caps ?? []).contains(where: { capabilities.contains(Capabilities.canonicalName($0)) }) { return false }
            if (excludes.arches ?? []).contains(host.dockerArch) { return false }
        }
        if let includes = entry.includes {
            if !(includes.caps ?? []).allSatisfy({ capabilities.contains(Capabilities.canonicalName($0)) }) { return false }
            if let arches = includes.arches, !arches.isEmpty, !arches.contains(host.dockerArch) { return false }
            if let minimum = includes.minKernel {
                // An unparsable release is treated as new: the rule stays, the kernel decides.
                if let kernel = host.kernelVersion, kernel < minimum { return false }
            }
        }
        return true
    }

    /// The libseccomp arch names to put in the filter: the native entry of archMap with
    /// its sub-architectures, else `architectures`; native alone when neither is given.
    static func architectures(of profile: SeccompProfile, host: SeccompHost) -> [String] {
        var names: [String]
        if let map = profile.archMap, !map.isEmpty {
            names = []
            for entry in map where entry.architecture == host.scmpArch {
                names.append(entry.architecture)
                names.append(contentsOf: entry.subArchitectures ?? [])
            }
        } else {
            names = profile.architectures ?? []
        }
        if names.isEmpty { names = [host.scmpArch] }
        // "SCMP_ARCH_X86_64" → "x86_64", libseccomp's own spelling.
        return names.map { name in
            let bare = name.hasPrefix("SCMP_ARCH_") ? String(name.dropFirst("SCMP_ARCH_".count)) : name
            return bare.lowercased()
        }
    }

    static func libseccompAction(_ action: SeccompProfile.Action, errno: UInt32?) -> UInt32 {
        switch action {
        case .allow: berth_seccomp_action_allow()
        case .errno: berth_seccomp_action_errno(errno ?? UInt32(EPERM))
        case .kill, .killThread: berth_seccomp_action_kill_thread()
        case .killProcess: berth_seccomp_action_kill_process()
        case .trap: berth_seccomp_action_trap()
        case .log: berth_seccomp_action_log()
        }
    }

    /// libseccomp's version, e.g. "2.5.4".
    package static var libseccompVersion: String { String(cString: berth_seccomp_version()) }
}

/// The flat rule list handed to C: one rule per syscall name.
private struct RulePlan {
    struct Failure: Error {
        var entry: Int?
        var message: String
    }

    private var names: [String] = []
    private var actions: [UInt32] = []
    private var argRanges: [Range<Int>] = []
    private var args: [berth_seccomp_arg] = []
    private var entries: [Int] = []

    mutating func append(name: String, action: UInt32, args ruleArgs: [berth_seccomp_arg], entry: Int) {
        names.append(name)
        actions.append(action)
        argRanges.append(args.count..<(args.count + ruleArgs.count))
        args.append(contentsOf: ruleArgs)
        entries.append(entry)
    }

    func compile(defaultAction: UInt32, arches: [String]) throws -> [UInt8] {
        // C strings live until the call returns.
        let cNames = names.map { strdup($0) }
        let cArches = arches.map { strdup($0) }
        defer {
            cNames.forEach { free($0) }
            cArches.forEach { free($0) }
        }
        var program: UnsafeMutableRawPointer?
        var length = 0
        var failedRule = -1
        var message = [CChar](repeating: 0, count: 512)
        let status = args.withUnsafeBufferPointer { argBuffer in
            var rules = [berth_seccomp_rule]()
            rules.reserveCapacity(names.count)
            for i in names.indices {
                let range = argRanges[i]
                rules.append(
                    berth_seccomp_rule(
                        syscall: UnsafePointer(cNames[i]), action: actions[i],
                        args: range.isEmpty ? nil : argBuffer.baseAddress! + range.lowerBound, arg_count: range.count))
            }
            let archPointers: [UnsafePointer<CChar>?] = cArches.map { UnsafePointer($0) }
            return archPointers.withUnsafeBufferPointer { archBuffer in
                berth_seccomp_compile_ex(
                    defaultAction, archBuffer.baseAddress, archBuffer.count, rules, rules.count,
                    &program, &length, &failedRule, &message, message.count)
            }
        }
        guard status == 0, let program else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // SIZE_MAX (-1 as Int) when no single rule is to blame.
            throw Failure(entry: entries.indices.contains(failedRule) ? entries[failedRule] : nil, message: text)
        }
        defer { free(program) }
        return Array(UnsafeRawBufferPointer(start: program, count: length))
    }
}

/// What of this machine a compiled program depends on.
struct SeccompHost: Sendable {
    /// libseccomp/OCI name of the native architecture: "SCMP_ARCH_X86_64".
    var scmpArch: String
    /// Docker's (Go's) name for it, used by includes/excludes "arches": "amd64".
    var dockerArch: String
    /// `uname -r`.
    var kernelRelease: String

    var kernelVersion: SeccompProfile.KernelVersion? { .init(parsing: kernelRelease) }

    static let current: SeccompHost = {
        #if arch(x86_64)
            let arch = ("SCMP_ARCH_X86_64", "amd64")
        #elseif arch(arm64)
            let arch = ("SCMP_ARCH_AARCH64", "arm64")
        #elseif arch(arm)
            let arch = ("SCMP_ARCH_ARM", "arm")
        #elseif arch(i386)
            let arch = ("SCMP_ARCH_X86", "386")
        #elseif arch(powerpc64le)
            let arch = ("SCMP_ARCH_PPC64LE", "ppc64le")
        #elseif arch(s390x)
            let arch = ("SCMP_ARCH_S390X", "s390x")
        #elseif arch(riscv64)
            let arch = ("SCMP_ARCH_RISCV64", "riscv64")
        #else
            #error("unsupported architecture for seccomp")
        #endif
        var names = utsname()
        let release: String =
            uname(&names) == 0
            ? withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            : "unknown"
        return SeccompHost(scmpArch: arch.0, dockerArch: arch.1, kernelRelease: release)
    }()
}

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
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw SeccompError.cache(path, "cannot open: \(describeErrno(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SeccompError.cache(path, "cannot stat: \(describeErrno(errno))")
        }
        let size = Int(info.st_size)
        let limit = SeccompCompiler.maximumInstructions * SeccompCompiler.instructionSize
        guard (info.st_mode & S_IFMT) == S_IFREG, size > 0, size % SeccompCompiler.instructionSize == 0, size <= limit
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }  // shrank under us: treat as corrupt
            done += n
        }
        return bytes
    }

    /// Temp file in the same directory, fsync, rename: readers see all or nothing.
    private func write(_ program: [UInt8], to path: String) throws {
        try makeDirectory(directory)
        // A name no other writer picks; O_EXCL makes sure (mkostemp is not visible to Swift).
        let tempPath = path + ".tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            throw SeccompError.cache(tempPath, "cannot create a temporary file: \(describeErrno(errno))")
        }
        var failure: SeccompError?
        var done = 0
        while done < program.count {
            let n = program.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, program.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                failure = .cache(tempPath, "cannot write: \(describeErrno(n < 0 ? errno : EIO))")
                break
            }
            done += n
        }
        if failure == nil && fsync(fd) != 0 {
            failure = .cache(tempPath, "cannot fsync: \(describeErrno(errno))")
        }
        if close(fd) != 0 && failure == nil {
            failure = .cache(tempPath, "cannot close: \(describeErrno(errno))")
        }
        if failure == nil && rename(tempPath, path) != 0 {
            failure = .cache(path, "cannot rename \(tempPath) into place: \(describeErrno(errno))")
        }
        if let failure {
            unlink(tempPath)
            throw failure
        }
        // Durability of the name only: losing it in a crash costs one recompile, so a
        // directory that cannot be synced is not an error.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// `mkdir -p` with 0700 for what it creates: the programs reveal the container's policy.
    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) == 0 { return }
        let code = errno
        if code == EEXIST { return }
        guard code == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw SeccompError.cache(path, "cannot create directory: \(describeErrno(code))")
        }
        try makeDirectory(String(path[..<slash]))
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw SeccompError.cache(path, "cannot create directory: \(describeErrno(errno))")
        }
    }

    private func describeErrno(_ code: Int32) -> String { String(cString: strerror(code)) }

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
