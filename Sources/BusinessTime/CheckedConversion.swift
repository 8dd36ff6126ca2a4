/// The one way a floating-point number from outside becomes an integer.
///
/// `Int(someDouble)` traps on NaN, infinity and values beyond the integer's range; every
/// conversion in Meridian goes through here instead and gets nil for those.
public enum CheckedConversion {
    /// `value` rounded to the nearest integer (half away from zero), if it is finite and the
    /// result lies in `range`; nil otherwise.
    /// - Complexity: O(1).
    @inlinable
    public static func rounded<I: FixedWidthInteger>(_ value: Double, in range: ClosedRange<I>) -> I? {
        guard value.isFinite, let integer = I(exactly: value.rounded()), range.contains(integer) else { return nil }
        return integer
    }

    /// `value` (a fraction of a target, 0 < value < 1) in per mille, 1...999; nil outside.
    /// - Complexity: O(1).
    @inlinable
    public static func permille(_ value: Double) -> Int? {
        guard value > 0, value < 1 else { return nil }
        return rounded(value * 1000, in: 1...999)
    }
}
