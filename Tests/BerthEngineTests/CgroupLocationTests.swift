// cgroup.json written by hand (CgroupLocation.json) must read back, and read the same
// as JSONEncoder would have written it; mountinfo lines that only look like cgroup
// mounts are not taken for them.
@testable import BerthEngine
import BerthImage
import BerthSystem
import Testing

@Suite struct CgroupLocationTests {
    static let samples = [
        CgroupLocation(version: 1, paths: ["memory": "/sys/fs/cgroup/memory/machine.slice/berth-a.scope",
                                           "cpu": "/sys/fs/cgroup/cpu,cpuacct/machine.slice/berth-a.scope"], manager: "cgroupfs"),
        CgroupLocation(version: 2, paths: ["": "/sys/fs/cgroup/machine.slice/berth-b.scope"], manager: "systemd", unit: "berth-b.scope"),
        CgroupLocation(version: 2, paths: ["": "/sys/fs/cgroup/odd \"name\"\\with\ttab\u{1}/x"], manager: "cgroupfs"),
    ]

    @Test(arguments: samples)
    func hand_written_json_is_what_the_encoder_writes_and_reads_back(location: CgroupLocation) throws {
        let decoded = try JSONCoding.decode(CgroupLocation.self, from: location.json, location: "test")
        #expect(decoded == location)
        #expect(String(decoding: location.json, as: UTF8.self) == String(decoding: JSONCoding.encode(location), as: UTF8.self))
    }

    @Test func mountinfo_lines_are_taken_by_their_type_field_only() {
        let mounts = """
            50 31 0:40 / /mnt/a\\040-\\040cgroup rw - ext4 /dev/sda rw
            51 31 0:41 / /sys/fs/cgroup/pids rw shared:9 - cgroup cgroup rw,pids
            52 31 0:42 / /srv/cgroupish rw - tmpfs cgroup rw,memory
            """
        let host = CgroupHost.parse(mountinfo: mounts, procCgroup: "", hasSystemd: false)
        #expect(host.v1Mounts == ["pids": "/sys/fs/cgroup/pids"])
        #expect(host.unifiedMount == nil)
    }
}
