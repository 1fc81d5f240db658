// Polling for a state another process reaches in its own time (a process gone,
// a file whole): a loaded machine is slow, so tests wait for it rather than sleep.
import Foundation

/// Whether `condition` holds within `seconds`, checked every 50 ms.
public func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
