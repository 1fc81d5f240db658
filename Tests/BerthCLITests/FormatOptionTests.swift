// podman's report package: `--format` preparation, table headers and tabwriter layout.
@testable import BerthCLI
import BerthTemplate
import Testing

private let sample: TemplateValue = ["ID": "abc123", "Size": 4493]

@Suite struct FormatOptionParsing {
    @Test func formatOptionParsing() throws {
        for json in ["json", "JSON", " json\n"] {
            guard case .json = try FormatOption.parse(json, name: "images") else { Issue.record("\(json) is not json"); continue }
        }
        guard case .table(nil) = try FormatOption.parse("table", name: "images") else { Issue.record("bare table"); return }
        guard case .table(nil) = try FormatOption.parse(" ", name: "images") else { Issue.record("empty format"); return }
        guard case .table(let t?) = try FormatOption.parse("table {{.ID}}", name: "images") else { Issue.record("table"); return }
        // Templates run once on the whole list, as podman's do.
        #expect(try t.render([sample, sample]) == "abc123\nabc123\n")
        guard case .template(let each) = try FormatOption.parse(#"{{.ID}}\t{{.Size}}"#, name: "images")
        else { Issue.record("template"); return }
        #expect(try each.render([sample]) == "abc123\t4493\n")
        // {{json .}} is an ordinary template: one compact object per item and line.
        guard case .template(let json) = try FormatOption.parse("{{json .}}", name: "images") else { Issue.record("json template"); return }
        #expect(try json.render([.structure("T", [("Id", "x"), ("N", [1, 2])])]) == "{\"Id\":\"x\",\"N\":[1,2]}\n")
        #expect(throws: TemplateError.self) { try FormatOption.parse("{{.ID", name: "images") }
    }

    @Test func aTemplateThatRangesItselfRunsOnTheList() throws {
        guard case .template(let t) = try FormatOption.parse("{{range .}}{{.ID}},{{end}}", name: "images")
        else { Issue.record("template"); return }
        #expect(try t.render([sample, sample]) == "abc123,abc123,\n")
        #expect(FormatOption.rangesOverList("x{{ range . }}y{{ end -}}"))
        #expect(FormatOption.rangesOverList("{{range .}}y{{- end}}") == false)  // podman's pattern has no left trim
        #expect(FormatOption.rangesOverList("{{range .}}") == false)
        #expect(FormatOption.rangesOverList("{{range .Names}}{{end}}") == false)
    }

    @Test func errorsPointWherePodmansDo() {
        // podman: template: images:1:13: executing "images" at <.Foo>: can't evaluate field Foo in type images.imageReporter
        let row = TemplateValue.structure("images.imageReporter", [("ID", "abc123")])
        func failure(_ format: String) -> String? {
            do {
                _ = try Report.render(rows: [row], format: format, name: "images", columns: []) { .array([]) }
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(failure("{{.Foo}}")
            == "template: images:1:13: executing \"images\" at <.Foo>: can't evaluate field Foo in type images.imageReporter")
        #expect(failure("table {{.ID}} {{.Foo}}")
            == "template: images:1:21: executing \"images\" at <.Foo>: can't evaluate field Foo in type images.imageReporter")
        #expect(failure("{{.ID.Foo}}") == "template: images:1:16: executing \"images\" at <.ID.Foo>: can't evaluate field Foo in type string")
        #expect(failure("{{.ID}}") == nil)
    }

    @Test func inspectErrorsSayTheyWerePrinting() throws {
        let object = TemplateValue.structure("interface {}", [("Config", .structure("*v1.ImageConfig", [("User", "")]))])
        #expect(throws: CLIError.self) { try Report.renderInspect([object], format: "{{.Config.Foo}}") }
        do {
            _ = try Report.renderInspect([object], format: "{{.Config.Foo}}")
        } catch {
            #expect("\(error)" == "inspecting object: printing inspect output: template: inspect:1:20: "
                + "executing \"inspect\" at <.Config.Foo>: can't evaluate field Foo in type *v1.ImageConfig")
        }
        #expect(try Report.renderInspect([object, object], format: "{{.Config.User}}|") == "|\n|\n")
    }

    @Test func tableSpacesBecomeColumnsOutsideActions() throws {
        #expect(FormatOption.columnsFromSpaces(#"{{.ID}} {{join .Names ", "}}"#) == "{{.ID}}\t{{join .Names \", \"}}")
    }
}

@Suite struct TableLayout {
    @Test func podmanReportWriter() {
        // containers/common report tests: minwidth 12, padding 2.
        let out = TableWriter.render(
            header: ["Identity", "Value"],
            rows: [["c061a0839e", "one"], ["f10fc2e11057", "two"], ["1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "three"]])
        #expect(out == """
            Identity                          Value
            c061a0839e                        one
            f10fc2e11057                      two
            1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three

            """)
        #expect(TableWriter.render(header: [], rows: [["a46001bfea3a4172b46c173101208244", "Random", "uuid"]])
            == "a46001bfea3a4172b46c173101208244  Random      uuid\n")
    }

    @Test func columnBlocksAsTabwriter() {
        // A column only spans consecutive lines that have a cell in it.
        let lines = [["Value", "Ident"], ["Identity", "ID"], ["Value", "Ident"],
                     ["c061a0839e", "IDf10fc2e11057", "ID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "ID"]]
        #expect(TableWriter.render(header: [], rows: lines)
            == "Value       Ident\nIdentity    ID\nValue       Ident\nc061a0839e  IDf10fc2e11057  ID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  ID\n")
        #expect(TableWriter.render(header: ["A", "B"], rows: [["x", "y"]], minWidth: 0) == "A  B\nx  y\n")
    }

    @Test func imagesTable() throws {
        guard case .table(let t?) = try FormatOption.parse(
            #"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"#, name: "images")
        else { Issue.record("table"); return }
        let rows: [TemplateValue] = [
            ["Repository": "docker.io/library/alpine", "Tag": "latest", "ID": "05455a08881e",
             "CreatedSince": "3 weeks ago", "Size": "7.67 MB"],
            ["Repository": "quay.io/podman/hello", "Tag": "v1", "ID": "5dd467fce50b",
             "CreatedSince": "2 months ago", "Size": "787 kB"],
        ]
        let out = try TableWriter.renderTemplateTable(
            template: t, headers: ["ID": "image id", "CreatedSince": "created"], rows: rows)
        #expect(out == """
            REPOSITORY                TAG         IMAGE ID      CREATED       SIZE
            docker.io/library/alpine  latest      05455a08881e  3 weeks ago   7.67 MB
            quay.io/podman/hello      v1          5dd467fce50b  2 months ago  787 kB

            """)
        let bare = try TableWriter.renderTemplateTable(template: t, rows: rows, noHeading: true)
        #expect(bare.hasPrefix("docker.io/library/alpine  latest"))
    }

    @Test func headerTitles() throws {
        #expect(TableWriter.headerName(field: "ID", headers: [:]) == "ID")
        #expect(TableWriter.headerName(field: "CreatedAt", headers: [:]) == "CREATED AT")
        #expect(TableWriter.headerName(field: "IPAddress", headers: [:]) == "IP ADDRESS")
        #expect(TableWriter.headerName(field: "Fieldb", headers: [:]) == "FIELDB")
        #expect(TableWriter.headerName(field: "CreatedSince", headers: ["CreatedSince": "Created"]) == "CREATED")
        // Titles that the template cannot run on fall back to each action's first field.
        guard case .table(let t?) = try FormatOption.parse(#"table {{.Labels.app}}\t{{.ID | upper}}"#, name: "ps")
        else { Issue.record("table"); return }
        let out = try TableWriter.renderTemplateTable(template: t, rows: [["Labels": ["app": "web"], "ID": "x"]])
        #expect(out == "LABELS      ID\nweb         X\n")
    }
}

