// `logs`: what containers wrote, read back from their k8s-file logs
// (ContainerLogFormat.swift): --tail read from the end of the file, --since and
// --until by the records' times, -f following until the container is done,
// also through restarts (its monitor lives on in the back-off).
import BerthSystem
import Glibc

package struct LogsOptions: Sendable {
    package var containers: [String]
    package var follow = false
    /// The last N lines of each log; nil: all.
    package var tail: Int?
    /// Seconds since the epoch: only lines written at or after `since`, at or before `until`.
    package var since: Double?
    package var until: Double?
    package init(containers: [String]) { self.containers = containers }
}

/// One line as `logs` prints it: a "P" record joined with what follows it.
package struct LogLine {
    package var container: ContainerRecord
    package var timeText: Substring
    package var isStderr: Bool
    package var content: [UInt8]
    /// false for a last line the container has not finished (no newline yet).
    package var isComplete: Bool
}

extension Engine {
    /// Reads every container's log and hands its lines to `emit`; `flush` runs
    /// after each batch so a follower sees lines as they come.
    package func streamLogs(_ options: LogsOptions, emit: (LogLine) throws -> Void, flush: () -> Void) throws {
        let records = try options.containers.map(resolveContainer)
        var readers: [LogReader] = []
        for record in records {
            if record.logDriver == "none" || record.logDriver == "passthrough" {
                throw ContainerError.invalid("this container is using the \"\(record.logDriver ?? "")\" log driver, cannot read logs")
            }
            readers.append(try LogReader(record: record, path: logPath(record), options: options))
        }
        guard options.follow else {
            for reader in readers {
                try reader.readNew(emit)
                try reader.finish(emit)
            }
            flush()
            return
        }
        while !readers.isEmpty {
            // Liveness before the read: what was written before the end is read once more.
            let alive = readers.map { reader in
                let state = readState(reader.record.id)
                return state.status == .running || state.monitorIsAlive
            }
            for reader in readers { try reader.readNew(emit) }
            flush()
            for (reader, isAlive) in zip(readers, alive) where !isAlive { try reader.finish(emit) }
            flush()
            readers = zip(readers, alive).filter { $0.1 }.map { $0.0 }
            if !readers.isEmpty { Stopwatch.sleep(0.05) }
        }
    }
}

/// One container's log, read forward from where it was left; whole records only.
final class LogReader {
    let record: ContainerRecord
    private let path: String
    private let options: LogsOptions
    private var file: FileDescriptor?
    private var offset: Int64 = 0
    private var startAtTail: Bool
    private var carry: [UInt8] = []
    /// A "P" record per stream (stdout, stderr) waiting for the rest of its line.
    private var pending: [Bool: (LogRecord, [UInt8])] = [:]

    init(record: ContainerRecord, path: String, options: LogsOptions) throws {
        self.record = record
        self.path = path
        self.options = options
        self.startAtTail = options.tail != nil
    }

    deinit { file?.close() }

    /// Reads what was appended since the last call (from the start again when
    /// max-size rotation emptied the file) and emits its complete lines.
    func readNew(_ emit: (LogLine) throws -> Void) throws {
        if file == nil {
            guard FileSystem.exists(path) else { return }
            file = try FileDescriptor.open(path, O_RDONLY)
        }
        guard let file else { return }
        let size = Int64(try file.status(path: path).st_size)
        if startAtTail {
            offset = try LogReader.tailOffset(file, size: size, lines: options.tail ?? 0, path: path)
            startAtTail = false
        }
        if size < offset { offset = 0; carry = [] }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while offset < size {
            let n = try chunk.withUnsafeMutableBytes { try file.read(into: $0, at: offset, path: path) }
            if n == 0 { break }
            offset += Int64(n)
            carry.append(contentsOf: chunk[0..<n])
            guard let lastNewline = carry.lastIndex(of: 0x0A) else { continue }
            var start = 0
            while start <= lastNewline {
                let end = carry[start...lastNewline].firstIndex(of: 0x0A)!
                if let entry = LogRecord(carry[start..<end]) { try take(entry, emit) }
                start = end + 1
            }
            carry.removeFirst(start)
        }
    }

    /// The log is done: a line left unfinished is printed as it is.
    func finish(_ emit: (LogLine) throws -> Void) throws {
        for isStderr in [false, true] {
            guard let (first, content) = pending.removeValue(forKey: isStderr) else { continue }
            try send(first, content, complete: false, emit)
        }
    }

    private func take(_ entry: LogRecord, _ emit: (LogLine) throws -> Void) throws {
        if let (first, content) = pending[entry.isStderr] {
            let joined = content + entry.content
            if entry.isPartial { pending[entry.isStderr] = (first, joined); return }
            pending[entry.isStderr] = nil
            try send(first, joined, complete: true, emit)
        } else if entry.isPartial {
            pending[entry.isStderr] = (entry, Array(entry.content))
        } else {
            try send(entry, Array(entry.content), complete: true, emit)
        }
    }

    private func send(_ first: LogRecord, _ content: [UInt8], complete: Bool, _ emit: (LogLine) throws -> Void) throws {
        if let since = options.since, first.time < since { return }
        if let until = options.until, first.time > until { return }
        try emit(LogLine(container: record, timeText: first.timeText, isStderr: first.isStderr,
                         content: content, isComplete: complete))
    }

    /// Where the last `lines` full lines begin, found by reading backwards from the
    /// end in 64 KiB steps: a 100 MB log costs a step or two, not a pass.
    static func tailOffset(_ file: FileDescriptor, size: Int64, lines: Int, path: String) throws -> Int64 {
        if lines <= 0 { return size }
        var start = size, seen = 0, following = size
        var lookahead: [UInt8] = []   // the first bytes of what was read before, for a record's tag
        while start > 0 {
            let count = Int(min(65536, start))
            start -= Int64(count)
            var buffer = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = try buffer[got...].withUnsafeMutableBytes { try file.read(into: $0, at: start + Int64(got), path: path) }
                if n == 0 { break }
                got += n
            }
            buffer += lookahead
            // A newline at i ends one record; the next begins at i + 1.
            var i = count - 1
            while i >= 0 {
                if buffer[i] == 0x0A && i + 1 < buffer.count {
                    if LogRecord.isFullLine(buffer, at: i + 1) {
                        seen += 1
                        if seen > lines { return following }
                    }
                    following = start + Int64(i + 1)
                }
                i -= 1
            }
            lookahead = Array(buffer.prefix(64))
        }
        if LogRecord.isFullLine(lookahead, at: 0) { seen += 1 }
        return seen > lines ? following : 0
    }
}
