// The files that make a new container, written in its fresh directory under the store
// lock: the /etc files and .containerenv in place (nothing reads them before the
// container exists), then config.json atomically, which is what makes it exist for
// every other berth process. No state.json: a container without one reads as created
// (readState), which is all a new one's would say, and its first start writes it.
import BerthSystem

extension Engine {
    func writeNewContainerFiles(_ record: ContainerRecord) throws {
        try writeContainerEtcFiles(record, unpublished: true)
        try writeUnpublishedContainerEnvironment(record)
        try writeRecord(record)
    }
}
