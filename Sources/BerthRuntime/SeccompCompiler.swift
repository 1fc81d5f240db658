// Turns a seccomp profile into the BPF program the container child loads, through
// libseccomp; SeccompCache keeps the result on disk.
import BerthSystem
import CBerthSeccomp
import Glibc

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
            throw RuntimeError.seccompProfile(source, place + failure.message)
        }
        let instructions = program.count / instructionSize
        guard !program.isEmpty, program.count % instructionSize == 0 else {
            throw RuntimeError.seccompProfile(source, "libseccomp produced a \(program.count)-byte program, not whole instructions")
        }
        guard instructions <= maximumInstructions else {
            throw RuntimeError.seccompProfile(
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
        let cNames = CStringArray(names)
        let cArches = CStringArray(arches)
        defer { withExtendedLifetime((cNames, cArches)) {} }
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
                        syscall: UnsafePointer(cNames.pointers[i]), action: actions[i],
                        args: range.isEmpty ? nil : argBuffer.baseAddress! + range.lowerBound, arg_count: range.count))
            }
            let archPointers: [UnsafePointer<CChar>?] = arches.indices.map { UnsafePointer(cArches.pointers[$0]) }
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
