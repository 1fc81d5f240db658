// The host layouts berth tells apart (v1, hybrid, pure v2) from mountinfo and
// /proc/self/cgroup, the delegated user@UID.service subtree, the limit writes
// for v1 and v2 (crun's conversions), cpuset lists and update's merge.
@testable import BerthEngine
import BerthSystem
import Testing

@Suite struct CgroupLayoutTests {
    static let hybridMounts = """
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func hybrid_host_uses_v1_for_the_controllers() {
        let host = CgroupHost.parse(mountinfo: Self.hybridMounts, procCgroup: "4:memory:/a/b\n1:cpu:/\n0::/\n", hasSystemd: false)
        #expect(host.layout == .v1 && host.version == 1)
        #expect(host.v1Mounts == ["cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct",
                                  "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids"])
        #expect(host.unifiedMount == "/sys/fs/cgroup/unified")
        #expect(host.ownPaths["memory"] == "/a/b" && host.ownPaths[""] == "/")
    }

    @Test func pure_v2_host_finds_the_users_delegated_subtree() {
        let host = CgroupHost.parse(
            mountinfo: "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
            procCgroup: "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-u7.scope\n", hasSystemd: true)
        #expect(host.layout == .v2 && host.version == 2)
        #expect(host.userServicePath == "/user.slice/user-1000.slice/user@1000.service")
        #expect(host.unifiedDirectory("/machine.slice") == "/sys/fs/cgroup/machine.slice")
    }

    @Test func limits_become_v1_and_v2_writes_with_cruns_conversions() {
        var r = ContainerResources()
        r.memory = 32 << 20
        r.nanoCpus = 500_000_000
        r.cpuShares = 1024
        r.pidsLimit = -1
        r.blkioWeight = 500
        let v1 = CgroupLimits.v1(r).map { "\($0.file)=\($0.value)" }
        #expect(v1 == ["memory.limit_in_bytes=33554432", "memory.memsw.limit_in_bytes=67108864", "cpu.shares=1024",
                       "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "pids.max=max", "blkio.weight=500"])
        let v2 = CgroupLimits.v2(r).map { "\($0.file)=\($0.value)" }
        #expect(v2 == ["memory.max=33554432", "memory.swap.max=33554432", "cpu.weight=39", "cpu.max=50000 100000",
                       "pids.max=max", "io.weight=default 4950"])
        r.memorySwappiness = 10
        #expect(CgroupLimits.v2Unsupported(r) == "--memory-swappiness")
    }

    @Test func cpuset_lists_parse_and_malformed_ones_do_not() {
        #expect(CgroupValues.parseList("0-2,4") == [0, 1, 2, 4])
        #expect(CgroupValues.parseList("") == [])
        #expect(CgroupValues.parseList("2-1") == nil)
        #expect(CgroupValues.parseList("a") == nil)
    }

    @Test func update_merges_and_cpus_replaces_period_and_quota() {
        var r = ContainerResources()
        r.memory = 64 << 20
        r.cpuPeriod = 50_000
        r.cpuQuota = 25_000
        var asked = ContainerResources()
        asked.nanoCpus = 1_500_000_000
        r.merge(asked)
        #expect(r.memory == 64 << 20 && r.cpuPeriod == nil && r.cpuQuota == nil)
        #expect(r.cfs.period == 100_000 && r.cfs.quota == 150_000)
    }
}
