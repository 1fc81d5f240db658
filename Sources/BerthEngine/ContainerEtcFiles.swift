// A container's /etc/hosts, /etc/hostname and /etc/resolv.conf (issue 12): written at
// create into its userdata directory and bind-mounted at start; hosts is rewritten in
// place as its networks' members change (NetworkHostsSync.swift). The flags --add-host,
// --dns, --dns-search, --dns-option, --no-hosts and --hostname end up here.
import BerthSystem

/// One line of /etc/hosts.
struct HostsEntry: Equatable {
    var address: String
    var names: [String]
}

/// The text of the files, from the record and what its start set up. Pure logic.
enum EtcFiles {
    /// podman's fallback when the host names no server a container can reach
    /// (only loopback ones, which are the container's own loopback inside its netns).
    static let fallbackServers = ["8.8.8.8", "8.8.4.4"]

    /// localhost, --add-host entries, host.containers.internal (HostContainersInternal),
    /// the container's own addresses under its hostname and name (127.0.1.1
    /// without a network of its own), then the other members of its networks.
    static func hosts(_ record: ContainerRecord, status: NetworkStatus?, peers: [HostsEntry]) -> String {
        var entries = [HostsEntry(address: "127.0.0.1", names: ["localhost", "localhost.localdomain"]),
                       HostsEntry(address: "::1", names: ["localhost", "localhost.localdomain"])]
        for entry in record.addHosts ?? [] {
            guard let (name, address) = addHost(entry) else { continue }
            entries.append(HostsEntry(address: address, names: [name]))
        }
        let interfaces = (status?.interfaces ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        if let host = HostContainersInternal.address(record, status: status) {
            entries.append(HostsEntry(address: host, names: [HostContainersInternal.name]))
        }
        let own = [record.hostname, record.name].reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let addresses = interfaces.flatMap { [$0.ipv4, $0.ipv6].compactMap(Engine.bareAddress) }
        if addresses.isEmpty {
            entries.append(HostsEntry(address: "127.0.1.1", names: own))
        } else {
            entries += addresses.map { HostsEntry(address: $0, names: own) }
        }
        var seen = Set<String>()
        for peer in peers where seen.insert(peer.address).inserted { entries.append(peer) }
        return entries.map { "\($0.address)\t\($0.names.joined(separator: " "))\n" }.joined()
    }

    /// --add-host NAME:IP split at the first colon (IPv6 addresses have more); nil when malformed.
    static func addHost(_ entry: String) -> (name: String, address: String)? {
        guard let colon = entry.firstIndex(of: ":") else { return nil }
        let name = String(entry[..<colon]), address = String(entry[entry.index(after: colon)...])
        guard !name.isEmpty, IPAddress(address) != nil else { return nil }
        return (name, address)
    }

    /// resolv.conf as podman builds it: the host's search domains, servers and options,
    /// each replaced by --dns-search (`.`: none), --dns and --dns-option when given.
    /// A container with a network namespace of its own cannot reach the host's loopback
    /// servers (systemd-resolved's 127.0.0.53 among them): those are dropped, and with
    /// none left podman's public fallback is used.
    static func resolvConf(_ record: ContainerRecord, host: String) -> String {
        var searches: [String] = [], servers: [String] = [], options: [String] = []
        for line in host.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = words.first else { continue }
            switch key {
            case "search", "domain": searches = Array(words.dropFirst())
            case "nameserver": servers += words.dropFirst().prefix(1)
            case "options": options += words.dropFirst()
            default: continue
            }
        }
        let sharesHostNetwork = record.network == "host"
        if let custom = record.dnsServers, !custom.isEmpty, custom != ["none"] {
            servers = custom
        } else if !sharesHostNetwork {
            servers = servers.filter { !isLoopback($0) }
            if servers.isEmpty { servers = fallbackServers }
        }
        if let custom = record.dnsSearch, !custom.isEmpty { searches = custom == ["."] ? [] : custom }
        if let custom = record.dnsOptions, !custom.isEmpty { options = custom }
        var text = searches.isEmpty ? "" : "search " + searches.joined(separator: " ") + "\n"
        text += servers.map { "nameserver \($0)\n" }.joined()
        if !options.isEmpty { text += "options " + options.joined(separator: " ") + "\n" }
        return text
    }

    static func isLoopback(_ server: String) -> Bool {
        guard let address = IPAddress(server) else { return false }
        return address.isIPv4 ? address.bytes[0] == 127 : address == IPAddress("::1")
    }
}

extension Engine {
    /// Where a host running systemd-resolved keeps the real servers: its /etc/resolv.conf
    /// names only the 127.0.0.53 stub, which no container can reach.
    static var hostResolvConf: String {
        let text = (try? FileSystem.readText("/etc/resolv.conf")) ?? ""
        let stubOnly = text.contains("nameserver 127.0.0.53") && !text.split(separator: "\n").contains {
            $0.hasPrefix("nameserver") && !$0.contains("127.0.0.53")
        }
        if stubOnly, let real = try? FileSystem.readText("/run/systemd/resolve/resolv.conf") { return real }
        return text
    }

    /// The three files at create; start rewrites hosts once the container's addresses are known.
    /// `unpublished`: the container's config.json is not written yet (create), so no
    /// other process reads these files and they are written in place (AtomicFile.writeUnpublished).
    func writeContainerEtcFiles(_ record: ContainerRecord, unpublished: Bool = false) throws {
        let dir = containerDir(record.id) + "/userdata"
        let write: (String, String) throws -> Void = unpublished
            ? { try AtomicFile.writeUnpublished($0, to: dir + "/" + $1) }
            : { try AtomicFile.write($0, to: dir + "/" + $1, durable: false) }
        try write(EtcFiles.hosts(record, status: nil, peers: []), "hosts")
        try write(record.hostname + "\n", "hostname")
        try write(EtcFiles.resolvConf(record, host: Engine.hostResolvConf), "resolv.conf")
    }

    /// Checks --add-host, --dns and --no-hosts at create, as podman does.
    static func validateEtcFlags(noHosts: Bool, addHosts: [String], dnsServers: [String]) throws {
        if noHosts && !addHosts.isEmpty { throw ContainerError.invalid("--no-hosts and --add-host cannot be set together") }
        for entry in addHosts where EtcFiles.addHost(entry) == nil {
            throw ContainerError.invalid("invalid --add-host \"\(entry)\": use HOST:IP with an IPv4 or IPv6 address")
        }
        if dnsServers.contains("none") {
            if dnsServers.count > 1 { throw ContainerError.invalid("--dns none cannot be combined with other servers") }
            return
        }
        for server in dnsServers where IPAddress(server) == nil {
            throw ContainerError.invalid("\(server) is not an ip address")
        }
    }
}
