// manifest inspect's indentation: Go's json.Indent layout, values untouched.
@testable import BerthTemplate
import Testing

@Suite struct JSONIndenterTests {
    @Test func indents_like_go_and_keeps_strings_as_they_are() {
        let compact = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"sha256:ab","size":12,"platform":{"architecture":"amd64","os":"linux"},"annotations":{}}],"x":"a\"b,{c}","e":[ ]}"#
        let expected = """
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [
                    {
                        "digest": "sha256:ab",
                        "size": 12,
                        "platform": {
                            "architecture": "amd64",
                            "os": "linux"
                        },
                        "annotations": {}
                    }
                ],
                "x": "a\\"b,{c}",
                "e": []
            }
            """
        #expect(JSONIndenter.indent(Array(compact.utf8)) == expected)
        #expect(JSONIndenter.indent(Array(expected.utf8)) == expected, "already indented input comes out the same")
    }
}
