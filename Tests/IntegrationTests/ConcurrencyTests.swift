// Without a daemon, concurrent commands coordinate through the store lock.
import Foundation
import Testing
import TestSupport

@Suite struct ConcurrencyTests {
    @Test(arguments: Mode.available)
    func concurrent_loads_and_rmi_racing_load_leave_a_consistent_store(mode: Mode) async throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var layouts: [String] = []
        for n in 0..<2 {
            var extra = try Fixtures.busyboxRootfs()
            extra.file("which", "image \(n)")
            let layout = sb.path("layout\(n)")
            try Fixtures.ociLayout(at: layout, layers: [extra.bytes()], compression: .gzip, refName: "example.com/img\(n):v1")
            layouts.append(layout)
        }
        try sb.handOver(sb.work)
        async let first = sb.berth("load", "-i", layouts[0])
        async let second = sb.berth("load", "-i", layouts[1])
        let results = await [first, second]
        #expect(results.allSatisfy { $0.status == 0 }, "\(results)")
        #expect(imageIDs(sb).count == 2)

        for _ in 0..<3 {
            async let load = sb.berth("load", "-i", layouts[0])
            async let remove = sb.berth("rmi", "-f", "example.com/img0:v1")
            let (loaded, _) = await (load, remove)
            #expect(loaded.status == 0, "\(loaded)")
        }
        // Whatever the interleaving, every listed image must be complete and usable.
        for id in imageIDs(sb) {
            let saved = sb.berth("save", "-o", sb.path("check-\(id.prefix(8)).tar"), id)
            #expect(saved.status == 0, "image \(id) is complete: \(saved)")
        }
        #expect(sb.berth("rmi", "-a", "-f").status == 0)
        #expect(try storeSnapshot(sb).isEmpty)
    }
}
