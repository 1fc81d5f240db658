// Many berth processes at once on one store, as scripts and CI jobs run them:
// 20 parallel loops of `run -d` and `rm -f` must all succeed, never hang, and
// leave no record, name, runtime directory, mount or process behind. Root and rootless.
import Foundation
import Testing
import TestSupport

/// Processes whose root directory lies in the sandbox: a container's, still running.
private func processesRootedIn(_ dir: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> String? in
        guard Int32(entry) != nil,
              let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/root"),
              root.hasPrefix(dir + "/") else { return nil }
        return "process \(entry) rooted in \(root)"
    }
}

/// Cgroup directories named after one of `ids` (berth gives containers none yet;
/// once it does, `rm` must remove them).
private func cgroupsNamed(after ids: [String]) -> [String] {
    let top = "/sys/fs/cgroup"
    var found: [String] = []
    var pending = [(top, 0)]
    while let (dir, depth) = pending.popLast() {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            let path = dir + "/" + entry
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            if ids.contains(where: { entry.contains($0.prefix(12)) }) { found.append(path) }
            if depth < 5 { pending.append((path, depth + 1)) }
        }
    }
    return found
}

/// `count` loops in parallel, each running `body` three times (`$i` is the loop,
/// `$j` the round, `$out` a directory for their files), then `report` once all ended.
private func parallelLoops(_ sb: Sandbox, count: Int, body: String, report: String) -> Sandbox.Result {
    shell(sb, """
        out=\(sb.path("loops")); mkdir -p $out
        for i in $(seq 1 \(count)); do (
            for j in 1 2 3; do
        \(body)
            done
        ) & done
        wait
        \(report)
        """)
}

/// What a removed container must not leave: a record, a runtime directory, a mount, a process.
private func expectNothingLeft(_ sb: Sandbox) {
    #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "no record")
    let runtime = (try? FileManager.default.contentsOfDirectory(atPath: sb.runroot + "/containers")) ?? []
    #expect(runtime.isEmpty, "no runtime directory: \(runtime)")
    #expect(sb.leftovers().isEmpty, "no mount")
    #expect(processesRootedIn(sb.dir).isEmpty, "no container process")
}

@Suite struct ParallelLifecycleTests {
    @Test(arguments: Mode.available)
    func twenty_parallel_run_d_and_rm_f_loops_leave_nothing_behind(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // A hang is the failure this test exists for: end it well before the suite would.
        sb.timeout = 240
        let b = berthLine(sb)
        let out = sb.path("loops")
        let loops = parallelLoops(sb, count: 20, body: """
                    id=$(\(b) run -d img sleep 100 2>>$out/err$i) || echo "loop $i: run -d exited $?" >> $out/err$i
                    echo "$id" >> $out/ids
                    \(b) rm -f -t 0 "$id" > $out/rm$i 2>>$out/err$i || echo "loop $i: rm -f exited $?" >> $out/err$i
                    [ "$(cat $out/rm$i)" = "$id" ] || echo "loop $i: rm -f printed $(cat $out/rm$i), not $id" >> $out/err$i
            """, report: """
            cat $out/err* 2>/dev/null
            echo ids $(sort -u $out/ids | grep -c '^[0-9a-f]\\{64\\}$')
            """)
        #expect(loops.status == 0, "\(loops)")
        #expect(loops.stdout == "ids 60\n", "every run -d printed a new ID, every rm -f removed it, nothing failed: \(loops)")
        let ids = ((try? String(contentsOfFile: out + "/ids", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)

        let records = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/containers")) ?? []
        #expect(records.filter { $0 != "names" }.isEmpty, "no container directory: \(records)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/containers/names")) ?? []
        #expect(names.isEmpty, "no name held: \(names)")
        expectNothingLeft(sb)
        #expect(cgroupsNamed(after: ids).isEmpty, "no cgroup")
        // cleanup() (deferred) also finds monitors: their command lines name the sandbox.
    }

    /// Lock order: a --rm container's parent records its exit and removes it under
    /// the container's lock, then the store's. `create --replace` and `rmi -f` once
    /// removed the container while holding the store lock, and both waited forever.
    @Test(arguments: Mode.available)
    func replace_and_rmi_force_of_a_rm_container_never_deadlock(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 30
        #expect(sb.berth("run", "-d", "--rm", "--name", "same", "img", "sleep", "100").status == 0)
        let began = Date()
        let replaced = sb.berth("create", "--replace", "--name", "same", "img", "true")
        #expect(replaced.status == 0 && Date().timeIntervalSince(began) < 10, "\(replaced)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout == "same created\n")

        #expect(sb.berth("run", "-d", "--rm", "--name", "other", "img", "sleep", "100").status == 0)
        let removed = sb.berth("rmi", "-f", "img")
        #expect(removed.status == 0 && removed.stdout.hasPrefix("Untagged: localhost/img:latest\n"), "\(removed)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "rmi -f removed the containers using the image")
    }

    /// 10 parallel loops of `run -d --rm --replace` on 3 shared names (this hung
    /// once): every run ends within the time, each one either prints an ID or
    /// says clearly that it lost the race, and removing the last three leaves
    /// nothing behind.
    @Test(arguments: Mode.available)
    func parallel_run_d_rm_replace_loops_on_shared_names_finish_and_leave_nothing(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 240
        let b = berthLine(sb)
        let loops = parallelLoops(sb, count: 10, body: """
                    \(b) run -d --rm --replace --name r$(( (i + j) % 3 )) img sleep 100 >>$out/ids 2>>$out/err$i \\
                        || echo "exit $?" >> $out/err$i
            """, report: """
            cat $out/err* 2>/dev/null | grep -v -e '^exit 125$' -e 'was removed before it could start$' -e 'is already in use by'
            echo ids $(grep -c '^[0-9a-f]\\{64\\}$' $out/ids)
            """)
        #expect(loops.status == 0, "\(loops)")
        #expect(loops.stdout.hasPrefix("ids "), "only clear refusals: \(loops)")
        #expect(loops.stdout.split(separator: "\n").count == 1, "no other error: \(loops)")
        let started = Int(loops.stdout.dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(started >= 3, "most runs started a container: \(loops)")
        #expect(sb.berth("rm", "-f", "-t", "0", "r0", "r1", "r2").status == 0)
        expectNothingLeft(sb)
    }
}
