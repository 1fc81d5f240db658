// -v/--volume, --mount and --tmpfs: every form podman accepts that berth supports,
// and a clear refusal naming the spec for the rest.
@testable import BerthEngine
import Foundation
import Testing
import TestSupport

@Suite struct VolumeParserTests {
    private static func parse(volumes: [String] = [], mounts: [String] = [], tmpfs: [String] = []) throws -> [VolumeMount] {
        try VolumeParser.parse(volumes: volumes, mounts: mounts, tmpfs: tmpfs)
    }

    /// The refusal's message (a refusal is a ContainerError.invalid naming what was wrong).
    private static func refusal(volumes: [String] = [], mounts: [String] = [], tmpfs: [String] = []) throws -> String {
        let error = try #require(throws: ContainerError.self) { try parse(volumes: volumes, mounts: mounts, tmpfs: tmpfs) }
        guard case .invalid = error else {
            Issue.record("expected an invalid-input error, got \(error)")
            return ""
        }
        return error.description
    }

    @Test func volume_forms() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let host = dir.path
        #expect(try Self.parse(volumes: ["\(host):/data"])
                == [VolumeMount(type: "bind", source: host, destination: "/data", readOnly: false, options: [])])
        #expect(try Self.parse(volumes: ["\(host):/data:ro"])
                == [VolumeMount(type: "bind", source: host, destination: "/data", readOnly: true, options: ["ro"])])
        let many = try Self.parse(volumes: ["\(host):/data:rw,z,rprivate,nosuid,nodev,noexec"])
        #expect(many.first?.readOnly == false && many.first?.options == ["rw", "z", "rprivate", "nosuid", "nodev", "noexec"])
        // A relative host path starting with "." is made absolute against the working directory.
        let cwd = FileManager.default.currentDirectoryPath
        #expect(try Self.parse(volumes: [".:/cwd"]).first?.source == cwd)
    }

    /// idmap is refused, never taken and ignored: berth makes no idmapped mounts.
    @Test func idmap_is_refused_not_ignored() throws {
        for spec in [(["data:/data:idmap"], [String]()), (["data:/data:idmap=uids=0-1000-10"], []), ([], ["type=volume,src=data,dst=/data,idmap"])] {
            #expect(throws: ContainerError.self) { try Self.parse(volumes: spec.0, mounts: spec.1) }
        }
    }

    /// podman's bind options berth takes (propagation, SELinux labels, mount flags).
    @Test(arguments: ["ro", "rw", "z", "Z", "rprivate", "private", "rshared", "shared", "rslave", "slave",
                      "nosuid", "nodev", "noexec", "suid", "dev", "exec", "bind", "rbind"])
    func every_volume_option(option: String) throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let parsed = try Self.parse(volumes: ["\(dir.path):/data:\(option)"])
        #expect(parsed == [VolumeMount(type: "bind", source: dir.path, destination: "/data", readOnly: option == "ro", options: [option])])
    }

    @Test func volume_refusals() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let host = dir.path
        // "-v /only-one-part" is an anonymous volume since volumes exist (volume_forms_for_named_and_anonymous_volumes).
        #expect(try Self.refusal(volumes: [":/data"]).contains("invalid volume \":/data\""))
        #expect(try Self.refusal(volumes: ["\(host):/a:ro:extra"]).contains("invalid volume"))
        #expect(try Self.refusal(volumes: ["-bad:/data"]).contains("volume name \"-bad\" must match"))
        #expect(try Self.refusal(volumes: ["\(host):/data:nocopy"]).contains("only volumes take it"))
        #expect(try Self.refusal(volumes: ["v:/data:ro,rw"]).contains("options ro and rw conflict"))
        #expect(try Self.refusal(volumes: ["v:/data:"]).contains("invalid volume"))
        #expect(try Self.refusal(volumes: ["relative"]).contains("container path \"relative\" must be absolute"))
        #expect(try Self.refusal(volumes: ["\(host)/absent:/data"]) == "statfs \(host)/absent: no such file or directory")
        #expect(try Self.refusal(volumes: ["\(host):data"]).contains("container path \"data\" must be absolute"))
        #expect(try Self.refusal(volumes: ["\(host):/data:bogus"]) == "invalid volume option \"bogus\" in \"\(host):/data:bogus\"")
    }

    @Test func mount_forms() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let host = dir.path
        let bind = VolumeMount(type: "bind", source: host, destination: "/in", readOnly: false, options: [])
        #expect(try Self.parse(mounts: ["type=bind,source=\(host),target=/in"]) == [bind])
        #expect(try Self.parse(mounts: ["type=bind,src=\(host),dst=/in"]) == [bind])
        #expect(try Self.parse(mounts: ["type=bind,source=\(host),destination=/in"]) == [bind])
        for readOnly in ["readonly", "ro", "ro=true", "readonly=true"] {
            #expect(try Self.parse(mounts: ["type=bind,source=\(host),target=/in,\(readOnly)"]).first?.readOnly == true, "\(readOnly)")
        }
        #expect(try Self.parse(mounts: ["type=bind,source=\(host),target=/in,ro=false"]).first?.readOnly == false)
        #expect(try Self.parse(mounts: ["type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1777"])
                == [VolumeMount(type: "tmpfs", source: "tmpfs", destination: "/t", readOnly: false, options: ["size=64m", "mode=1777"])])
    }

    @Test func mount_refusals() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let host = dir.path
        #expect(try Self.refusal(mounts: ["type=bind,source=\(host)"]).contains("target is required"))
        #expect(try Self.refusal(mounts: ["type=bind,target=/in"]).contains("source is required for bind mounts"))
        #expect(try Self.refusal(mounts: ["type=bind,source=\(host)/absent,target=/in"]).contains("statfs \(host)/absent"))
        #expect(try Self.refusal(mounts: ["type=tmpfs,target=relative"]).contains("must be absolute"))
        #expect(try Self.refusal(mounts: ["type=volume,src=v,target=/v,bogus=1"]).contains("unknown option \"bogus\" for type volume"))
        #expect(try Self.refusal(mounts: ["type=nfs,target=/v"]).contains("unknown mount type \"nfs\""))
        #expect(try Self.refusal(mounts: ["type=image,src=img,target=/i,rw=true"]).contains("writable image mounts"))
        #expect(try Self.refusal(mounts: ["type=tmpfs,src=x,target=/t"]).contains("takes no source"))
    }

    /// Named and anonymous volumes: parsed only (ContainerVolumes.swift creates them).
    @Test func volume_forms_for_named_and_anonymous_volumes() throws {
        #expect(try Self.parse(volumes: ["data:/data"])
                == [VolumeMount(type: "volume", source: "data", destination: "/data", readOnly: false, options: [])])
        #expect(try Self.parse(volumes: ["data:/data:ro,nocopy,U"])
                == [VolumeMount(type: "volume", source: "data", destination: "/data", readOnly: true, options: ["ro", "nocopy", "U"])])
        #expect(try Self.parse(volumes: ["/anon"])
                == [VolumeMount(type: "volume", source: "", destination: "/anon", readOnly: false, options: [], anonymous: true)])
        // podman reads two parts as SOURCE:DEST: no options for an anonymous volume through -v.
        #expect(try Self.refusal(volumes: ["/anon:ro"]).contains("container path \"ro\" must be absolute"))
        #expect(try Self.parse(mounts: ["type=volume,src=data,dst=/d,ro,volume-nocopy"])
                == [VolumeMount(type: "volume", source: "data", destination: "/d", readOnly: true, options: ["ro", "nocopy"])])
        #expect(try Self.parse(mounts: ["target=/v"])
                == [VolumeMount(type: "volume", source: "", destination: "/v", readOnly: false, options: [], anonymous: true)])
        #expect(try Self.parse(mounts: ["type=image,src=img,dst=/i"])
                == [VolumeMount(type: "image", source: "img", destination: "/i", readOnly: true, options: ["ro"])])
        #expect(try Self.refusal(volumes: ["a:/x", "b:/x/"]) == "/x/: duplicate mount destination")
    }

    @Test func tmpfs_forms_and_refusals() throws {
        #expect(try Self.parse(tmpfs: ["/scratch"])
                == [VolumeMount(type: "tmpfs", source: "tmpfs", destination: "/scratch", readOnly: false, options: [])])
        #expect(try Self.parse(tmpfs: ["/scratch:size=10m,mode=1777"]).first?.options == ["size=10m", "mode=1777"])
        #expect(try Self.refusal(tmpfs: ["scratch"]).contains("container path \"scratch\" must be absolute"))
    }

    @Test func one_destination_takes_one_mount_across_all_three_flags() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        #expect(try Self.refusal(volumes: ["\(dir.path):/x"], tmpfs: ["/x"]) == "/x: duplicate mount destination")
        #expect(try Self.refusal(mounts: ["type=tmpfs,target=/y"], tmpfs: ["/y"]) == "/y: duplicate mount destination")
        // In order: volumes, then mounts, then tmpfs.
        let all = try Self.parse(volumes: ["\(dir.path):/a"], mounts: ["type=tmpfs,target=/b"], tmpfs: ["/c"])
        #expect(all.map(\.destination) == ["/a", "/b", "/c"])
    }
}
