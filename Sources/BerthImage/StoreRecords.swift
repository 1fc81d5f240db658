// berth's own records in the store (design.md §3): one JSON file per image and
// per unpacked layer, written atomically and never edited in place.
package struct ImageRecord: Codable, Sendable {
    /// The image ID: the hex digest of the config blob.
    package var id: String
    package var names: [String]
    package var manifestDigest: Digest
    package var manifestMediaType: String
    package var configDigest: Digest
    /// Chain IDs (hex) of the layers, bottom first.
    package var layers: [String]
    /// Sum of the layers' uncompressed sizes.
    package var size: Int64
    /// When the image was created (from its config), RFC 3339.
    package var created: String?
    /// When this store received it, seconds since the epoch.
    package var stored: Double
    /// Other manifest digests that name this image: the index (manifest list) it was
    /// pulled through. Shown in RepoDigests beside `manifestDigest`.
    package var otherDigests: [Digest]?
    /// A build step's image: `images` hides it unless asked for all (-a), as podman
    /// hides intermediate images. Absent in records written before builds existed.
    package var isIntermediate: Bool?

    /// An untagged build step's image: what `images` leaves out without -a.
    package var isHiddenIntermediate: Bool { isIntermediate == true && names.isEmpty }

    package init(id: String, names: [String], manifestDigest: Digest, manifestMediaType: String, configDigest: Digest,
                 layers: [String], size: Int64, created: String?, stored: Double) {
        self.id = id
        self.names = names
        self.manifestDigest = manifestDigest
        self.manifestMediaType = manifestMediaType
        self.configDigest = configDigest
        self.layers = layers
        self.size = size
        self.created = created
        self.stored = stored
    }
}

package struct LayerRecord: Codable, Sendable {
    package var chainID: String
    package var diffID: Digest
    package var parent: String?
    /// Bytes of the uncompressed tar stream.
    package var size: Int64
    /// The blob this layer was unpacked from, as stored in blobs/.
    package var blob: Digest
    package var blobMediaType: String
    package var blobSize: Int64
}

/// Chain IDs per the OCI image spec: the first is the first diff ID; each next
/// one is sha256 of "<parent chain ID> <diff ID>".
package func chainIDs(of diffIDs: [Digest]) -> [Digest] {
    var result: [Digest] = []
    for diffID in diffIDs {
        if let parent = result.last {
            result.append(Digest.of(parent.description + " " + diffID.description))
        } else {
            result.append(diffID)
        }
    }
    return result
}
