// What "the store is unchanged" means for tests: the set of published blobs,
// layers and image records (scratch areas under tmp/ excluded).
import Foundation
import TestSupport

/// Empty for a store berth never wrote (the sandbox's root still empty); once the
/// store exists, each of its directories must be there to be listed: a store that
/// lost one is not "unchanged" or "empty", and the test says which is missing.
func storeSnapshot(_ sb: Sandbox) throws -> [String] {
    if try directoryEntries(sb.root).isEmpty { return [] }
    var entries: [String] = []
    for dir in ["blobs/sha256", "layers", "images"] {
        let names = try directoryEntries(sb.root + "/" + dir)
        entries += names.filter { !$0.hasPrefix(".") }.map { dir + "/" + $0 }
    }
    return entries.sorted()
}

/// A busybox rootfs tarball written into the sandbox.
func busyboxTarball(_ sb: Sandbox, name: String = "rootfs.tar") throws -> String {
    try sb.makeFile(name, Fixtures.busyboxRootfs().bytes())
}

/// The image ID `images -q --no-trunc` lists first.
func imageIDs(_ sb: Sandbox) -> [String] {
    sb.berth("images", "-q", "--no-trunc").stdout.split(separator: "\n").map { String($0.dropFirst(7)) }
}
