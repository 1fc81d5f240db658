// berth's version: what `version` prints and .containerenv names as the engine.
package enum BerthVersion {
    package static let version = "0.1.0"
}
