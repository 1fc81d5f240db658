// ps --size and inspect --size as podman shows them: SizeRw counts what the
// container wrote (a hardlinked file once, a symlink by its own length, never what
// it points to: a link to the host's /etc/shadow or to / adds its few bytes), and
// SizeRootFs the image's layers. Root and rootless.
import Foundation
import Testing
import TestSupport

/// What the busybox fixture's one layer holds, counted as containers/storage counts a
/// layer: every non-directory's st_size (applet symlinks are "busybox", 7 bytes).
private func fixtureRootFsBytes() throws -> Int64 {
    let busybox = try FileManager.default.attributesOfItem(atPath: Fixtures.busyboxPath)[.size] as! NSNumber
    let accounts = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n".utf8.count
        + "root:x:0:\nnogroup:x:65534:\n".utf8.count
    return busybox.int64Value + Int64(7 * Fixtures.busyboxApplets.count + accounts)
}

/// go-units' HumanSizeWithPrecision(n, 3) without the space, for the sizes used here.
private func human(_ bytes: Int64) -> String {
    var value = Double(bytes), unit = 0
    let units = ["B", "kB", "MB", "GB"]
    while value >= 1000 { value /= 1000; unit += 1 }
    var text = String(format: "%.3g", value)
    if text.contains("."), !text.contains("e") { while text.hasSuffix("0") { text.removeLast() }; if text.hasSuffix(".") { text.removeLast() } }
    return text + units[unit]
}

@Suite struct ContainerSizeTests {
    @Test(arguments: Mode.available)
    func size_counts_the_writable_layer_and_the_image_without_following_symlinks(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let script = "head -c 5000 /bin/busybox > /f5000 && ln /f5000 /hardlink && ln -s /etc/shadow /shadow && ln -s / /up"
            + " && mkdir -m 700 /private && echo -n abc > /private/three && chmod 000 /private"
        let run = sb.berth("run", "--name", "sized", "img", "sh", "-c", script)
        #expect(run.status == 0, "\(run)")
        let rw: Int64 = 5000 + 11 + 1 + 3
        let rootFs = try fixtureRootFsBytes()
        let inspected = sb.berth("inspect", "--size", "--format", "{{.SizeRw}} {{.SizeRootFs}}", "sized")
        #expect(inspected.status == 0 && inspected.stdout == "\(rw) \(rootFs)\n", "\(inspected)")
        let json = sb.berth("container", "inspect", "-s", "sized").stdout
        #expect(json.contains("\"SizeRw\": \(rw),\n          \"SizeRootFs\": \(rootFs),\n          \"Mounts\""), "podman's place: \(json)")
        #expect(!sb.berth("inspect", "sized").stdout.contains("SizeRw"), "only asked for")
        let table = sb.berth("ps", "-a", "--size")
        let lines = table.stdout.split(separator: "\n")
        #expect(table.status == 0 && lines.count == 2 && lines[0].hasSuffix("NAMES       SIZE")
                && lines[1].hasSuffix("sized       \(human(rw)) (virtual \(human(rootFs)))"), "\(table)")
        let formatted = sb.berth("ps", "-a", "-s", "--format", "{{.Names}} {{.Size}}")
        #expect(formatted.stdout == "sized \(human(rw)) (virtual \(human(rootFs)))\n", "\(formatted)")
        let objects = try JSONSerialization.jsonObject(with: Data(sb.berth("ps", "-a", "-s", "--format", "json").stdout.utf8)) as? [[String: Any]]
        let size = objects?.first?["Size"] as? [String: Any]
        #expect((size?["rwSize"] as? Int).map(Int64.init) == rw && (size?["rootFsSize"] as? Int).map(Int64.init) == rootFs, "\(String(describing: objects))")
        #expect(sb.berth("rm", "sized").status == 0)
    }
}
