// One request and its answer over a stream unix socket named in a directory
// (slirp4netns's API socket in a container's runtime directory, whose path may
// exceed sun_path's 108 bytes: the C side connects through /proc/self/fd).
import CBerth
import Glibc

package enum UnixStreamSocket {
    /// Connects to `name` in `directory`, sends `request`, ends the sending side
    /// and reads the answer to its end (at most `limit` bytes).
    package static func exchange(directory: String, name: String, request: [UInt8], limit: Int = 65536) throws -> [UInt8] {
        let dir = try FileDescriptor.open(directory, BERTH_O_PATH | O_DIRECTORY)
        let raw = berth_stream_connect_at(dir.raw, name)
        if raw < 0 { throw SystemError("connect to", directory + "/" + name) }
        let socket = FileDescriptor(raw: raw)
        try socket.write(request, path: directory + "/" + name)
        try check("shutdown", directory + "/" + name) { shutdown(socket.raw, Int32(SHUT_WR)) }
        return try socket.readAll(path: directory + "/" + name, limit: limit)
    }
}
