import Foundation
import Synchronization

/// The shared, thread-safe storage behind every copy of a `BusinessCalendar`.
///
/// Holds the current `IntervalTable` behind an atomic pointer. Readers load the pointer
/// (one acquire load, no lock, no reference counting) and binary-search the table. A
/// query outside the table's range takes the lock, compiles a larger table (at least 1.5×
/// the old range) and publishes it. Every table ever published stays alive until the
/// engine dies, so a reader that loaded an older pointer can still use it; because each
/// table is at least 1.5× the previous one, they add up to at most 3× the largest.
final class CalendarEngine: Sendable {
    let spec: CalendarSpec
    let compiler: CalendarCompiler
    private let current: Atomic<Unmanaged<IntervalTable>>
    /// Every table published, oldest first. Owns them (the atomic pointer does not).
    private let published: Mutex<[IntervalTable]>

    /// Local days of the first table: 2020-01-01 ..< 2036-01-01.
    static let initialFirstDay = LocalDate.daysSinceEpoch(year: 2020, month: 1, day: 1)
    static let initialEndDay = LocalDate.daysSinceEpoch(year: 2036, month: 1, day: 1)
    /// Tables never extend beyond local days 1900-01-01 ..< 2400-01-01.
    static let minDay = LocalDate.daysSinceEpoch(year: 1900, month: 1, day: 1)
    static let maxDay = LocalDate.daysSinceEpoch(year: 2400, month: 1, day: 1)
    /// Instants with business time: a day inside the table limits whatever the offset.
    static let domainLower = LocalDate.daysSinceEpoch(year: 1900, month: 1, day: 2) * 86_400
    static let domainUpper = LocalDate.daysSinceEpoch(year: 2399, month: 12, day: 31) * 86_400

    init(spec: CalendarSpec, compiler: CalendarCompiler) throws(CalendarError) {
        self.spec = spec
        self.compiler = compiler
        let table = compiler.compile(firstDay: CalendarEngine.initialFirstDay, endDay: CalendarEngine.initialEndDay)
        // Recurring weekly hours that a zone's rules reduce to nothing in 16 years.
        guard table.total > 0 else { throw .noOpenTime }
        current = Atomic(Unmanaged.passUnretained(table))
        published = Mutex([table])
    }

    /// The current table (may not cover what the caller needs).
    @inline(__always)
    var table: Unmanaged<IntervalTable> { current.load(ordering: .acquiring) }

    /// A table whose exact range contains `[a, b]`; both must lie in the domain.
    /// - Complexity: O(1) when covered; otherwise a compile of the larger range.
    @inline(__always)
    func table(covering a: Int64, _ b: Int64) -> Unmanaged<IntervalTable> {
        let t = current.load(ordering: .acquiring)
        if t._withUnsafeGuaranteedRef({ $0.lo <= a && b < $0.hi }) { return t }
        return extend { old in
            let firstDay = a.floorDivided(by: 86_400).quotient - 2
            let endDay = b.floorDivided(by: 86_400).quotient + 3
            return (min(firstDay, old.firstDay), max(endDay, old.endDay))
        }
    }

    /// Publishes a table with at least the days `wanted(current)` asks for, grown by at least
    /// half the current span on each side that grows, within `minDay..<maxDay`.
    @inline(never)
    func extend(_ wanted: (IntervalTable) -> (Int64, Int64)) -> Unmanaged<IntervalTable> {
        published.withLock { tables in
            let old = tables[tables.count - 1]
            var (firstDay, endDay) = wanted(old)
            let growth = (old.endDay - old.firstDay) / 2
            if firstDay < old.firstDay { firstDay = min(firstDay, old.firstDay - growth) }
            if endDay > old.endDay { endDay = max(endDay, old.endDay + growth) }
            firstDay = max(firstDay, CalendarEngine.minDay)
            endDay = min(endDay, CalendarEngine.maxDay)
            if firstDay >= old.firstDay && endDay <= old.endDay { return Unmanaged.passUnretained(old) }
            let table = compiler.compile(firstDay: firstDay, endDay: endDay)
            tables.append(table)
            let pointer = Unmanaged.passUnretained(table)
            current.store(pointer, ordering: .releasing)
            return pointer
        }
    }

    /// A table that also has the days after the current one's end, sized to hold about
    /// `moreBusinessSeconds` more (by the current table's density), at least 1.5× bigger.
    func extendForward(moreBusinessSeconds: Int64) -> Unmanaged<IntervalTable> {
        extend { old in
            let density = Double(max(old.total, 1)) / Double(max(old.hi - old.lo, 1))
            let days = min(Double(moreBusinessSeconds) / density / 86_400 * 1.25 + 31, 1e6)
            return (old.firstDay, old.endDay + Int64(days))
        }
    }

    /// Bytes held by all published tables.
    var byteCount: Int {
        published.withLock { $0.reduce(0) { $0 + $1.byteCount } } + MemoryLayout<CalendarEngine>.size
    }

    /// Local days covered by the current table.
    var coveredDays: Range<Int64> {
        table._withUnsafeGuaranteedRef { $0.firstDay..<$0.endDay }
    }

    /// The zone's offset at `t`: from the current table when it covers `t`, else Foundation.
    func offset(at t: Int64) -> Int32 {
        let fromTable: Int32? = table._withUnsafeGuaranteedRef { $0.zone.covers(t) ? $0.zone.offset(at: t) : nil }
        if let fromTable { return fromTable }
        return Int32(compiler.timeZone.value.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
    }

    /// The instant of local seconds `local`, resolved per `ZoneTable.resolve(local:)`.
    func resolve(local: Int64) -> Int64 {
        let fromTable: Int64? = table._withUnsafeGuaranteedRef {
            $0.zone.covers(local - 2 * 86_400) && $0.zone.covers(local + 2 * 86_400) ? $0.zone.resolve(local: local) : nil
        }
        if let fromTable { return fromTable }
        return ZoneTable(compiler.timeZone.value, from: local - 3 * 86_400, to: local + 3 * 86_400).resolve(local: local)
    }
}
