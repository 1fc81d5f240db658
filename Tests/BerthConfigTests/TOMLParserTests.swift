// The TOML subset config files use: values, tables, and syntax errors with their line.
import BerthConfig
import Testing

@Suite struct TOMLParserTests {
    @Test func reads_values_tables_and_arrays_of_tables() throws {
        let root = try TOMLParser.parse("""
            # comment
            name = "a\\tb" # trailing
            literal = 'C:\\path'
            flag = true
            count = -1_000
            list = [
              "x",   # first
              'y',
            ]
            point = { x = 1, y = { z = "deep" } }
            [server.tls]
            verify = false
            [[mirror]]
            location = "m1"
            [[mirror]]
            location = "m2"
            """)
        #expect(root.keys == ["name", "literal", "flag", "count", "list", "point", "server", "mirror"])
        guard case .string("a\tb")? = root["name"]?.value, case .string("C:\\path")? = root["literal"]?.value,
              case .bool(true)? = root["flag"]?.value, case .integer(-1000)? = root["count"]?.value
        else { Issue.record("scalars: \(root.keys)"); return }
        guard case .array(let list)? = root["list"]?.value, list.count == 2, case .string("y") = list[1]
        else { Issue.record("array"); return }
        guard case .table(let point)? = root["point"]?.value, case .table(let y)? = point["y"]?.value,
              case .string("deep")? = y["z"]?.value
        else { Issue.record("inline tables"); return }
        guard case .table(let server)? = root["server"]?.value, case .table(let tls)? = server["tls"]?.value,
              case .bool(false)? = tls["verify"]?.value, tls.line == 11
        else { Issue.record("dotted header"); return }
        guard case .tableArray(let mirrors)? = root["mirror"]?.value, mirrors.count == 2,
              case .string("m2")? = mirrors[1]["location"]?.value, mirrors[1]["location"]?.line == 16
        else { Issue.record("array of tables"); return }
    }

    @Test(arguments: [
        ("a = 1\nkey \"x\"\n", 2, "expected '=' after key"),
        ("x = \"open\n", 1, "unterminated string"),
        ("x = 'open\n", 1, "unterminated string"),
        ("a = 1\na = 2\n", 2, "duplicate key \"a\" (first set on line 1)"),
        ("[t]\n[t]\n", 2, "table [t] is defined twice"),
        ("mode = enforcing\n", 1, "strings must be quoted"),
        ("x = 1.5\n", 1, "unsupported value \"1.5\""),
        ("x = \"\"\"a\"\"\"\n", 1, "multi-line strings"),
        ("x = [\n \"a\",\n \"b\"\n", 4, "the array opened on line 1 is never closed"),
        ("x = [\"a\" \"b\"]\n", 1, "expected ',' or ']' in the array, found '\"'"),
        ("x = { a = 1 b = 2 }\n", 1, "expected ',' or '}' in the inline table, found 'b'"),
        ("x = { a = 1,\n", 2, "the inline table opened on line 1 is never closed"),
        ("x = \"a\" y\n", 1, "expected the end of the line"),
        ("[t\n", 1, "expected ']' to close the table header"),
        ("x = \"\\q\"\n", 1, "invalid escape '\\q'"),
        ("x =\n", 1, "expected a value after '='"),
    ])
    func syntax_errors_name_their_line(text: String, line: Int, fragment: String) {
        #expect {
            _ = try TOMLParser.parse(text)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            return error.line == line && error.reason.contains(fragment)
        }
    }
}
