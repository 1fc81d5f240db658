// Name resolution between containers without a DNS daemon (issue 12): each member's
// bind-mounted /etc/hosts is rewritten in place (same inode) as members come and go.
// Placeholder until the user-network work lands.

extension Engine {
    /// Rewrites this container's /etc/hosts in place (same inode) from what its start
    /// set up (`status`) and the other members of its networks.
    func writeHosts(of record: ContainerRecord, status: NetworkStatus) throws {}

    /// Rewrites, in place and under the network's lock, the /etc/hosts of every running
    /// member of `network`: after a member joined or left.
    func refreshMembersHosts(network: String) {}
}
