// Issue 13: "a volume of 100k files mounts in the same time as an empty one".
// berth makes no idmapped mounts (VolumeParser says why), so what keeps the
// cost flat is that copy-up and `:U`'s chown happen once: the second start of
// a 100k-file volume with :U must not touch a file (their ctimes stay, chown
// would change them) and must take about as long as an empty volume's start
// (a generous factor: behaviour, not a timing budget). Root and rootless.
import Foundation
import Glibc
import Testing
import TestSupport

private func changeTime(_ path: String) -> timespec? {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_ctim : nil
}

private func median(_ values: [Double]) -> Double {
    values.sorted()[values.count / 2]
}

@Suite struct VolumeMountCostTests {
    @Test(arguments: Mode.available)
    func a_volume_of_100k_files_mounts_as_fast_as_an_empty_one(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["big", "empty"] { #expect(sb.berth("volume", "create", name).status == 0) }
        let data = sb.root + "/volumes/big/_data"
        // 100 directories of 1000 files each, made on the host as the volume's owner.
        let filled = shell(sb, "cd \(data) && for d in $(seq 1 100); do mkdir $d && (cd $d && seq 1 1000 | xargs touch); done && find . -type f | wc -l")
        #expect(filled.status == 0 && filled.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "100000", "\(filled)")

        // The first :U start chowns the tree (once); the container sees its user as the owner.
        let first = sb.berth("run", "--rm", "--user", "12:34", "-v", "big:/data:U", "img", "stat", "-c", "%u:%g", "/data/50/500")
        #expect(first.status == 0 && first.stdout == "12:34\n", "\(first)")
        let probe = data + "/50/500"
        let before = changeTime(probe)
        #expect(before != nil)

        var big: [Double] = []
        var empty: [Double] = []
        for _ in 0..<5 {
            for (name, into) in [("big", 0), ("empty", 1)] {
                let start = Date()
                let ran = sb.berth("run", "--rm", "--user", "12:34", "-v", "\(name):/data:U", "img", "true")
                let seconds = Date().timeIntervalSince(start)
                #expect(ran.status == 0, "\(ran)")
                if into == 0 { big.append(seconds) } else { empty.append(seconds) }
            }
        }
        let after = changeTime(probe)
        #expect(before?.tv_sec == after?.tv_sec && before?.tv_nsec == after?.tv_nsec, "a later start changed the volume's files (chowned again)")
        // A chown of 100k files takes seconds; a start takes tens of milliseconds.
        #expect(median(big) <= median(empty) * 3 + 0.1, "100k files: \(median(big)) s, empty: \(median(empty)) s (medians of 5)")
    }
}
