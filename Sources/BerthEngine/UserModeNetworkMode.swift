// The text of `--network pasta[:OPTIONS]` and `--network slirp4netns[:OPTIONS]`,
// read as podman reads it: pasta's options are its own command-line arguments
// separated by commas (`pasta:-I,tap0,--map-gw`), slirp4netns's are podman's
// KEY=VALUE settings (`slirp4netns:allow_host_loopback=true,mtu=1500`).

/// A user-mode network helper and what the user asked of it.
struct UserModeNetworkMode: Equatable {
    enum Helper: String { case pasta, slirp4netns }

    var helper: Helper
    /// pasta: the user's arguments, `--map-gw` taken out (podman's own word, not
    /// pasta's: it means "leave out --no-map-gw").
    var pastaArguments: [String] = []
    var mapGateway = false
    var slirp = SlirpOptions()

    /// podman's settings for slirp4netns and their defaults (podman 4.3: MTU 65520,
    /// IPv6 on, the host's loopback closed).
    struct SlirpOptions: Equatable {
        var allowHostLoopback = false
        /// The network slirp4netns makes: the container is .100, the gateway .2, DNS .3.
        var cidr = "10.0.2.0/24"
        var enableIPv6 = true
        var mtu = 65520
        var outboundAddress: String?
        var outboundAddress6: String?
    }

    /// Whether `mode` (record.network) names a user-mode helper at all.
    static func isUserMode(_ mode: String) -> Bool {
        (try? helper(of: mode)) != nil
    }

    private static func helper(of mode: String) throws -> (Helper, options: String?) {
        let name = mode.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let helper = Helper(rawValue: String(name[0])) else {
            throw NetworkError.invalid("network mode \"\(mode)\" is not pasta or slirp4netns")
        }
        return (helper, name.count > 1 ? String(name[1]) : nil)
    }

    init(parsing mode: String) throws {
        let (helper, text) = try Self.helper(of: mode)
        self.helper = helper
        let options = text.map { $0.split(separator: ",", omittingEmptySubsequences: true).map(String.init) } ?? []
        switch helper {
        case .pasta: try readPasta(options)
        case .slirp4netns: for option in options { try readSlirp(option) }
        }
    }

    /// Arguments berth gives pasta itself (its process, namespace and readiness
    /// report): the user's own would break the helper's life as berth runs it.
    private static let pastaArgumentsOfBerth: Set<String> = ["-P", "--pid", "--netns", "--userns", "--netns-only", "-f", "--foreground"]

    private mutating func readPasta(_ options: [String]) throws {
        for option in options {
            let name = option.split(separator: "=", maxSplits: 1).first.map(String.init) ?? option
            if Self.pastaArgumentsOfBerth.contains(name) {
                throw NetworkError.invalid("pasta option \(name) cannot be given: berth starts pasta with its own \(name)")
            }
            if option == "--map-gw" {
                mapGateway = true
            } else {
                pastaArguments.append(option)
            }
        }
    }

    private mutating func readSlirp(_ option: String) throws {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw NetworkError.invalid("unknown option for slirp4netns: \"\(option)\"") }
        let (key, value) = (parts[0], parts[1])
        func flag() throws -> Bool {
            switch value {
            case "true": return true
            case "false": return false
            default: throw NetworkError.invalid("invalid value of \(key) for slirp4netns: \(value)")
            }
        }
        switch key {
        case "allow_host_loopback": slirp.allowHostLoopback = try flag()
        case "enable_ipv6": slirp.enableIPv6 = try flag()
        case "cidr":
            guard let network = IPv4Network(value) else { throw NetworkError.invalid("invalid cidr \"\(value)\"") }
            guard network.prefix <= 25 else {
                throw NetworkError.invalid("invalid cidr \"\(value)\": slirp4netns needs room for the container at .100 (a /25 or larger)")
            }
            slirp.cidr = value
        case "mtu":
            guard let mtu = Int(value), mtu >= 68, mtu <= 65521 else { throw NetworkError.invalid("invalid mtu \"\(value)\"") }
            slirp.mtu = mtu
        case "outbound_addr":
            guard IPv4Network.octets(value) != nil else { throw NetworkError.invalid("invalid outbound_addr \"\(value)\"") }
            slirp.outboundAddress = value
        case "outbound_addr6":
            guard value.contains(":"), value.allSatisfy({ $0.isHexDigit || $0 == ":" }) else {
                throw NetworkError.invalid("invalid outbound_addr6 \"\(value)\"")
            }
            slirp.outboundAddress6 = value
        case "port_handler":
            switch value {
            case "slirp4netns": break
            case "rootlesskit":
                throw NetworkError.invalid("port_handler=rootlesskit is not supported: berth publishes ports through slirp4netns's own forwarding (port_handler=slirp4netns)")
            default: throw NetworkError.invalid("unknown port_handler for slirp4netns: \"\(value)\"")
            }
        default: throw NetworkError.invalid("unknown option for slirp4netns: \"\(option)\"")
        }
    }
}

/// An IPv4 network in CIDR notation, enough for slirp4netns's addresses.
struct IPv4Network: Equatable {
    var address: UInt32
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let octets = Self.octets(String(parts[0])),
              let prefix = Int(parts[1]), (0...32).contains(prefix) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        address = octets.reduce(0) { $0 << 8 | UInt32($1) } & mask
        self.prefix = prefix
    }

    /// The four numbers of a dotted quad, nil when `text` is not one.
    static func octets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let numbers = parts.compactMap { $0.count <= 3 && $0.allSatisfy(\.isASCII) ? UInt8($0) : nil }
        return numbers.count == 4 ? numbers : nil
    }

    /// The address `offset` into the network, dotted ("10.0.2.100" for 100).
    func host(_ offset: UInt32) -> String {
        let value = address + offset
        return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
    }
}
