// A cgroup directory's control files: read and written one value at a time, each
// failure naming the file and the value; the directory made, joined and removed.
import Glibc

package enum CgroupFiles {
    /// Writes `value` to the control file `name` of `directory`. The kernel answers a
    /// bad value with the write's errno (EINVAL, EBUSY), so that is the error.
    package static func write(_ value: String, to name: String, in directory: String) throws {
        let path = directory + "/" + name
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CLOEXEC)
        defer { fd.close() }
        do {
            try fd.write(Array(value.utf8), path: path)
        } catch let error as SystemError {
            throw SystemError("write \"\(value)\" to", path, errno: error.errno)
        }
    }

    /// Writes each of `values` to `name` through one open file: the kernel takes a
    /// write at a time (devices.allow's rules), and one open saves the rest.
    package static func writeEach(_ values: [String], to name: String, in directory: String) throws {
        let path = directory + "/" + name
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CLOEXEC)
        defer { fd.close() }
        for value in values {
            do {
                try fd.write(Array(value.utf8), path: path)
            } catch let error as SystemError {
                throw SystemError("write \"\(value)\" to", path, errno: error.errno)
            }
        }
    }

    /// The control file's text without its trailing newline; nil when it is missing.
    package static func read(_ name: String, in directory: String) -> String? {
        guard let text = try? FileSystem.readText(directory + "/" + name) else { return nil }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// Whether the control file exists (a controller's feature the kernel may lack).
    package static func has(_ name: String, in directory: String) -> Bool {
        FileSystem.exists(directory + "/" + name)
    }

    /// Makes `directory`; true when this call made it (false: it was there).
    @discardableResult
    package static func makeDirectory(_ directory: String) throws -> Bool {
        do {
            try check("create cgroup", directory) { mkdir(directory, 0o755) }
            return true
        } catch let error as SystemError where error.isAlreadyExisting {
            return false
        }
    }

    /// Moves process `pid` (and, on v1 and v2 alike, none of its threads' siblings
    /// elsewhere: a process moves whole) into `directory`.
    package static func join(_ pid: Int32, _ directory: String) throws {
        try write(String(pid), to: "cgroup.procs", in: directory)
    }

    /// The processes in `directory` (cgroup.procs); none when it is gone.
    package static func processes(in directory: String) -> [Int32] {
        (read("cgroup.procs", in: directory) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// Removes `directory`, killing what still runs in it first (a container whose
    /// monitor was killed leaves its processes behind). Nothing when it is gone.
    /// rmdir answers EBUSY until the killed processes are reaped: wait for that, up
    /// to a second.
    package static func remove(_ directory: String) throws {
        for attempt in 0..<200 {
            if rmdir(directory) == 0 { return }
            let saved = Glibc.errno
            if saved == ENOENT { return }
            guard saved == EBUSY, attempt < 199 else { throw SystemError("remove cgroup", directory, errno: saved) }
            // A paused container's processes die only once thawed (v1's freezer).
            if read("freezer.state", in: directory) == "FROZEN" { try? write("THAWED", to: "freezer.state", in: directory) }
            if has("cgroup.kill", in: directory) {
                try? write("1", to: "cgroup.kill", in: directory)
            } else {
                for pid in processes(in: directory) { kill(pid, SIGKILL) }
            }
            usleep(5_000)
        }
    }

    /// A block device's major and minor numbers, for the per-device limits.
    package static func blockDeviceNumbers(_ path: String) throws -> (major: UInt32, minor: UInt32) {
        var info = stat()
        try check("stat device", path) { stat(path, &info) }
        guard info.st_mode & S_IFMT == S_IFBLK else { throw SystemError("use as a block device", path, errno: ENOTBLK) }
        // glibc's major()/minor() are macros Swift cannot call: their bit layout.
        let dev = UInt64(info.st_rdev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
    }
}
