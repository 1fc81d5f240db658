@testable import BerthTemplate
import Testing

/// Renders `source` on `value`; expected strings are what Go's text/template prints.
private func render(_ source: String, _ value: TemplateValue = sample) throws -> String {
    try GoTemplate(source).render(value)
}

/// The description of the error `source` raises, parsing or rendering.
private func failure(_ source: String, _ value: TemplateValue = sample) -> String? {
    do {
        _ = try GoTemplate(source).render(value)
        return nil
    } catch {
        return error.description
    }
}

private let sample: TemplateValue = [
    "ID": "abc123",
    "Names": ["web", "db"],
    "Size": 4493,
    "Ratio": 1.5,
    "Running": true,
    "Empty": "",
    "Labels": ["z": "1", "a": "<&>"],
    "Config": ["Image": "alpine", "Cmd": ["sh", "-c"]],
    "Nothing": .null,
]

@Suite struct GoTemplateFields {
    @Test func dotAndFields() throws {
        #expect(try render("{{.}}", "plain") == "plain")
        #expect(try render("id={{.ID}} size={{ .Size }} ok={{\t.Running\n}}") == "id=abc123 size=4493 ok=true")
        #expect(try render("{{.Config.Image}}") == "alpine")
        #expect(try render("{{.Ratio}}") == "1.5")
    }

    @Test func missingAndNilPrintNoValue() throws {
        #expect(try render("{{.Missing}}") == "<no value>")
        #expect(try render("{{.Nothing}}") == "<no value>")
        #expect(try render("{{.Nothing.Deeper}}") == "<no value>")
    }

    @Test func compositesPrintLikeGo() throws {
        #expect(try render("{{.Names}}") == "[web db]")
        #expect(try render("{{.Labels}}") == "map[a:<&> z:1]")
        #expect(try render("{{.Config}}") == "map[Cmd:[sh -c] Image:alpine]")
    }

