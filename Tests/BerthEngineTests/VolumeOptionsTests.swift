// The local driver's --opt values: what podman accepts, what mount(2) gets, and one
// clear refusal for the rest, before anything is created.
@testable import BerthEngine
import Foundation
import Testing
import TestSupport

@Suite struct VolumeOptionsTests {
    private static func refusal(_ options: [String: String]) -> String {
        do {
            _ = try VolumeOptions.parse(options)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func plain_volume_takes_owner_and_copy_options() throws {
        let plain = try VolumeOptions.parse([:])
        #expect(!plain.needsMount && plain.copyUp && plain.uid == nil)
        let owned = try VolumeOptions.parse(["uid": "1000", "gid": "100", "nocopy": ""])
        #expect(owned.uid == 1000 && owned.gid == 100 && !owned.copyUp && !owned.needsMount)
    }

    @Test func tmpfs_options_split_into_flags_data_and_owner() throws {
        let tmpfs = try VolumeOptions.parse(["type": "tmpfs", "device": "tmpfs", "o": "size=10m,uid=5,noexec,mode=0700"])
        #expect(tmpfs.needsMount && tmpfs.uid == 5)
        #expect(tmpfs.mountOptions == ["size=10m", "noexec", "mode=0700"])
        let (flags, data) = tmpfs.mountFlagsAndData
        #expect(flags == 8 && data == "size=10m,mode=0700")   // MS_NOEXEC
        #expect(try VolumeOptions.parse(["type": "tmpfs"]).needsMount, "device defaults to tmpfs")
    }

    @Test func bind_needs_an_existing_directory() throws {
        let dir = try TemporaryDirectory("berth-volume-options")
        let bind = try VolumeOptions.parse(["o": "bind", "device": dir.path])
        #expect(bind.isBind && bind.mountFlagsAndData.flags == 4096)
        #expect(Self.refusal(["o": "bind"]).contains("needs device="))
        #expect(Self.refusal(["o": "bind", "device": dir.path + "/missing"]).contains("no such directory"))
    }

    @Test func bad_options_are_refused_with_one_message() {
        #expect(Self.refusal(["foo": "bar"]) == "invalid mount option foo for driver 'local': invalid argument")
        #expect(Self.refusal(["uid": "abc"]) == "cannot convert UID abc to integer: invalid argument")
        #expect(Self.refusal(["o": "gid=-1"]) == "cannot convert GID -1 to integer: invalid argument")
        #expect(Self.refusal(["type": "ext4"]) == "volume option type=ext4 needs device=: invalid argument")
        #expect(Self.refusal(["device": "/dev/sda1"]).contains("needs type= or o=bind"))
        #expect(Self.refusal(["o": "noexec"]).contains("needs type= or o=bind"))
        #expect(Self.refusal(["type": "tmpfs", "o": "size=lots"]).contains("not a size"))
        #expect(Self.refusal(["size": "10m"]).contains("project quotas"))
        #expect(Self.refusal(["type": ""]) == "volume option type needs a value: invalid argument")
    }

    @Test func names_follow_podmans_rule() {
        for good in ["a", "A1", "data_1.backup-2", "0"] { #expect(VolumeOptions.isValidName(good), "\(good)") }
        for bad in ["", ".hidden", "-x", "_x", "a b", "a/b", "ä", ".tmp-1", "a:b"] { #expect(!VolumeOptions.isValidName(bad), "\(bad)") }
    }

    @Test func filters_match_as_podmans() throws {
        func volume(_ name: String, labels: [String: String] = [:], users: [String] = [], created: Double = 100) -> VolumeDetails {
            VolumeDetails(record: VolumeRecord(name: name, createdAt: created, labels: labels), mountpoint: "/x", mountCount: 0, users: users)
        }
        let a = volume("alpha", labels: ["env": "prod", "tier": ""]), b = volume("beta", users: ["c1"], created: 300)
        func chosen(_ texts: [String]) throws -> [String] {
            let filters = try VolumeFilters(texts, keys: VolumeFilters.listKeys, time: { Double($0) })
            return [a, b].filter(filters.matches).map(\.record.name)
        }
        #expect(try chosen(["name=^al"]) == ["alpha"])
        #expect(try chosen(["name=alpha", "name=beta"]) == ["alpha", "beta"], "one key: any value")
        #expect(try chosen(["label=env=prod"]) == ["alpha"])
        #expect(try chosen(["label=tier"]) == ["alpha"])
        #expect(try chosen(["label!=env"]) == ["beta"])
        #expect(try chosen(["dangling=true"]) == ["alpha"])
        #expect(try chosen(["dangling=false", "name=a"]) == ["beta"], "keys: all must match")
        #expect(try chosen(["until=200"]) == ["alpha"])
        #expect(try chosen(["driver=local", "scope=local"]) == ["alpha", "beta"])
        #expect(throws: VolumeError.self) { try chosen(["foo=bar"]) }
        #expect(throws: VolumeError.self) { try chosen(["dangling=maybe"]) }
    }
}
