/// Polls `condition` until it holds or `timeout` passes: tests wait for a state,
/// never for a fixed time.
/// - Throws: `WaitTimeout` naming the caller's location when the deadline passes.
public func waitUntil(
    timeout: Duration = .seconds(10),
    _ what: String = "condition",
    file: String = #fileID, line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        if ContinuousClock.now >= deadline { throw WaitTimeout(what: what, location: "\(file):\(line)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A condition awaited by `waitUntil` did not hold in time.
public struct WaitTimeout: Error, CustomStringConvertible {
    public var what: String
    public var location: String
    public var description: String { "timed out waiting for \(what) at \(location)" }
}
