import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time (user + system) of processes, for benchmarks that report CPU per unit of work:
/// robust where wall time is not (other builds sharing the cores).
enum ProcessCPU {
    /// User and system CPU seconds.
    struct Sample: Sendable {
        var user: Double
        var system: Double
        var total: Double { user + system }

        static func - (a: Sample, b: Sample) -> Sample { Sample(user: a.user - b.user, system: a.system - b.system) }
    }

    /// This process (every thread), from `getrusage(RUSAGE_SELF)`.
    static func current() -> Sample {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Sample(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    /// Another process (e.g. the benchmark's nats-server), from `utime` and `stime` of
    /// `/proc/<pid>/stat`; nil where that cannot be read.
    static func of(pid: Int32) -> Sample? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm)": state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0 else { return nil }
        return Sample(user: utime / ticks, system: stime / ticks)
    }

    private static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
}
