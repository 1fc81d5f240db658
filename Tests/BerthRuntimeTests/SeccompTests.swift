// Seccomp: compiling the default profile, the on-disk program cache, and reading
// users' docker-format profiles.
import FoundationEssentials
import Glibc
import Testing
import TestSupport

@testable import BerthRuntime

/// design.md §8's default capability set.
private let defaultCapabilities = Capabilities.podmanDefault

@Suite struct SeccompTests {
    @Test func test_default_profile_compiles_to_whole_bpf_instructions() throws {
        let program = try SeccompCompiler.compile(.defaultProfile, capabilities: defaultCapabilities)
        #expect(!program.isEmpty)
        #expect(program.count % 8 == 0)
        #expect(program.count / 8 <= SeccompCompiler.maximumInstructions)
    }

    @Test func test_cap_sys_admin_changes_the_default_program() throws {
        let plain = try SeccompCompiler.compile(.defaultProfile, capabilities: defaultCapabilities)
        let admin = try SeccompCompiler.compile(
            .defaultProfile, capabilities: defaultCapabilities.union(["CAP_SYS_ADMIN"]))
        #expect(plain != admin)
        // Same inputs, same program: what makes caching it sound.
        #expect(try SeccompCompiler.compile(.defaultProfile, capabilities: defaultCapabilities) == plain)
    }

    @Test func test_default_profile_json_is_stable_and_round_trips() throws {
        let json = SeccompProfile.defaultProfileJSON
        // Made afresh, the canonical JSON is byte for byte the cached one: the cache key relies on it.
        #expect(SeccompProfile.defaultProfile.canonicalJSON() == json)
        let decoded = try SeccompProfile.decode(json, source: "default")
        #expect(decoded == SeccompProfile.defaultProfile)
        let allowed = (decoded.syscalls ?? []).filter { $0.action == .allow && $0.includes == nil && $0.args == nil }
        #expect(allowed.flatMap(\.allNames).count > 300)
    }

