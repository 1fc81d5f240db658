// keep-id's maps nested in the rootless user namespace (RootlessNetnsKeepID.swift):
// the user (0 of the rootless namespace) at its own id, the ids below shifted by
// one, the rest unchanged, and nothing when the range cannot hold the id.
@testable import BerthEngine
import BerthSystem
import Testing

@Suite struct RootlessNetnsKeepIDTests {
    @Test func the_users_id_is_zero_outside_and_the_others_fill_around_it() {
        let maps = Engine.nestedKeepIDMaps(inside: 1001, namespaceSize: 65537)
        #expect(maps == [IDMapping(containerID: 0, hostID: 1, size: 1001),
                         IDMapping(containerID: 1001, hostID: 0, size: 1),
                         IDMapping(containerID: 1002, hostID: 1002, size: 64535)])
    }

    @Test func an_id_the_namespace_cannot_hold_gets_no_nested_maps() {
        #expect(Engine.nestedKeepIDMaps(inside: 70000, namespaceSize: 65537) == nil)
        #expect(Engine.nestedKeepIDMaps(inside: 0, namespaceSize: 65537) == nil)
        #expect(Engine.nestedKeepIDMaps(inside: 65536, namespaceSize: 65537)?.count == 2, "the last id: nothing above it")
    }
}
