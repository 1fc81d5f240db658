// User resolution for --user/USER against an image's passwd and group files.
@testable import BerthEngine
import Testing

@Suite struct UserSpecTests {
    let passwd = """
        root:x:0:0:root:/root:/bin/sh
        app:x:1000:1001:App:/home/app:/bin/sh
        broken:x:notanumber:0::/:/bin/sh
        short:x:5
        nobody:x:65534:65534:nobody:/nonexistent:/bin/false

        """
    let group = """
        root:x:0:
        wheel:x:10:root,app
        appgroup:x:1001:
        extra:x:2000:app
        again:x:2000:app
        nogroup:x:65534:

        """

    private func failure(_ text: String) -> String? {
        do { _ = try UserSpec.resolve(text, passwd: passwd, group: group); return nil } catch { return "\(error)" }
    }

    @Test func empty_is_root_with_its_home_and_groups() throws {
        let spec = try UserSpec.resolve("", passwd: passwd, group: group)
        #expect(spec == UserSpec(uid: 0, gid: 0, groups: [10], home: "/root"))
        #expect(try UserSpec.resolve("", passwd: "", group: "") == UserSpec(uid: 0, gid: 0, groups: [], home: "/root"))
    }

    @Test func a_name_takes_uid_gid_home_and_supplementary_groups() throws {
        let spec = try UserSpec.resolve("app", passwd: passwd, group: group)
        #expect(spec == UserSpec(uid: 1000, gid: 1001, groups: [10, 2000], home: "/home/app"))
    }

    @Test func a_number_is_taken_as_given_with_its_entry_when_there_is_one() throws {
        #expect(try UserSpec.resolve("1000", passwd: passwd, group: group) == UserSpec(uid: 1000, gid: 1001, groups: [10, 2000], home: "/home/app"))
        #expect(try UserSpec.resolve("4242", passwd: passwd, group: group) == UserSpec(uid: 4242, gid: 0, groups: [], home: "/"))
        #expect(try UserSpec.resolve("4242:77", passwd: "", group: "") == UserSpec(uid: 4242, gid: 77, groups: [], home: "/"))
    }

    @Test func a_containers_process_has_a_given_users_primary_group_among_its_groups() throws {
        #expect(try UserSpec.resolve("app", passwd: passwd, group: group, primaryAmongGroups: true).groups == [10, 2000, 1001])
        #expect(try UserSpec.resolve("4242:77", passwd: "", group: "", primaryAmongGroups: true).groups == [77])
        #expect(try UserSpec.resolve("", passwd: passwd, group: group, primaryAmongGroups: true).groups == [10], "not the default root's")
    }

    @Test func name_and_group_override_the_primary_group() throws {
        #expect(try UserSpec.resolve("app:wheel", passwd: passwd, group: group) == UserSpec(uid: 1000, gid: 10, groups: [2000], home: "/home/app"))
        #expect(try UserSpec.resolve("app:5", passwd: passwd, group: group).gid == 5)
        #expect(try UserSpec.resolve("app:", passwd: passwd, group: group).gid == 1001, "an empty group keeps the user's")
    }

    @Test func unknown_names_fail_as_podman_says() {
        #expect(failure("ghost") == "unable to find user ghost: no matching entries in passwd file")
        #expect(failure("broken") == "unable to find user broken: no matching entries in passwd file")
        #expect(failure("short") == "unable to find user short: no matching entries in passwd file")
        #expect(failure("app:ghosts") == "unable to find group ghosts: no matching entries in group file")
        #expect(failure("ghost:wheel") == "unable to find user ghost: no matching entries in passwd file")
    }

    @Test func group_add_appends_named_and_numbered_groups_once() throws {
        let spec = try UserSpec.resolve("app", passwd: passwd, group: group, groupAdd: ["appgroup", "4242", "wheel", "root"])
        #expect(spec.groups == [10, 2000, 1001, 4242, 0], "the primary group too, as podman adds it; wheel only once")
        #expect(throws: ContainerError.self) { try UserSpec.resolve("", passwd: passwd, group: group, groupAdd: ["ghosts"]) }
        do { _ = try UserSpec.resolve("", passwd: passwd, group: group, groupAdd: ["ghosts"]) } catch {
            #expect("\(error)" == "unable to find group ghosts: no matching entries in group file")
        }
    }
}
