// The device allow list as an eBPF program (cgroup v2): its instructions, and,
// as root where a cgroup2 hierarchy is mounted (the hybrid machines' unified
// mount too: device programs run for every task in it), what it lets through.
@testable import BerthEngine
import BerthSystem
import Foundation
import Testing

@Suite struct DeviceCgroupProgramTests {
    @Test func rules_parse_and_print_as_devices_allow_takes_them() {
        #expect(DeviceRule("c 1:3 rwm")?.text == "c 1:3 rwm")
        #expect(DeviceRule("b *:* m")?.major == nil)
        #expect(DeviceRule("a")?.text == "a")
        #expect(DeviceRule("c 1:3") == nil && DeviceRule("x 1:3 r") == nil && DeviceRule("c 1:3 rx") == nil)
    }

    @Test func a_rule_becomes_tests_that_skip_to_the_next_rule() {
        let block = DeviceCgroupProgram.block(DeviceRule("c 1:3 rw")!)
        // type, access (move, and, jump), major, minor, then r0 = 1; exit.
        #expect(block.count == 8)
        #expect(block[0] == .jumpIfNotEqual(2, DeviceCgroupProgram.charType, skip: 7))
        #expect(block[1] == .move(1, register: 3) && block[2] == .and(1, 1))
        #expect(block[3] == .jumpIfNotEqual(1, 0, skip: 4))
        #expect(block[4] == .jumpIfNotEqual(4, 1, skip: 3) && block[5] == .jumpIfNotEqual(5, 3, skip: 2))
        #expect(block[6] == .move(0, 1) && block[7] == .exit)
        // bpf_insn: code 0x55, dst r2, off 7, imm 2.
        #expect(block[0].encoded == 0x0000_0002_0007_0255)
        let program = DeviceCgroupProgram.assemble([DeviceRule("a")!])
        #expect(program.suffix(4) == [.move(0, 1), .exit, .move(0, 0), .exit], "a: allowed at once")
    }

    /// A shell in a fresh cgroup2 directory with the program for `rules`: what it could open.
    private func opens(_ rules: [String], unified: String) throws -> String {
        let directory = unified + "/berth-devtest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { rmdir(directory) }
        try BPFDeviceFilter.attach(DeviceCgroupProgram.assemble(DeviceRule.defaults + rules.compactMap(DeviceRule.init)), to: directory)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "echo $$ > \(directory)/cgroup.procs && { head -c1 /dev/loop0 >/dev/null 2>&1; echo loop=$?; echo x > /dev/null; echo null=$?; }"]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        shell.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/loop0")
                   && CgroupHost.detect().unifiedMount != nil))
    func the_program_denies_what_the_list_lacks_and_allows_its_rules() throws {
        let unified = try #require(CgroupHost.detect().unifiedMount)
        #expect(try opens([], unified: unified) == "loop=1\nnull=0\n", "the defaults: /dev/null, not the loop device")
        #expect(try opens(["b 7:* r"], unified: unified) == "loop=0\nnull=0\n", "the rule lets the loop device be read")
        #expect(try opens(["b 7:0 w"], unified: unified) == "loop=1\nnull=0\n", "write only: a read is denied")
    }
}
