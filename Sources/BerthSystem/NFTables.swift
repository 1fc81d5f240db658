// nftables through libnftables, loaded with dlopen on the network path alone
// (Debian ships it as a shared library only; linking it would cost every command
// its start-up, design.md §7). Each `run` is one atomic transaction of nft's text
// commands; Docs/dependencies.md has the measurement behind this choice.
import Glibc
import Synchronization

package enum NFTables {
    /// Runs `commands` (nft's syntax, one command a line) as one transaction: all of
    /// them take effect or none does. The error carries nft's own message.
    package static func run(_ commands: String) throws {
        try session.withLock { state in
            if state == nil { state = try Session.open() }
            try state!.run(commands)
        }
    }

    /// One context for the whole process, never freed: closing the netlink socket
    /// after a commit waits for an RCU grace period in the kernel (6–16 ms here,
    /// nf_tables flushes its destroy work on NETLINK_URELEASE), so a berth process
    /// pays it once, at exit, however many transactions it ran.
    private static let session = Mutex<Session?>(nil)

    private struct Session: @unchecked Sendable {
        typealias ContextNew = @convention(c) (UInt32) -> OpaquePointer?
        typealias RunBuffer = @convention(c) (OpaquePointer?, UnsafePointer<CChar>) -> Int32
        typealias Configure = @convention(c) (OpaquePointer?) -> Int32
        typealias ErrorBuffer = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?

        let context: OpaquePointer
        let runBuffer: RunBuffer
        let errorBuffer: ErrorBuffer

        static let libraryName = "libnftables.so.1"

        static func open() throws -> Session {
            guard let handle = dlopen(libraryName, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
                throw NFTablesError("loading \(libraryName) (Debian's libnftables1, installed with nftables) failed: \(reason)")
            }
            func symbol<T>(_ name: String, as type: T.Type) throws -> T {
                guard let pointer = dlsym(handle, name) else {
                    throw NFTablesError("\(libraryName) lacks \(name)")
                }
                return unsafeBitCast(pointer, to: type)
            }
            let contextNew = try symbol("nft_ctx_new", as: ContextNew.self)
            let bufferOutput = try symbol("nft_ctx_buffer_output", as: Configure.self)
            let bufferError = try symbol("nft_ctx_buffer_error", as: Configure.self)
            let session = Session(
                context: try contextNew(0).orThrow(NFTablesError("nft_ctx_new failed")),
                runBuffer: try symbol("nft_run_cmd_from_buffer", as: RunBuffer.self),
                errorBuffer: try symbol("nft_ctx_get_error_buffer", as: ErrorBuffer.self))
            // Buffered, so nft's messages become the thrown error instead of going to stderr.
            _ = bufferOutput(session.context)
            _ = bufferError(session.context)
            return session
        }

        func run(_ commands: String) throws {
            guard runBuffer(context, commands) != 0 else { return }
            let message = errorBuffer(context).map { String(cString: $0) } ?? ""
            throw NFTablesError(message.isEmpty ? "nftables refused the transaction" : message)
        }
    }
}

/// nft's own message for a refused transaction (its first line names the command).
package struct NFTablesError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        // nft prints "Error: …", then the command and a caret line: keep the first two.
        return lines.prefix(2).map { $0.hasPrefix("Error: ") ? String($0.dropFirst(7)) : String($0) }.joined(separator: ": ")
    }
}

extension Optional {
    fileprivate func orThrow(_ error: @autoclosure () -> any Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.first == set || text.first == "\t" { text = text.dropFirst() }
        while text.last == set || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
