/// A UTC instant with whole-second precision, counted in seconds since the Unix epoch.
///
/// Business-time arithmetic is exact to the second, so instants are integers:
/// no floating point, no time zone. `Codable` as an ISO-8601 string
/// (`2026-12-28T08:30:00Z`).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var unixSeconds: Int64

    /// Creates the instant `unixSeconds` seconds after the Unix epoch.
    @inlinable
    public init(unixSeconds: Int64) {
        self.unixSeconds = unixSeconds
    }

    @inlinable
    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.unixSeconds < rhs.unixSeconds
    }

    /// The instant `seconds` later (earlier when negative).
    @inlinable
    public static func + (lhs: Instant, seconds: Int64) -> Instant {
        Instant(unixSeconds: lhs.unixSeconds + seconds)
    }

    /// The instant `seconds` earlier.
    @inlinable
    public static func - (lhs: Instant, seconds: Int64) -> Instant {
        Instant(unixSeconds: lhs.unixSeconds - seconds)
    }

    /// Elapsed seconds from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: Instant, rhs: Instant) -> Int64 {
        lhs.unixSeconds - rhs.unixSeconds
    }

    public var description: String { iso8601 }
}

// MARK: - ISO-8601

extension Instant {
    /// Parses an ISO-8601 date-time with an explicit offset.
    ///
    /// Accepts `YYYY-MM-DDTHH:MM:SS` followed by an optional fraction (truncated to
    /// the second) and `Z` or `±HH:MM` / `±HHMM` of at most ±14:00. A time without an offset is
    /// rejected: it does not name an instant.
    /// - Complexity: O(length of the text), no allocation.
    public init?(iso8601 text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ Instant.parseISO8601(UnsafeRawBufferPointer($0)) }) else {
            return nil
        }
        self = parsed
    }

    /// Parses ISO-8601 bytes (see `init?(iso8601:)`); the fast path for batch input.
    /// - Complexity: O(bytes.count), no allocation.
    public static func parseISO8601(_ bytes: UnsafeRawBufferPointer) -> Instant? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let c = bytes[i] &- 48
            return c < 10 ? Int64(c) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let a = digit(i), let b = digit(i + 1) else { return nil }
            return a * 10 + b
        }
        guard let y1 = two(0), let y2 = two(2), bytes[4] == UInt8(ascii: "-"),
              let month = two(5), bytes[7] == UInt8(ascii: "-"),
              let day = two(8), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = two(11), bytes[13] == UInt8(ascii: ":"),
              let minute = two(14), bytes[16] == UInt8(ascii: ":"),
              let second = two(17)
        else { return nil }
        let year = y1 * 100 + y2
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysInMonth(year: Int(year), month: Int(month)),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        if i < n, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
            i += 1
            let fractionStart = i
            while i < n, digit(i) != nil { i += 1 }
            guard i > fractionStart else { return nil }
        }
        guard i < n else { return nil }
        var offset: Int64 = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard i + 2 <= n, let oh = two(i) else { return nil }
            i += 2
            var om: Int64 = 0
            if i < n {
                if bytes[i] == UInt8(ascii: ":") { i += 1 }
                guard i + 2 <= n, let m = two(i) else { return nil }
                om = m
                i += 2
            }
            // Real UTC offsets lie within ±14:00 (Pacific/Kiritimati); +23:59 names no place.
            guard om < 60, oh * 60 + om <= 14 * 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = LocalDate.daysSinceEpoch(year: Int(year), month: Int(month), day: Int(day))
        return Instant(unixSeconds: Int64(days) * 86_400 + hour * 3600 + minute * 60 + second - offset)
    }

    /// The instant as UTC ISO-8601 with `Z` and whole seconds: `2026-12-28T08:30:00Z`.
    public var iso8601: String {
        String(unsafeUninitializedCapacity: 40) { buffer in
            writeISO8601(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Writes the ISO-8601 form (20 bytes for years 0000–9999, up to 40 otherwise) into `buffer`.
    /// - Returns: the number of bytes written.
    /// - Complexity: O(1), no allocation.
    @discardableResult
    public func writeISO8601(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let (days, secondOfDay) = unixSeconds.floorDivided(by: 86_400)
        let date = LocalDate(daysSinceEpoch: days)
        var i = 0
        @inline(__always) func put(_ c: UInt8) { buffer[i] = c; i += 1 }
        @inline(__always) func put2(_ v: Int) { put(UInt8(48 + v / 10)); put(UInt8(48 + v % 10)) }
        var year = date.year
        if year < 0 { put(UInt8(ascii: "-")); year = -year }
        if year > 9999 {
            let digits = Array(String(year).utf8)
            for d in digits { put(d) }
        } else {
            put2(year / 100); put2(year % 100)
        }
        put(UInt8(ascii: "-")); put2(date.month); put(UInt8(ascii: "-")); put2(date.day)
        put(UInt8(ascii: "T"))
        let s = Int(secondOfDay)
        put2(s / 3600); put(UInt8(ascii: ":")); put2(s / 60 % 60); put(UInt8(ascii: ":")); put2(s % 60)
        put(UInt8(ascii: "Z"))
        return i
    }
}

extension Instant: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let instant = Instant(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not an ISO-8601 date-time with an offset")
        }
        self = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

extension Int64 {
    /// Floor division and the non-negative remainder.
    @inlinable
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = self / divisor, r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
