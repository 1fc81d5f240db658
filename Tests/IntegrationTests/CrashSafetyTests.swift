// kill -9 in the middle of a layer leaves a store the next command reads
// correctly, and the abandoned scratch area is swept.
import Foundation
import Testing
import TestSupport

@Suite struct CrashSafetyTests {
    @Test(arguments: Mode.available)
    func load_killed_mid_layer_leaves_a_consistent_store(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var many = try Fixtures.busyboxRootfs()
        for n in 0..<20_000 { many.file("many/f\(n)", "file \(n)") }
        let layout = sb.path("layout")
        try Fixtures.ociLayout(at: layout, layers: [many.bytes()], compression: .gzip, refName: "example.com/many:v1")
        try sb.handOver(sb.work)
        // Start a load, wait until it is unpacking the layer, then SIGKILL it.
        let berth = "\(Sandbox.binary) --root \(sb.root) --runroot \(sb.runroot)"
        let script = """
            \(berth) load -i \(layout) >/dev/null 2>&1 & pid=$!
            for i in $(seq 1 1000); do
              ls -d \(sb.root)/tmp/ingest-*/layer-* >/dev/null 2>&1 && break
              sleep 0.01
            done
            ls -d \(sb.root)/tmp/ingest-*/layer-* >/dev/null 2>&1 || { echo "never saw the layer being unpacked"; exit 3; }
            kill -9 $pid; wait $pid; echo killed
            """
        let killed = sb.run("/bin/sh", ["-c", script], asTestUser: mode == .rootless,
                            env: ["HOME": sb.testUser?.home ?? "/root", "XDG_RUNTIME_DIR": sb.runtimeDir])
        #expect(killed.stdout.contains("killed"), "\(killed)")
        // The user namespace child dies with its parent: nothing keeps writing.
        Thread.sleep(forTimeInterval: 0.2)
        #expect(sb.berth("images", "-q").stdout.isEmpty, "no half-loaded image is listed")
        let again = sb.berth("load", "-i", layout)
        #expect(again.status == 0, "\(again)")
        #expect(sb.berth("images", "--format", "{{.Repository}}").stdout == "example.com/many\n")
        let leftovers = try directoryEntries(sb.root + "/tmp")
        #expect(leftovers.isEmpty, "the abandoned ingest area was swept: \(leftovers)")
    }

    @Test(arguments: Mode.available)
    func device_nodes_need_real_root(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var tar = TarBuilder()
        tar.node("dev/null", type: "3", major: 1, minor: 3)
        tar.node("fifo", type: "6")
        let layout = sb.path("layout")
        try Fixtures.ociLayout(at: layout, layers: [tar.bytes()], compression: .none)
        try sb.handOver(sb.work)
        let result = sb.berth("load", "-i", layout)
        if mode == .root {
            #expect(result.status == 0, "\(result)")
            let dir = sb.berth("image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", imageIDs(sb)[0]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var st = stat()
            #expect(lstat(dir + "/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == makedev(1, 3))
        } else {
            #expect(result.status == 125 && result.stderr.contains("device nodes can only be created by root"), "\(result)")
            #expect(try storeSnapshot(sb).isEmpty)
        }
    }
}

private func makedev(_ major: UInt32, _ minor: UInt32) -> UInt {
    UInt((major << 8) | minor)
}
