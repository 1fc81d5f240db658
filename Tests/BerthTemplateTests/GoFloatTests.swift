// Go's strconv.FormatFloat, digit for digit: podman's sizes and printf in templates lean on it.
@testable import BerthTemplate
import Testing

private let floats: [(Double, Character, Int, String)] = [
    (0.0, "g", 3, "0"), (1234.5678, "g", 3, "1.23e+03"), (0.00001234, "g", 3, "1.23e-05"),
    (0.5, "f", 0, "0"), (1.5, "f", 0, "2"), (2.5, "f", 0, "2"), (0.125, "f", 2, "0.12"), (0.375, "f", 2, "0.38"),
    (1.005, "f", 2, "1.00"), (999.96, "f", 1, "1000.0"), (12345.678, "e", 2, "1.23e+04"), (0, "e", 2, "0.00e+00"),
    (1e100, "g", -1, "1e+100"), (.leastNonzeroMagnitude, "g", -1, "5e-324"), (0.1 + 0.2, "g", -1, "0.30000000000000004"),
    (-0.0, "g", -1, "-0"), (123.456, "f", -1, "123.456"), (1e21, "e", -1, "1e+21"),
]

@Suite struct GoFloatTests {
    /// strconv.FormatFloat cases that go-units and printf lean on.
    @Test(arguments: floats)
    func goFloat(value: Double, verb: Character, precision: Int, expected: String) {
        #expect(GoFloat.format(value, verb: verb, precision: precision) == expected)
    }
}