    @Test func fieldOfScalarIsAnError() {
        // Go points at the chained field, not at the start of the operand.
        #expect(failure("{{.ID.Foo}}")
            == "template: output:1:5: executing \"output\" at <.ID.Foo>: can't evaluate field Foo in type string")
    }

    @Test func unknownStructFieldFailsAsGoDoes() throws {
        let reporter = TemplateValue.structure("images.imageReporter", [
            ("ID", "abc123"), ("Labels", ["app": "web"]), ("Config", .structure("*v1.ImageConfig", [("User", "root")])),
        ])
        let named = { (source: String) throws(TemplateError) in try GoTemplate(source, name: "images").render(reporter) }
        #expect(try named("{{.ID}} {{.Config.User}}") == "abc123 root")
        #expect(throws: TemplateError.self) { try named("{{.Foo}}") }
        func failure(_ source: String) -> String? {
            do { _ = try named(source); return nil } catch { return error.description }
        }
        #expect(failure("{{.Foo}}")
            == "template: images:1:2: executing \"images\" at <.Foo>: can't evaluate field Foo in type images.imageReporter")
        #expect(failure("x\n{{.Config.Foo}}")
            == "template: images:2:9: executing \"images\" at <.Config.Foo>: can't evaluate field Foo in type *v1.ImageConfig")
        #expect(failure("{{$c := .Config}}{{$c.Shell}}")
            == "template: images:1:21: executing \"images\" at <$c.Shell>: can't evaluate field Shell in type *v1.ImageConfig")
        #expect(failure("{{printf \"%s\" .Nope}}")
            == "template: images:1:14: executing \"images\" at <.Nope>: can't evaluate field Nope in type images.imageReporter")
        // A map keeps Go's map semantics: a missing key is <no value>, not an error.
        #expect(try named("{{.Labels.app}} {{.Labels.nope}}") == "web <no value>")
    }

    @Test func structsPrintTheirValuesInFieldOrder() throws {
        let value = TemplateValue.structure("T", [("B", 2), ("A", ["x", "y"]), ("M", ["k": 1])])
        #expect(try render("{{.}}", value) == "{2 [x y] map[k:1]}")
        #expect(try render("{{if .}}T{{end}}", .structure("T", [])) == "T")  // a struct is always true
        #expect(try render(#"{{printf "%v" .}}"#, value) == "{2 [x y] map[k:1]}")
        #expect(value.jsonString(indent: false) == #"{"B":2,"A":["x","y"],"M":{"k":1}}"#)
        // omitempty fields: read by templates, left out of JSON while they hold their zero value.
        let config = TemplateValue.structure(GoStructType("C", omitEmpty: ["Env", "User", "Labels", "Inner"]), [
            ("Env", []), ("User", "root"), ("Labels", [:]), ("Inner", .structure("I", [])), ("Tty", false),
        ])
        #expect(try render("{{.Env}}|{{.Labels}}|{{.User}}", config) == "[]|map[]|root")
        #expect(config.jsonString(indent: false) == #"{"User":"root","Inner":{},"Tty":false}"#)
        #expect(TemplateValue.structure(GoStructType("E", omitEmpty: ["A"]), [("A", "")]).jsonString(indent: true) == "{}")
    }

    @Test func literals() throws {
        #expect(try render(#"{{"a\tb\"c\u00e9"}}"#) == "a\tb\"cé")
        #expect(try render("{{`raw\\t`}}") == "raw\\t")
        #expect(try render("{{42}} {{-3}} {{0x1F}} {{1.25}} {{1e6}} {{'a'}}") == "42 -3 31 1.25 1e+06 97")
        #expect(try render("{{true}} {{false}}") == "true false")
    }

    @Test func variables() throws {
        #expect(try render("{{$x := .ID}}[{{$x}}]") == "[abc123]")
        #expect(try render("{{$x := 1}}{{$x = 2}}{{$x}}") == "2")
        #expect(try render("{{range .Names}}{{.}}@{{$.ID}} {{end}}") == "web@abc123 db@abc123 ")
        #expect(try render("{{$c := .Config}}{{$c.Image}}") == "alpine")
    }

    @Test func commentsAndTrimMarkers() throws {
        #expect(try render("a{{/* note */}}b") == "ab")
        #expect(try render("a  {{- /* note */ -}}  b") == "ab")
        #expect(try render("x  {{- .ID -}} \n y") == "xabc123y")
        #expect(try render("x  {{.ID -}}\n\n  y") == "x  abc123y")
        #expect(try render("{{- 3}}") == "3")
    }
}

@Suite struct GoTemplatePipelines {
    @Test func pipesPassTheLastArgument() throws {
        #expect(try render("{{.ID | upper}}") == "ABC123")
        #expect(try render(#"{{join .Names ", "}}"#) == "web, db")
        #expect(try render(#"{{.ID | printf "%s!" | upper}}"#) == "ABC123!")
        #expect(try render("{{(index .Names 1) | upper}}") == "DB")
        #expect(try render("{{(.Config).Image}}") == "alpine")
    }

    @Test func podmanFunctions() throws {
        // encoding/json sorts a map's keys.
        #expect(try render("{{json .Labels}}") == #"{"a":"<&>","z":"1"}"#)
        #expect(try render("{{json .Names}}") == #"["web","db"]"#)
        #expect(try render("{{lower \"MiXed\"}} {{upper \"MiXed\"}}") == "mixed MIXED")
        #expect(try render("{{title \"hello wide-world foo_bar\"}}") == "Hello Wide-World Foo_bar")
        #expect(try render("{{join .Names \"/\"}}") == "web/db")
        #expect(try render("{{split \"a:b::c\" \":\"}}") == "[a b  c]")
        #expect(try render("{{truncate .ID 3}}|{{truncate .ID 99}}") == "abc|abc123")
        #expect(try render("[{{pad .ID 1 2}}]") == "[ abc123  ]")
        #expect(try render("{{contains .ID \"c12\"}} {{contains .ID \"x\"}}") == "true false")
    }