    @Test func test_canonical_json_matches_sorted_key_json_encoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let odd = SeccompProfile(
            defaultAction: .killProcess, architectures: ["SCMP_ARCH_X86_64"],
            syscalls: [
                .init(
                    names: ["read"], action: .log, args: [.init(index: 1, value: 5, valueTwo: 7, op: .maskedEqual)],
                    includes: .init(caps: ["CAP_A"], arches: ["amd64"], minKernel: .init(major: 5, minor: 10)),
                    excludes: .init(caps: []), comment: "quote \" backslash \\ slash / tab \t nl \n é")
            ])
        for profile in [SeccompProfile.defaultProfile, odd] {
            #expect(profile.canonicalJSON() == Array(try encoder.encode(profile)))
        }
    }

    @Test func test_cache_serves_the_second_call_from_its_file() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let cache = SeccompCache(directory: directory.path + "/seccomp")
        let json = SeccompProfile.defaultProfileJSON
        let first = try cache.program(for: .defaultProfile, profileBytes: json, capabilities: defaultCapabilities)
        let file = cache.file(profileBytes: json, capabilities: defaultCapabilities)
        let before = try #require(modificationTime(file))
        #expect(file.hasSuffix(".bpf"))
        #expect(try permissionBits(directory.path("seccomp")) & 0o777 == 0o700)

        let second = try cache.program(for: .defaultProfile, profileBytes: json, capabilities: defaultCapabilities)
        #expect(second == first)
        #expect(modificationTime(file) == before)
        // Capabilities are part of the key.
        #expect(cache.file(profileBytes: json, capabilities: ["CAP_SYS_ADMIN"]) != file)
    }

    @Test func test_cache_rewrites_a_truncated_program() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let cache = SeccompCache(directory: directory.path)
        let json = SeccompProfile.defaultProfileJSON
        let good = try cache.program(for: .defaultProfile, profileBytes: json, capabilities: defaultCapabilities)
        let file = cache.file(profileBytes: json, capabilities: defaultCapabilities)
        try writeBytes(Array(good.prefix(13)), to: file)

        let again = try cache.program(for: .defaultProfile, profileBytes: json, capabilities: defaultCapabilities)
        #expect(again == good)
        #expect(try readBytes(file) == good)
    }

    @Test func test_cache_replaces_a_planted_fifo_without_blocking() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let cache = SeccompCache(directory: directory.path)
        let json = SeccompProfile.defaultProfileJSON
        let file = cache.file(profileBytes: json, capabilities: defaultCapabilities)
        #expect(mkfifo(file, 0o600) == 0)
        // Opening a fifo for reading would wait for a writer; the cache must not.
        let program = try cache.program(for: .defaultProfile, profileBytes: json, capabilities: defaultCapabilities)
        #expect(try readBytes(file) == program)
        #expect(try permissionBits(file) & 0o777 == 0o600)
    }

    @Test func test_oversized_profile_is_refused_naming_the_file() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let path = directory.path + "/huge.json"
        try writeBytes([UInt8](repeating: 0x20, count: (16 << 20) + 1), to: path)
        let error = try #require(throws: RuntimeError.self) { try SeccompProfile.load(jsonFile: path) }
        #expect(error.description == "seccomp profile \(path): larger than 16 MiB; not a seccomp profile")
    }

    @Test func test_profile_with_unknown_action_is_rejected_naming_it() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let path = directory.path + "/profile.json"
        try writeBytes(Array(
                """
                {"defaultAction": "SCMP_ACT_ERRNO",
                 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                              {"names": ["write"], "action": "SCMP_ACT_EXPLODE"}]}
                """.utf8), to: path)
        let error = try #require(throws: RuntimeError.self) { try SeccompProfile.load(jsonFile: path) }
        #expect(error.description.contains(path))
        #expect(error.description.contains("unknown action \"SCMP_ACT_EXPLODE\""))
        #expect(error.description.contains("syscalls[1]"))
    }

    @Test func test_malformed_profile_names_the_file() throws {
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let path = directory.path + "/broken.json"
        try writeBytes(Array(#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ "#.utf8), to: path)
        let error = try #require(throws: RuntimeError.self) { try SeccompProfile.load(jsonFile: path) }
        #expect(error.description.hasPrefix("seccomp profile \(path): malformed JSON"))

        let missing = try #require(throws: RuntimeError.self) {
            try SeccompProfile.load(jsonFile: directory.path + "/absent.json")
        }
        #expect(missing.description == "seccomp profile \(directory.path)/absent.json: cannot open: No such file or directory")
    }

    @Test func test_docker_profile_forms_load_and_compile() throws {
        // Old single "name", minKernel as a string, null subArchitectures, MASKED_EQ
        // without valueTwo: all as docker's own default.json writes them.
        let directory = try TemporaryDirectory("berth-seccomp-test")
        let path = directory.path + "/docker.json"
        try writeBytes(Array(
                """
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": null}],
                 "syscalls": [
                   {"names": ["read", "write", "exit_group", "no_such_call_anywhere"], "action": "SCMP_ACT_ALLOW"},
                   {"name": "getpid", "action": "SCMP_ACT_ALLOW", "args": []},
                   {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
                   {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
                    "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390x"]}},
                   {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "comment": "no signals"}
                 ]}
                """.utf8), to: path)
        let (profile, bytes) = try SeccompProfile.load(jsonFile: path)
        #expect(bytes == (try readBytes(path)))
        #expect(profile.syscalls?[1].allNames == ["getpid"])
        #expect(profile.syscalls?[2].includes?.minKernel == SeccompProfile.KernelVersion(major: 4, minor: 8))
        let program = try SeccompCompiler.compile(profile, capabilities: [], source: path)
        #expect(program.count % 8 == 0 && !program.isEmpty)
    }

    @Test func test_invalid_rules_fail_naming_the_entry() throws {
        let badIndex = SeccompProfile(
            defaultAction: .errno,
            syscalls: [
                .init(names: ["getpid"], action: .allow),
                .init(names: ["kill"], action: .allow, args: [.init(index: 6, value: 0, op: .equal)]),
            ])
        let error = try #require(throws: RuntimeError.self) {
            try SeccompCompiler.compile(badIndex, capabilities: [], source: "/etc/p.json")
        }
        #expect(error.description == "seccomp profile /etc/p.json: syscalls[1] (\"kill\"): argument index 6 out of range 0-5")

        let errnoOnAllow = SeccompProfile(
            defaultAction: .errno, syscalls: [.init(names: ["getpid"], action: .allow, errnoRet: 1)])
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(errnoOnAllow, capabilities: []) }

        let badArch = SeccompProfile(defaultAction: .allow, architectures: ["SCMP_ARCH_PDP11"])
        let archError = try #require(throws: RuntimeError.self) {
            try SeccompCompiler.compile(badArch, capabilities: [])
        }
        #expect(archError.description.contains("unknown architecture \"pdp11\""))
    }

    @Test func test_kernel_versions_parse_from_uname_releases() {
        #expect(SeccompProfile.KernelVersion(parsing: "6.1.0-18-amd64") == .init(major: 6, minor: 1))
        #expect(SeccompProfile.KernelVersion(parsing: "4.8") == .init(major: 4, minor: 8))
        #expect(SeccompProfile.KernelVersion(parsing: "5.19-rc1") == .init(major: 5, minor: 19))
        #expect(SeccompProfile.KernelVersion(parsing: "banana") == nil)
        #expect(SeccompProfile.KernelVersion(major: 4, minor: 8) < .init(major: 4, minor: 10))
    }
}

// MARK: - File helpers

/// (seconds, nanoseconds) of the last change to the file's contents.
private func modificationTime(_ path: String) -> [Int]? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return [info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
}
