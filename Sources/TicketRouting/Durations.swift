/// Why a duration, count or number from a config file, the command line or the environment was
/// refused: the text as given and a sentence that says what to write instead.
public struct QuantityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that was refused.
    public var text: String
    /// What is wrong, e.g. `"3000000h" is more than the maximum of 87600h`.
    public var message: String

    public init(text: String, message: String) {
        self.text = text
        self.message = message
    }

    public var description: String { message }
}

/// Durations: `90d`, `2h`, `30m`, `20s`, `1h30m`, `1d12h`, or a bare number of seconds.
///
/// The one parser for durations in the config and in command options. Units go from large to
/// small, each at most once (`d` = 86,400 s, `h`, `m`, `s`); only whole numbers; no sign. Every
/// caller gives a maximum: overflow, negative values, NaN or infinity (`nan`, `inf`, `1e30`),
/// empty text and garbage are refused with a message, never trapped on.
public enum DurationText {
    /// Whether `d` (days of 86,400 s) is accepted. Business-time targets refuse it: a "day" of
    /// business time is ambiguous (8 business hours? 24?).
    public enum Days: Sendable {
        case allowed, refused
    }

    /// Ten years (87,600 h): the largest duration the config accepts (SLA targets, margins,
    /// intake window).
    public static let tenYears: Int64 = 87_600 * 3600

    /// Parses `text` into whole seconds.
    /// - Parameters:
    ///   - allowZero: whether `0` (or `0s`, `0h`, ...) is accepted.
    ///   - maximum: the largest accepted value, in seconds.
    ///   - days: whether the `d` unit is accepted.
    /// - Throws: `QuantityError` saying what is wrong.
    /// - Complexity: O(text.count).
    public static func parse(
        _ text: some StringProtocol, allowZero: Bool = false, maximum: Int64, days: Days = .allowed
    ) throws(QuantityError) -> Int64 {
        let original = String(text)
        let s = Substring(text).trimmingWhitespace
        func fail(_ message: String) -> QuantityError { QuantityError(text: original, message: message) }
        let example = days == .allowed ? "e.g. 90d, 2h, 30m, 1h30m or 20s" : "e.g. 2h, 30m, 1h30m or 20s"
        guard !s.isEmpty else { throw fail("the duration is empty; write \(example)") }
        if s.first == "-" { throw fail("\"\(original)\" is negative; a duration is at least 0") }
        var total: Int64 = 0
        var number: Int64? = nil
        var overflow = false
        var lastRank = 5
        for c in s.utf8 {
            if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                number = a
                continue
            }
            let unit: (rank: Int, seconds: Int64)
            switch c {
            case UInt8(ascii: "d") where days == .allowed: unit = (4, 86_400)
            case UInt8(ascii: "d"):
                throw fail("\"\(original)\": days are ambiguous in business time; write hours, e.g. 72h")
            case UInt8(ascii: "h"): unit = (3, 3600)
            case UInt8(ascii: "m"): unit = (2, 60)
            case UInt8(ascii: "s"): unit = (1, 1)
            default: throw fail("\"\(original)\" is not a duration; write \(example)")
            }
            guard let n = number, unit.rank < lastRank else {
                throw fail("\"\(original)\" is not a duration; write \(example) (units large to small, each once)")
            }
            lastRank = unit.rank
            let (p, o1) = n.multipliedReportingOverflow(by: unit.seconds)
            let (t, o2) = total.addingReportingOverflow(p)
            overflow = overflow || o1 || o2
            total = t
            number = nil
        }
        if let n = number {
            // A bare number is seconds; a number after units (`1h30`) is ambiguous.
            guard lastRank == 5 else { throw fail("\"\(original)\": give the unit of the last number, e.g. 1h30m") }
            total = n
        }
        guard !overflow, total <= maximum else {
            throw fail("\"\(original)\" is more than the maximum of \(format(maximum))")
        }
        guard total > 0 || allowZero else { throw fail("\"\(original)\" must be more than 0") }
        return total
    }

    /// A positive business-time duration of at most ten years (`d` refused), nil otherwise: the
    /// form of SLA targets. Use `parse` for the reason.
    /// - Complexity: O(text.count).
    public static func seconds(_ text: some StringProtocol) -> Int64? {
        try? parse(text, maximum: tenYears, days: .refused)
    }

    /// `2h`, `1h30m`, `45s` (the shortest exact form in hours, minutes and seconds).
    public static func format(_ seconds: Int64) -> String {
        guard seconds > 0 else { return "0s" }
        var out = ""
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 { out += "\(s)s" }
        return out
    }
}

/// Whole counts (`--replicas 3`, `--count 1000`) and finite decimals (`--speed 600`,
/// `--timeout 2.5`) from outside, each within a range the caller gives.
public enum BoundedNumber {
    /// A whole number in `range`; refuses empty text, signs where the range has no negatives,
    /// fractions, overflow and garbage.
    /// - Throws: `QuantityError`.
    /// - Complexity: O(text.count).
    public static func count(_ text: some StringProtocol, in range: ClosedRange<Int>) throws(QuantityError) -> Int {
        let original = String(text)
        let s = Substring(text).trimmingWhitespace
        guard !s.isEmpty else { throw QuantityError(text: original, message: "the number is empty") }
        guard let value = Int(s) else {
            throw QuantityError(text: original, message: "\"\(original)\" is not a whole number")
        }
        guard range.contains(value) else {
            throw QuantityError(
                text: original, message: "\"\(original)\" is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A finite decimal in `range` (`nan`, `inf`, `1e400` are refused).
    /// - Throws: `QuantityError`.
    /// - Complexity: O(text.count).
    public static func decimal(_ text: some StringProtocol, in range: ClosedRange<Double>) throws(QuantityError) -> Double {
        let original = String(text)
        let s = Substring(text).trimmingWhitespace
        guard let value = Double(s), value.isFinite else {
            throw QuantityError(text: original, message: "\"\(original)\" is not a finite number")
        }
        try check(value, in: range, text: original)
        return value
    }

    /// Checks a decimal already parsed (e.g. by argument-parser): finite and in `range`.
    /// - Throws: `QuantityError`.
    public static func check(_ value: Double, in range: ClosedRange<Double>, text: String? = nil) throws(QuantityError) {
        let shown = text ?? "\(value)"
        guard value.isFinite else { throw QuantityError(text: shown, message: "\"\(shown)\" is not a finite number") }
        guard range.contains(value) else {
            throw QuantityError(text: shown, message: "\"\(shown)\" is outside \(range.lowerBound)...\(range.upperBound)")
        }
    }
}