    @Test func goBuiltins() throws {
        #expect(try render("{{len .Names}} {{len .ID}} {{len .Labels}} {{len \"é\"}}") == "2 6 2 2")
        #expect(try render("{{index .Names 1}} {{index .Labels \"z\"}} {{index .Config \"Cmd\" 0}}") == "db 1 sh")
        #expect(try render("{{index .Labels \"nope\"}}") == "<no value>")
        #expect(try render("{{print 1 2 \"a\" \"b\" 3}}") == "1 2ab3")
        #expect(try render("{{println .ID 7}}") == "abc123 7\n")
        #expect(try render("{{not .Empty}} {{not .ID}}") == "true false")
        #expect(try render("{{and .ID .Size}} {{and .ID .Empty 7}}|{{or .Empty .ID}} {{or 0 \"\"}}|") == "4493 |abc123 |")
        #expect(try render("{{eq .ID \"abc123\"}} {{eq 2 1 2}} {{ne .Size 4493}} {{eq 1 1.0}}") == "true true false true")
        #expect(try render("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}}") == "true true true false")
        #expect(try render("{{eq .Nothing nil}}") == "true")
    }

    @Test func andOrStopEarly() throws {
        // The second argument would fail: Go 1.18+ never evaluates it.
        #expect(try render("{{and .Empty (index .Names 9)}}|{{or .ID (index .Names 9)}}") == "|abc123")
    }

    @Test func printf() throws {
        #expect(try render(#"{{printf "%-6s|%6s|%d|%q|%v" "ab" "cd" 42 "x\n" .Names}}"#)
            == "ab    |    cd|42|\"x\\n\"|[web db]")
        #expect(try render(#"{{printf "%5.2f|%e|%g|%x|%X|%05d|%+d|%t|%%|%c" 3.14159 1234.5 0.5 255 "hi" -42 7 true 65}}"#)
            == " 3.14|1.234500e+03|0.5|ff|6869|-0042|+7|true|%|A")
        #expect(try render(#"{{printf "%.3s|%-4d|%v|%s" "abcdef" 5 .Nothing .Labels}}"#) == "abc|5   |<nil>|map[a:<&> z:1]")
    }

    @Test func printfComplainsInBandLikeGo() throws {
        #expect(try render(#"{{printf "%d" "x"}}"#) == "%!d(string=x)")
        #expect(try render(#"{{printf "%s %s" "a"}}"#) == "a %!s(MISSING)")
        #expect(try render(#"{{printf "%s" "a" 2}}"#) == "a%!(EXTRA int=2)")
        #expect(try render(#"{{printf "%s" 1.5}}"#) == "%!s(float64=1.5)")
    }
}

@Suite struct GoTemplateControl {
    @Test func ifElseChains() throws {
        let t = try GoTemplate("{{if .A}}a{{else if .B}}b{{else}}c{{end}}")
        #expect(try t.render(["A": true, "B": true]) == "a")
        #expect(try t.render(["A": false, "B": 1]) == "b")
        #expect(try t.render(["A": "", "B": 0]) == "c")
        #expect(try t.render([:]) == "c")
    }

    @Test func truthiness() throws {
        let t = try GoTemplate("{{if .}}T{{else}}F{{end}}")
        for falsy: TemplateValue in ["", 0, 0.0, false, [], [:], .null] {
            #expect(try t.render(falsy) == "F")
        }
        for truthy: TemplateValue in ["x", 1, -0.5, true, [0], ["k": .null]] {
            #expect(try t.render(truthy) == "T")
        }
    }

    @Test func range() throws {
        #expect(try render("{{range .Names}}[{{.}}]{{end}}") == "[web][db]")
        // Go visits a map in key order.
        #expect(try render("{{range .Labels}}{{.}};{{end}}") == "<&>;1;")
        #expect(try render("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}") == "0=web 1=db ")
        #expect(try render("{{range $k, $v := .Labels}}{{$k}}:{{$v}} {{end}}") == "a:<&> z:1 ")
        #expect(try render("{{range $n := .Names}}{{$n}}{{end}}") == "webdb")
        #expect(try render("{{range .Missing}}x{{else}}none{{end}}") == "none")
        #expect(try render("{{range 3}}{{.}}{{end}}") == "012")
    }

