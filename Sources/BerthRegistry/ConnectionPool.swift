// Idle keep-alive connections by scheme, host:port and proxy. A connection enters
// only after its response body was read to the end (HTTPBody), so it is at a boundary.
import Synchronization

final class ConnectionPool: Sendable {
    /// Enough for the parallel layer downloads of one pull.
    static let idlePerKey = 4

    private let idle = Mutex<[String: [HTTPConnection]]>([:])

    /// The most recently used idle connection for `key` that is still in step.
    func take(_ key: String) -> HTTPConnection? {
        while let connection = idle.withLock({ $0[key]?.popLast() }) {
            if !connection.isStale { return connection }
            connection.close()
        }
        return nil
    }

    func put(_ connection: HTTPConnection) {
        let evicted: HTTPConnection? = idle.withLock { pool in
            pool[connection.poolKey, default: []].append(connection)
            return pool[connection.poolKey]!.count > Self.idlePerKey ? pool[connection.poolKey]!.removeFirst() : nil
        }
        evicted?.close()
    }

    func closeAll() {
        let all = idle.withLock { pool in
            defer { pool = [:] }
            return pool.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }
}
