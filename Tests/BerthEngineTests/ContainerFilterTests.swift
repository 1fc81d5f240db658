// ps --filter as the engine evaluates it: podman's keys, values of one key or'ed,
// keys and'ed, label= conditions all required, bad filters refused.
import Testing

@testable import BerthEngine

private func container(_ name: String, id: String, image: String = "localhost/img:latest", imageID: String = "aa11",
                       created: Double, labels: [String: String] = [:],
                       status: ContainerStatus = .created, exitCode: Int32 = 0) -> ContainerDetails {
    let record = ContainerRecord(
        id: id, name: name, imageID: imageID, imageName: image, layers: [], created: created, path: "true", args: [],
        entrypoint: [], cmd: ["true"], env: [], workingDir: "/", user: "", hostname: name, mounts: [], readOnly: false,
        privileged: false, capAdd: [], capDrop: [], seccomp: nil, noNewPrivileges: false, useInit: false, network: "host",
        tty: false, interactive: false, autoRemove: false, ulimits: [], userns: "", labels: labels, stopSignal: "SIGTERM",
        isRootless: false)
    var state = ContainerState(status: status)
    state.exitCode = exitCode
    return ContainerDetails(record: record, state: state)
}

private let web = container("web", id: "1111aaaa", created: 100, labels: ["tier": "front", "team": "a"], status: .running)
private let db = container("db", id: "2222bbbb", image: "localhost/postgres:16", imageID: "bb22", created: 200,
                           labels: ["tier": "back"], status: .exited, exitCode: 3)
private let job = container("webjob", id: "3333cccc", created: 300, status: .exited, exitCode: 0)
private let all = [web, db, job]

/// The names the filters keep, images resolved by the given table and containers by name.
private func kept(_ filters: [String], images: [String: String] = [:]) throws -> [String] {
    let parsed = try ContainerFilters(filters, imageID: { images[$0] },
                                      created: { name in all.first { $0.record.name == name }?.record.created })
    return all.filter(parsed.matches).map(\.record.name)
}

@Suite struct ContainerFilterTests {
    @Test func no_filter_keeps_everything() throws {
        #expect(try kept([]) == ["web", "db", "webjob"])
    }

    @Test func status_name_and_id() throws {
        #expect(try kept(["status=running"]) == ["web"])
        #expect(try kept(["status=exited"]) == ["db", "webjob"])
        #expect(try kept(["name=web"]) == ["web", "webjob"], "a name filter matches part of the name")
        #expect(try kept(["id=2222"]) == ["db"], "an id filter matches the start of the ID")
        #expect(try kept(["id=bbbb"]).isEmpty)
    }

    @Test func values_of_one_key_are_ored_and_keys_anded() throws {
        #expect(try kept(["status=running", "status=exited"]) == ["web", "db", "webjob"])
        #expect(try kept(["name=web", "status=exited"]) == ["webjob"])
        #expect(try kept(["name=db", "name=job"]) == ["db", "webjob"])
    }

    @Test func labels_must_all_hold() throws {
        #expect(try kept(["label=tier"]) == ["web", "db"])
        #expect(try kept(["label=tier=back"]) == ["db"])
        #expect(try kept(["label=tier=front", "label=team=a"]) == ["web"])
        #expect(try kept(["label=tier=front", "label=team=b"]).isEmpty, "label= conditions are and'ed, as podman's")
    }

    @Test func exited_before_since_and_ancestor() throws {
        #expect(try kept(["exited=3"]) == ["db"])
        #expect(try kept(["exited=0"]) == ["webjob"], "a running container has no exit code to match")
        #expect(try kept(["before=db"]) == ["web"])
        #expect(try kept(["since=db"]) == ["webjob"])
        #expect(try kept(["ancestor=postgres"]) == ["db"], "part of the image name")
        #expect(try kept(["ancestor=other"], images: ["other": "aa11"]) == ["web", "webjob"], "another name of the same image")
        #expect(try kept(["ancestor=bb2"]) == ["db"], "an image ID prefix")
    }

    @Test func bad_filters_are_refused_naming_the_filter() {
        #expect(throws: ContainerError.self) { try kept(["status=sleepy"]) }
        #expect(throws: ContainerError.self) { try kept(["colour=blue"]) }
        #expect(throws: ContainerError.self) { try kept(["nameweb"]) }
        #expect(throws: ContainerError.self) { try kept(["exited=three"]) }
        #expect(throws: ContainerError.self) { try kept(["before=nosuch"]) }
        do {
            _ = try kept(["colour=blue"])
        } catch {
            #expect("\(error)".contains("colour=blue") && "\(error)".contains("status="), "\(error)")
        }
    }

    @Test func status_filter_is_what_decides_running_only() throws {
        let none = try ContainerFilters([], imageID: { _ in nil }, created: { _ in nil })
        let status = try ContainerFilters(["status=exited"], imageID: { _ in nil }, created: { _ in nil })
        #expect(!none.constrainsStatus && status.constrainsStatus)
    }
}

@Suite struct GeneratedNameTests {
    @Test func the_name_space_is_as_large_as_podmans() {
        let adjectives = Set(ContainerNameWords.adjectives), nouns = Set(ContainerNameWords.nouns)
        #expect(adjectives.count == ContainerNameWords.adjectives.count && nouns.count == ContainerNameWords.nouns.count, "no repeats")
        #expect(adjectives.count * nouns.count >= 23_000, "docker's generator: ~25,000 names")
        let valid = { (word: String) in !word.isEmpty && word.allSatisfy { $0.isASCII && $0.isLowercase } }
        #expect(adjectives.allSatisfy(valid) && nouns.allSatisfy(valid))
        #expect(Engine.isValidName(ContainerNameWords.random()))
    }
}
