// What an HTTP connection reads from and writes to: a TCP socket, or TLS over one.
protocol Transport: AnyObject, Sendable {
    /// host:port of the peer, for error messages.
    var address: String { get }
    /// Fills up to `buffer.count` bytes; 0 only when the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Writes all of `buffer`.
    func write(_ buffer: UnsafeRawBufferPointer) throws
    /// Whether bytes (or EOF) are waiting: an idle pooled connection with either is stale.
    func hasPendingInput() -> Bool
    func close()
}
