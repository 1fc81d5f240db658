// The JSON documents of the OCI image spec (and Docker schema 2, which has the
// same shape), with the spec's exact field names.
package struct Platform: Codable, Sendable, Equatable {
    package var architecture: String
    package var os: String
    package var variant: String?

    package init(architecture: String, os: String, variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }
}

package struct Descriptor: Codable, Sendable, Equatable {
    package var mediaType: String
    package var digest: Digest
    package var size: Int64
    package var annotations: [String: String]?
    package var platform: Platform?

    package init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }
}

package struct Manifest: Codable, Sendable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var config: Descriptor
    package var layers: [Descriptor]
    package var annotations: [String: String]?

    package init(mediaType: String, config: Descriptor, layers: [Descriptor]) {
        schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
    }
}

package struct ImageIndex: Codable, Sendable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var manifests: [Descriptor]

    package init(manifests: [Descriptor]) {
        schemaVersion = 2
        mediaType = MediaType.ociIndex
        self.manifests = manifests
    }
}

/// Marker for JSON's `{}` values in ExposedPorts and Volumes.
package struct EmptyObject: Codable, Sendable, Equatable {
    package init() {}
}

package struct ContainerConfig: Codable, Sendable {
    package var User: String?
    package var ExposedPorts: [String: EmptyObject]?
    package var Env: [String]?
    package var Entrypoint: [String]?
    package var Cmd: [String]?
    package var Volumes: [String: EmptyObject]?
    package var WorkingDir: String?
    package var Labels: [String: String]?
    package var StopSignal: String?
    /// Docker's extensions, written by `build` and `commit` (podman keeps them in
    /// docker-format images; berth keeps them in both, so ONBUILD works with OCI too).
    package var Healthcheck: HealthConfig?
    package var OnBuild: [String]?
    package var Shell: [String]?

    package init() {}
}

/// Docker's HEALTHCHECK in an image config: durations in nanoseconds.
package struct HealthConfig: Codable, Sendable, Equatable {
    /// `["NONE"]`, `["CMD", arg…]` or `["CMD-SHELL", command]`.
    package var Test: [String]?
    package var Interval: Int64?
    package var Timeout: Int64?
    package var StartPeriod: Int64?
    package var StartInterval: Int64?
    package var Retries: Int?

    package init(test: [String]) { Test = test }
}

package struct RootFS: Codable, Sendable {
    package var type: String
    package var diff_ids: [Digest]

    package init(diffIDs: [Digest]) {
        type = "layers"
        diff_ids = diffIDs
    }
}

package struct HistoryEntry: Codable, Sendable {
    package var created: String?
    package var created_by: String?
    package var author: String?
    package var comment: String?
    package var empty_layer: Bool?

    package init(created: String?, createdBy: String?, comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created
        self.created_by = createdBy
        self.comment = comment
        self.empty_layer = emptyLayer
    }
}

package struct ImageConfig: Codable, Sendable {
    package var created: String?
    package var author: String?
    /// Docker's image-level comment (`commit -m`, docker format only).
    package var comment: String?
    package var architecture: String
    package var os: String
    package var variant: String?
    package var config: ContainerConfig?
    package var rootfs: RootFS
    package var history: [HistoryEntry]?

    package init(architecture: String, os: String, rootfs: RootFS) {
        self.architecture = architecture
        self.os = os
        self.rootfs = rootfs
    }
}