    @Test func breakAndContinue() throws {
        let source = "{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}"
        #expect(try render(source, [1, 2, 3, 4, 5]) == "13")
    }

    @Test func with() throws {
        #expect(try render("{{with .Config}}{{.Image}}{{end}}") == "alpine")
        #expect(try render("{{with .Empty}}yes{{else}}no{{end}}") == "no")
        #expect(try render("{{with $img := .Config.Image}}{{$img}}{{end}}") == "alpine")
        #expect(try render("{{with .Empty}}a{{else with .ID}}{{.}}{{end}}") == "abc123")
    }
}

@Suite struct GoTemplateErrors {
    @Test func parseErrorsNameTheProblemAndPlace() {
        #expect(failure("{{foo .}}") == "template: output:1: function \"foo\" not defined")
        #expect(failure("line one\n  {{.ID | nope}}") == "template: output:2: function \"nope\" not defined")
        #expect(failure("x {{.ID") == "template: output:1: unclosed action")
        #expect(failure("{{end}}") == "template: output:1: unexpected {{end}}")
        #expect(failure("{{else}}") == "template: output:1: unexpected {{else}}")
        #expect(failure("{{if .ID}}x") == "template: output:1: unexpected EOF")
        #expect(failure("{{\"abc}}") == "template: output:1: unterminated quoted string")
        #expect(failure("{{$x}}") == "template: output:1: undefined variable \"$x\"")
        #expect(failure("{{}}") == "template: output:1: missing value for command")
        #expect(failure("{{if}}{{end}}") == "template: output:1: missing value for if")
        #expect(failure("{{.ID | \"x\"}}") == "template: output:1: non executable command in pipeline stage 2")
        #expect(failure("{{break}}") == "template: output:1: {{break}} outside {{range}}")
        #expect(failure("{{.ID #}}") == "template: output:1: unrecognized character in action: U+0023 '#'")
        #expect(failure("{{12ab}}") == "template: output:1: bad number syntax: \"12ab\"")
        #expect(failure("{{(.ID}}") == "template: output:1: unclosed left paren")
        #expect(failure("{{nil}}") == "template: output:1: nil is not a command")
        #expect(failure("{{template \"x\"}}") == "template: output:1: {{template}} is not supported")
        #expect(failure("{{/* open") == "template: output:1: unclosed comment")
    }

    @Test func executionErrorsQuoteTheCommand() {
        #expect(failure("{{index .Names 5}}")
            == "template: output:1:2: executing \"output\" at <index .Names 5>: error calling index: index out of range: 5")
        #expect(failure("{{len 3}}") == "template: output:1:2: executing \"output\" at <len 3>: error calling len: len of type int")
        #expect(failure("{{upper 3}}")
            == "template: output:1:2: executing \"output\" at <upper 3>: wrong type for value; expected string; got int")
        #expect(failure("{{join .Names}}")
            == "template: output:1:2: executing \"output\" at <join .Names>: wrong number of args for join: want 2 got 1")
        // The piped value comes last, so this is join(", ", .Names): wrong in Go too.
        #expect(failure(#"{{.Names | join ", "}}"#)
            == "template: output:1:11: executing \"output\" at <join \", \">: wrong type for value; expected []string; got string")
        #expect(failure("{{.ID 1}}")
            == "template: output:1:2: executing \"output\" at <.ID 1>: can't give argument to non-function .ID")
        #expect(failure("{{range .ID}}{{end}}") == "template: output:1:8: range can't iterate over abc123")
        #expect(failure("{{.ID}}", .structure("T", [])) == "template: output:1:2: executing \"output\" at <.ID>: can't evaluate field ID in type T")
        #expect(failure("{{eq .ID 1}}")
            == "template: output:1:2: executing \"output\" at <eq .ID 1>: error calling eq: incompatible types for comparison")
        #expect(failure("{{lt .Names 1}}")
            == "template: output:1:2: executing \"output\" at <lt .Names 1>: error calling lt: non-comparable type")
    }
}

