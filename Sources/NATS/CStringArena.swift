#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps C copies of Swift strings (and arrays) alive while a cnats configuration struct that
/// points at them is in use; frees them in `deinit`.
package final class CStringArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    package init() {}

    deinit { for p in allocations { free(p) } }

    package func dup(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        allocations.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    package func dup(_ s: String?) -> UnsafePointer<CChar>? { s.map { dup($0) } }

    /// A C array of C strings.
    package func array(_ strings: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?>? {
        guard !strings.isEmpty else { return nil }
        let raw = malloc(MemoryLayout<UnsafePointer<CChar>?>.stride * strings.count)!
        allocations.append(raw)
        let p = raw.bindMemory(to: UnsafePointer<CChar>?.self, capacity: strings.count)
        for (i, s) in strings.enumerated() { p[i] = dup(s) }
        return p
    }

    /// A C array of 64-bit integers.
    package func int64s(_ values: [Int64]) -> UnsafeMutablePointer<Int64>? {
        guard !values.isEmpty else { return nil }
        let raw = malloc(MemoryLayout<Int64>.stride * values.count)!
        allocations.append(raw)
        let p = raw.bindMemory(to: Int64.self, capacity: values.count)
        for (i, v) in values.enumerated() { p[i] = v }
        return p
    }
}
