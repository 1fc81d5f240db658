// eBPF for cgroup v2's device controller: the few instructions a device filter
// needs, encoded as the kernel's struct bpf_insn, and the load/attach calls
// (bpf_cgroup.c). The verifier's log comes back in the error when it refuses.
import CBerth
import Glibc

/// One eBPF instruction: opcode, destination and source registers, offset, immediate.
package struct BPFInstruction: Equatable, Sendable {
    package var code: UInt8
    package var destination: UInt8
    package var source: UInt8
    package var offset: Int16
    package var immediate: Int32

    /// struct bpf_insn as a little-endian 64-bit word (x86-64, arm64): code,
    /// then dst_reg in the low nibble and src_reg in the high one, off, imm.
    package var encoded: UInt64 {
        UInt64(code) | UInt64(destination & 0xf | (source & 0xf) << 4) << 8
            | UInt64(UInt16(bitPattern: offset)) << 16 | UInt64(UInt32(bitPattern: immediate)) << 32
    }

    // The opcodes (linux/bpf_common.h, linux/bpf.h): class | operation | source.
    private static let ldxWord: UInt8 = 0x61  // BPF_LDX | BPF_MEM | BPF_W
    private static let andImmediate: UInt8 = 0x57  // BPF_ALU64 | BPF_AND | BPF_K
    private static let shiftRightImmediate: UInt8 = 0x77  // BPF_ALU64 | BPF_RSH | BPF_K
    private static let moveImmediate: UInt8 = 0xb7  // BPF_ALU64 | BPF_MOV | BPF_K
    private static let moveRegister: UInt8 = 0xbf  // BPF_ALU64 | BPF_MOV | BPF_X
    private static let jumpNotEqualImmediate: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K
    private static let exitCode: UInt8 = 0x95  // BPF_JMP | BPF_EXIT

    /// dst = *(u32 *)(src + offset)
    package static func loadWord(_ destination: UInt8, from source: UInt8, offset: Int16) -> BPFInstruction {
        BPFInstruction(code: ldxWord, destination: destination, source: source, offset: offset, immediate: 0)
    }

    /// dst &= immediate
    package static func and(_ destination: UInt8, _ immediate: Int32) -> BPFInstruction {
        BPFInstruction(code: andImmediate, destination: destination, source: 0, offset: 0, immediate: immediate)
    }

    /// dst >>= immediate
    package static func shiftRight(_ destination: UInt8, _ immediate: Int32) -> BPFInstruction {
        BPFInstruction(code: shiftRightImmediate, destination: destination, source: 0, offset: 0, immediate: immediate)
    }

    /// dst = immediate
    package static func move(_ destination: UInt8, _ immediate: Int32) -> BPFInstruction {
        BPFInstruction(code: moveImmediate, destination: destination, source: 0, offset: 0, immediate: immediate)
    }

    /// dst = src
    package static func move(_ destination: UInt8, register source: UInt8) -> BPFInstruction {
        BPFInstruction(code: moveRegister, destination: destination, source: source, offset: 0, immediate: 0)
    }

    /// if dst != immediate: skip `skip` instructions
    package static func jumpIfNotEqual(_ destination: UInt8, _ immediate: Int32, skip: Int16) -> BPFInstruction {
        BPFInstruction(code: jumpNotEqualImmediate, destination: destination, source: 0, offset: skip, immediate: immediate)
    }

    /// return r0
    package static let exit = BPFInstruction(code: exitCode, destination: 0, source: 0, offset: 0, immediate: 0)
}

package enum BPFDeviceFilter {
    /// Loads `program` as a cgroup device program and attaches it to the cgroup
    /// directory `directory`. The program stays attached (the cgroup holds it)
    /// after the fd closes, until the cgroup is removed.
    package static func attach(_ program: [BPFInstruction], to directory: String) throws {
        let words = program.map(\.encoded)
        var log = [CChar](repeating: 0, count: 4096)
        let programFD = words.withUnsafeBufferPointer { buffer in
            berth_bpf_load_device_program(buffer.baseAddress, UInt32(buffer.count), "GPL", &log, UInt32(log.count))
        }
        if programFD < 0 {
            let saved = errno
            let verifier = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let detail = verifier.isEmpty ? "" : " (verifier: \(verifier.split(separator: "\n").suffix(2).joined(separator: "; ")))"
            throw SystemError("load the device filter (bpf BPF_PROG_LOAD) for", directory + detail, errno: saved)
        }
        defer { Glibc.close(programFD) }
        let cgroup = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        defer { cgroup.close() }
        try check("attach the device filter (bpf BPF_PROG_ATTACH) to", directory) {
            berth_bpf_attach_device_program(cgroup.raw, programFD)
        }
    }
}