@Suite struct GoTemplateCLIText {
    @Test func unescapeCLI() {
        #expect(GoTemplate.unescapeCLI(#"{{.ID}}\t{{.Size}}\n"#) == "{{.ID}}\t{{.Size}}\n")
        #expect(GoTemplate.unescapeCLI(#"a\\tb\x\"#) == "a\\\tb\\x\\")
    }
}

@Suite struct TemplateValues {
    @Test func prettyJSONAsPodmanInspect() {
        // A struct keeps its field order; a map is sorted, as encoding/json writes it.
        let value = TemplateValue.structure("T", [("Id", "x"), ("Args", ["a", 1, 2.5, true, .null]), ("Empty", []),
                                                  ("None", [:]), ("Nested", ["k": "v", "b": "a"])])
        #expect(value.jsonString(indent: true) == """
            {
                "Id": "x",
                "Args": [
                    "a",
                    1,
                    2.5,
                    true,
                    null
                ],
                "Empty": [],
                "None": {},
                "Nested": {
                    "b": "a",
                    "k": "v"
                }
            }
            """)
        #expect(value.jsonString(indent: false)
            == #"{"Id":"x","Args":["a",1,2.5,true,null],"Empty":[],"None":{},"Nested":{"b":"a","k":"v"}}"#)
        // podman inspect indents by five spaces.
        #expect(TemplateValue.array([["k": []]]).jsonString(indent: true, indentUnit: "     ")
            == "[\n     {\n          \"k\": []\n     }\n]")
    }

    @Test func jsonEscapesLikeGo() {
        let s: TemplateValue = .string("q\"b\\n\n\t\r\u{1}\u{8}\u{1F}<a>&\u{2028}é")
        #expect(s.jsonString(indent: false) == #""q\"b\\n\n\t\r\u0001\b\u001f\u003ca\u003e\u0026\u2028é""#)
        #expect(TemplateValue.string("<&>").jsonString(indent: false, escapeHTML: false) == #""<&>""#)
    }

    @Test func jsonNumbersLikeGo() {
        let numbers: [(Double, String)] = [(3, "3"), (1.5, "1.5"), (0.1, "0.1"), (1e20, "100000000000000000000"),
                                           (1e21, "1e+21"), (1e-6, "0.000001"), (1e-7, "1e-7"), (-2.5e-10, "-2.5e-10"),
                                           (123456789.125, "123456789.125"), (.nan, "null")]
        for (n, text) in numbers {
            #expect(TemplateValue.double(n).jsonString(indent: false) == text)
        }
        #expect(TemplateValue.int(-42).jsonString(indent: false) == "-42")
    }

    @Test func textLikeGoPrint() {
        #expect(TemplateValue.null.text == "<no value>")
        #expect(TemplateValue.array(["a", .null, 1]).text == "[a <nil> 1]")
        #expect(TemplateValue.map([("b", [1, 2]), ("a", true)]).text == "map[a:true b:[1 2]]")
        let floats: [(Double, String)] = [(3, "3"), (0.1, "0.1"), (123456, "123456"), (1234567, "1.234567e+06"),
                                          (1e6, "1e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-1.5, "-1.5"),
                                          (.infinity, "+Inf"), (.nan, "NaN")]
        for (n, text) in floats {
            #expect(TemplateValue.double(n).text == text)
        }
    }

    @Test func membersAndEquality() {
        let value: TemplateValue = ["a": 1, "b": ["c": "d"]]
        #expect(value["b"]?["c"] == "d")
        #expect(value["zz"] == nil)
        #expect(TemplateValue.string("x")["a"] == nil)
        #expect(value == ["a": 1, "b": ["c": "d"]])
        #expect(value != ["b": ["c": "d"], "a": 1])  // key order is part of the value
        #expect(TemplateValue.structure("T", [("a", 1)]) != ["a": 1])  // a struct is no map
        #expect(TemplateValue.structure("T", [("a", 1)]) != .structure("U", [("a", 1)]))
    }
}
