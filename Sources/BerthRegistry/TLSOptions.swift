// How to trust registries, as podman's --tls-verify and --cert-dir spell it.
package struct TLSOptions: Sendable, Equatable {
    package static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"

    /// false for --tls-verify=false: no certificate or hostname checks at all.
    package var verify: Bool
    /// Every `*.crt` in it is trusted as a CA, beside the system store (podman's --cert-dir).
    package var certDirectory: String?
    package var systemCAFile: String

    package init(verify: Bool = true, certDirectory: String? = nil, systemCAFile: String = TLSOptions.systemCAFile) {
        self.verify = verify
        self.certDirectory = certDirectory
        self.systemCAFile = systemCAFile
    }
}
