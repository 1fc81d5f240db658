// The counter files stats reads between reports, parsed from their bytes: v1 and v2
// block I/O, cpu.stat, a limit of "max", and /proc/PID/net/dev without lo.
@testable import BerthEngine
import Testing

@Suite struct StatsCounterTextTests {
    private func bytes(_ text: String) -> ArraySlice<UInt8> { ArraySlice(Array(text.utf8)) }

    @Test func numbers_keyed_values_and_max() {
        #expect(CounterText.number(bytes("123456\n")) == 123456)
        #expect(CounterText.number(bytes("max\n")) == nil)
        #expect(CounterText.keyed(bytes("usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n"), "usage_usec") == 2500)
        #expect(CounterText.keyed(bytes("user_usec 2000\n"), "usage_usec") == nil)
    }

    @Test func block_bytes_of_v1_and_v2() {
        let v1 = "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:16 Read 100\nTotal 4708\n"
        #expect(CounterText.blockBytes(bytes(v1), v2: false) == (4196, 512))
        let v2 = "8:0 rbytes=4096 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=4 wbytes=0 rios=1 wios=0\n"
        #expect(CounterText.blockBytes(bytes(v2), v2: true) == (4100, 1024))
    }

    @Test func network_bytes_leave_out_loopback() {
        let dev = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    9999       9    0    0    0     0          0         0     9999       9    0    0    0     0       0          0
              eth0:    1500      10    0    0    0     0          0         0      700       5    0    0    0     0       0          0

            """
        #expect(CounterText.networkBytes(bytes(dev)) == (1500, 700))
    }
}
