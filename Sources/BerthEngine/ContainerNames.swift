// Container names are unique: containers/names/<name> is a symlink to the ID,
// created with symlink(2)'s atomic EEXIST, so no command scans every record to
// check a name and two racing creates cannot both win.
import BerthSystem

struct ContainerNames {
    let engine: Engine

    init(_ engine: Engine) { self.engine = engine }

    private var dir: String { engine.containersDir + "/names" }

    func owner(of name: String) -> String? {
        guard let id = try? FileSystem.readLink(dir + "/" + name) else { return nil }
        // A link left by a crash between claim and record is not an owner.
        return FileSystem.exists(engine.containersDir + "/" + id + "/config.json") ? id : nil
    }

    /// Takes `name` for `id`, or throws `nameInUse` naming its holder. `create
    /// --replace` removes the holder itself, outside the store lock: removing waits
    /// for the container's parent, which takes its lock and then the store's.
    func claim(_ name: String, for id: String) throws {
        try FileSystem.makeDirectories(dir, mode: 0o700)
        for _ in 0..<3 {
            do {
                return try FileSystem.symlink(id, at: dir + "/" + name)
            } catch let error as SystemError where error.isAlreadyExisting {}
            if let other = owner(of: name) {
                throw ContainerError.nameInUse(name, id: other)
            } else {
                try FileSystem.unlinkIfPresent(dir + "/" + name)
            }
        }
        throw ContainerError.invalid("could not claim the name \(name): it keeps being taken")
    }

    /// Claims a generated name for `id`. One that another container holds (or that
    /// a racing create took first) is not an error the user should see: draw another.
    func claimGenerated(for id: String) throws -> String {
        for _ in 0..<100 {
            let name = ContainerNameWords.random()
            do {
                try claim(name, for: id)
                return name
            } catch ContainerError.nameInUse {
                continue
            }
        }
        throw ContainerError.invalid("no free generated container name after 100 tries: give one with --name")
    }

    func release(_ name: String, for id: String) {
        if (try? FileSystem.readLink(dir + "/" + name)) == id { try? FileSystem.unlinkIfPresent(dir + "/" + name) }
    }
}
