// A device allow list as a BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup v2): the
// kernel calls it with struct bpf_cgroup_dev_ctx { u32 access_type (access << 16
// | type); u32 major; u32 minor; } in r1 and allows the access when it returns 1.
// The program tests each rule in turn and returns 1 on the first match, 0 after
// the last: the allow list below a deny-all, as v1's devices.deny "a" + allows.
import BerthSystem

enum DeviceCgroupProgram {
    // Registers: r1 the context, then what the rules compare.
    private static let context: UInt8 = 1, scratch: UInt8 = 1
    private static let type: UInt8 = 2, access: UInt8 = 3, major: UInt8 = 4, minor: UInt8 = 5

    // linux/bpf.h: BPF_DEVCG_DEV_BLOCK/CHAR and BPF_DEVCG_ACC_MKNOD/READ/WRITE.
    static let blockType: Int32 = 1, charType: Int32 = 2
    static func accessBits(_ access: String) -> Int32 {
        (access.contains("m") ? 1 : 0) | (access.contains("r") ? 2 : 0) | (access.contains("w") ? 4 : 0)
    }

    static func assemble(_ rules: [DeviceRule]) -> [BPFInstruction] {
        var program: [BPFInstruction] = [
            .loadWord(type, from: context, offset: 0),
            .and(type, 0xffff),
            .loadWord(access, from: context, offset: 0),
            .shiftRight(access, 16),
            .loadWord(major, from: context, offset: 4),
            .loadWord(minor, from: context, offset: 8),
        ]
        for rule in rules { program += block(rule) }
        program += [.move(0, 0), .exit]
        return program
    }

    /// One rule: its tests, each skipping to the next rule when it fails, then
    /// "return 1".
    static func block(_ rule: DeviceRule) -> [BPFInstruction] {
        // (instruction, whether it jumps to the block's end on a mismatch)
        var tests: [(BPFInstruction, Bool)] = []
        if rule.type != "a" {
            tests.append((.jumpIfNotEqual(type, rule.type == "b" ? blockType : charType, skip: 0), true))
        }
        let allowed = accessBits(rule.access)
        if allowed != 7 {
            // The access asked must be within the rule's: asked & ~allowed == 0.
            tests.append((.move(scratch, register: access), false))
            tests.append((.and(scratch, ~allowed & 7), false))
            tests.append((.jumpIfNotEqual(scratch, 0, skip: 0), true))
        }
        if let number = rule.major { tests.append((.jumpIfNotEqual(major, Int32(bitPattern: number), skip: 0), true)) }
        if let number = rule.minor { tests.append((.jumpIfNotEqual(minor, Int32(bitPattern: number), skip: 0), true)) }
        let allow: [BPFInstruction] = [.move(0, 1), .exit]
        let length = tests.count + allow.count
        var block: [BPFInstruction] = []
        for (index, (instruction, jumps)) in tests.enumerated() {
            var instruction = instruction
            // A jump lands on the first instruction after this block.
            if jumps { instruction.offset = Int16(length - index - 1) }
            block.append(instruction)
        }
        return block + allow
    }
}
