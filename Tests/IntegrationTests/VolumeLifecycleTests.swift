// Volumes against other berth processes and in the event log: a `volume rm`
// that lands between create's making of a volume and the writing of the
// container's record never leaves a container whose volume is gone, and a
// volume that is mounted (tmpfs) writes podman's mount and unmount events.
import Foundation
import Testing
import TestSupport

@Suite struct VolumeLifecycleTests {
    /// create is stopped (BERTH_TEST_PAUSE) after it made the volume and before it
    /// wrote the container's record; `volume rm` runs then and succeeds (nothing
    /// uses the volume yet). The create, continued, finds the volume gone under
    /// the store lock and makes it again: the container and its volume both exist.
    @Test(arguments: Mode.available)
    func volume_rm_between_creates_steps_never_leaves_a_container_without_its_volume(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 60
        let out = sb.path("race")
        let script = """
            mkdir -p \(out)
            BERTH_TEST_PAUSE=create-volumes \(berthLine(sb)) create --name c -v racevol:/d img sh -c 'ls /d' >\(out)/create 2>&1 &
            job=$!
            stopped=""
            for i in $(seq 1 200); do
                for s in /proc/[0-9]*/stat; do
                    p=${s#/proc/}; p=${p%/stat}
                    [ "$(cut -d' ' -f3 $s 2>/dev/null)" = T ] || continue
                    tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q -- "\(sb.root) .*create" && stopped=$p
                done
                [ -n "$stopped" ] && break
                sleep 0.05
            done
            [ -n "$stopped" ] || { echo "create never stopped"; kill $job; exit 1; }
            \(berthLine(sb)) volume rm racevol; echo "rm $?"
            kill -CONT $stopped
            wait $job; echo "create $?"
            """
        let raced = shell(sb, script)
        #expect(raced.status == 0 && raced.stdout == "racevol\nrm 0\ncreate 0\n", "\(raced)")
        #expect(sb.berth("container", "exists", "c").status == 0)
        #expect(sb.berth("volume", "exists", "racevol").status == 0, "the container's volume was made again")
        let started = sb.berth("start", "-a", "c")
        #expect(started.status == 0, "\(started)")
        // The other order: a volume a container's record names is refused by rm.
        let refused = sb.berth("volume", "rm", "racevol")
        #expect(refused.status != 0 && refused.stderr.contains("racevol"), "\(refused)")
    }

    /// A tmpfs volume (root: rootless berth mounts no volumes of its own) is
    /// mounted by its first user and unmounted by its last: one event each.
    @Test func a_mounted_volume_writes_mount_and_unmount_events() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "t").status == 0)
        #expect(sb.berth("run", "--rm", "-v", "t:/t", "img", "true").status == 0)
        #expect(sb.berth("volume", "mount", "t").status == 0)
        #expect(sb.berth("volume", "unmount", "t").status == 0)
        let events = sb.berth("events", "--stream=false", "--filter", "type=volume", "--format", "{{.Status}} {{.Name}}")
        #expect(events.status == 0 && events.stdout == "create t\nmount t\nunmount t\nmount t\nunmount t\n", "\(events)")
    }
}
