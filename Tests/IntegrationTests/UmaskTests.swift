// berth run by a user whose umask is 077 (root's, on hardened hosts): what berth makes
// for a container to see (its root, the layers' roots, mount targets, the working
// directory) gets the modes a container expects, as podman's, so a non-root container
// user can still search it; the store's own directories keep the user's umask.
import Testing
import TestSupport

@Suite struct UmaskTests {
    @Test(arguments: Mode.available)
    func a_non_root_container_user_works_when_berth_runs_under_umask_077(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let tarball = try busyboxTarball(sb)
        let berth = berthLine(sb)
        let result = shell(sb, """
            umask 077
            \(berth) import --change CMD=/bin/sh \(tarball) img >/dev/null || exit 1
            \(berth) run --rm --network none --user 65534 img true && echo plain-ok
            \(berth) run --rm --network none --user 65534 --tmpfs /a/b/c -w /w/x img sh -c 'touch /a/b/c/f && pwd && cat /etc/hosts >/dev/null && echo inside-ok'
            \(berth) run --rm --network none --user 65534 --read-only img sh -c 'ls -d /bin'
            stat -c %a \(sb.root)/layers
            """)
        #expect(result.stdout == "plain-ok\n/w/x\ninside-ok\n/bin\n700\n", "\(result)")
    }
}
