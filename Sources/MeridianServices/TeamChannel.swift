import Foundation
import TicketRouting
import Synchronization

/// Where a worker hands its assignments to the support team.
public protocol TeamChannel: Sendable {
    /// Delivers one assignment; throwing leaves the work unacknowledged, to be delivered again.
    func deliver(_ assignment: Assignment) async throws
}

/// The default channel: one JSON line per assignment on standard output.
public struct StandardOutputChannel: TeamChannel {
    private static let lock = Mutex(())

    public init() {}

    public func deliver(_ assignment: Assignment) async throws {
        var line = try JSONCoding.encode(assignment)
        line.append(UInt8(ascii: "\n"))
        Self.lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}

/// A channel that calls a closure: the demo's simulated agents, and tests.
public struct ClosureChannel: TeamChannel {
    private let body: @Sendable (Assignment) async throws -> Void

    public init(_ body: @escaping @Sendable (Assignment) async throws -> Void) {
        self.body = body
    }

    public func deliver(_ assignment: Assignment) async throws {
        try await body(assignment)
    }
}
