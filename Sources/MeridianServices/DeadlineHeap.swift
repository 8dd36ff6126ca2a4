public import BusinessTime

/// A min-heap of deadlines with payloads: the timers of a worker's SLA clocks.
///
/// Cancelled timers are not removed: the owner checks a popped timer against the
/// clock's current state (the SLA clock ignores a timer it no longer wants), which
/// keeps every operation cheap and the entries small for a million clocks.
public struct DeadlineHeap<Payload> {
    @usableFromInline
    struct Entry {
        @usableFromInline var deadline: Instant
        @usableFromInline var sequence: UInt64
        @usableFromInline var payload: Payload
    }

    @usableFromInline var entries: [Entry] = []
    @usableFromInline var nextSequence: UInt64 = 0

    public init() {}

    /// The number of timers held, cancelled ones included.
    public var count: Int { entries.count }

    /// The earliest deadline, if any.
    /// - Complexity: O(1).
    public var earliest: Instant? { entries.first?.deadline }

    /// Adds a timer. Timers with equal deadlines pop in insertion order.
    /// - Complexity: O(log n).
    public mutating func insert(_ payload: Payload, at deadline: Instant) {
        entries.append(Entry(deadline: deadline, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        siftUp(entries.count - 1)
    }

    /// Removes and returns the earliest timer if it is due at `now` or before.
    /// - Complexity: O(log n).
    public mutating func popDue(at now: Instant) -> (deadline: Instant, payload: Payload)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return (first.deadline, first.payload)
    }

    /// Removes every timer.
    public mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        let entry = entries[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(entry, entries[parent]) else { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let entry = entries[parent]
        let count = entries.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, Self.before(entries[child + 1], entries[child]) { child += 1 }
            guard Self.before(entries[child], entry) else { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = entry
    }
}

extension DeadlineHeap: Sendable where Payload: Sendable {}
extension DeadlineHeap.Entry: Sendable where Payload: Sendable {}
