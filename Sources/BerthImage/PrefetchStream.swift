// Reads a stream ahead on its own thread, so two cores share a layer: one
// receives, hashes, keeps and inflates the blob while the other hashes the tar and
// writes its files (design.md §7, "pull floor": about half of a pull is inflate).
import Glibc

package final class PrefetchStream: ByteStream {
    private static let chunkSize = 1 << 20
    private static let depth = 8

    /// Everything the two threads share, guarded by `mutex`: a ring of buffers the
    /// producer fills and the reader empties, allocated once and reused.
    private final class Shared: @unchecked Sendable {
        // Allocated, not stored inline: pthread objects must not move, and Swift
        // does not promise a stable address for a stored property.
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        let buffers: [UnsafeMutableRawBufferPointer]
        /// Filled buffers in order: (index, byte count).
        var ready: [(Int, Int)] = []
        var free: [Int]
        var finished = false
        var failure: (any Error)?
        var cancelled = false

        init() {
            buffers = (0..<PrefetchStream.depth).map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: PrefetchStream.chunkSize, alignment: 16)
            }
            free = Array(0..<PrefetchStream.depth)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(changed, nil)
        }

        deinit {
            for buffer in buffers { buffer.deallocate() }
            pthread_cond_destroy(changed)
            pthread_mutex_destroy(mutex)
            changed.deallocate()
            mutex.deallocate()
        }

        func locked<T>(_ body: () throws -> T) rethrows -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body()
        }

        func wait() { pthread_cond_wait(changed, mutex) }
        func signal() { pthread_cond_broadcast(changed) }
    }

    private final class Producer {
        let source: any ByteStream
        let shared: Shared

        init(source: any ByteStream, shared: Shared) {
            self.source = source
            self.shared = shared
        }

        func run() {
            while true {
                let index: Int? = shared.locked {
                    while shared.free.isEmpty && !shared.cancelled { shared.wait() }
                    return shared.cancelled ? nil : shared.free.removeLast()
                }
                guard let index else { break }
                let buffer = shared.buffers[index]
                var filled = 0
                var failure: (any Error)?
                // Fill the whole buffer: fewer hand-overs between the threads.
                while filled < buffer.count {
                    do {
                        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                        if n == 0 { break }
                        filled += n
                    } catch {
                        failure = error
                        break
                    }
                }
                let done: Bool = shared.locked {
                    if filled > 0 { shared.ready.append((index, filled)) } else { shared.free.append(index) }
                    if failure != nil || filled < buffer.count {
                        shared.failure = failure
                        shared.finished = true
                    }
                    shared.signal()
                    return shared.finished
                }
                if done { break }
            }
            shared.locked {
                shared.finished = true
                shared.signal()
            }
        }
    }

    private let shared = Shared()
    private var thread: pthread_t?
    /// The buffer being read: (index, byte count), and how far.
    private var current: (Int, Int)?
    private var offset = 0

    /// Starts reading `source` ahead; from now on only the prefetch thread touches it.
    package init(_ source: any ByteStream) {
        let producer = Unmanaged.passRetained(Producer(source: source, shared: shared))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let producer = Unmanaged<Producer>.fromOpaque(raw!).takeRetainedValue()
            producer.run()
            return nil
        }, producer.toOpaque())
        if rc == 0 {
            self.thread = thread
        } else {
            // No thread to be had: the reader fills buffers itself, one at a time.
            producer.release()
            self.inline = source
        }
    }

    /// Set only when no thread could be started.
    private var inline: (any ByteStream)?

    deinit {
        shared.locked {
            shared.cancelled = true
            shared.signal()
        }
        if let thread { pthread_join(thread, nil) }
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let inline { return try inline.read(into: buffer) }
        if current == nil || offset == current!.1 {
            let next: (Int, Int)? = try shared.locked {
                if let (index, _) = current { shared.free.append(index) }
                current = nil
                while shared.ready.isEmpty && !shared.finished { shared.wait() }
                if shared.ready.isEmpty {
                    if let failure = shared.failure { throw failure }
                    return nil
                }
                shared.signal()
                return shared.ready.removeFirst()
            }
            guard let next else { return 0 }
            current = next
            offset = 0
        }
        let (index, count) = current!
        let n = min(buffer.count, count - offset)
        buffer.baseAddress!.copyMemory(from: shared.buffers[index].baseAddress! + offset, byteCount: n)
        offset += n
        return n
    }
}
