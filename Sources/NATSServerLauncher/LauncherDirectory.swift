import Foundation

import Glibc

/// The launcher's temporary directories (`$TMPDIR/meridian-nats-XXXXXX`): created with an `owner`
/// file naming this process, and swept once per process when their owner is gone.
enum LauncherDirectory {
    private static var temporaryBase: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// `"<pid> <start time>"` of a process (from /proc), which identifies it even if the pid is reused.
    private static func processIdentity(_ pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3, starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(pid) \(fields[19])"
    }

    /// Once per process: removes `meridian-nats-*` directories left by a launcher process that
    /// died without shutting down (its servers were killed with it by the parent-death signal).
    /// Only directories with an `owner` file naming a process that no longer exists are removed.
    private static let sweepStaleDirectories: Void = {
        let fm = FileManager.default
        let base = temporaryBase
        guard let names = try? fm.contentsOfDirectory(atPath: base) else { return }
        for name in names where name.hasPrefix("meridian-nats-") {
            let dir = base + "/" + name
            guard let owner = try? String(contentsOfFile: dir + "/owner", encoding: .utf8) else { continue }
            let parts = owner.split(separator: " ")
            guard parts.count == 2, let pid = pid_t(parts[0]) else { continue }
            if processIdentity(pid) != owner.trimmingCharacters(in: .whitespacesAndNewlines) {
                try? fm.removeItem(atPath: dir)
            }
        }
    }()

    static func make() throws -> String {
        _ = sweepStaleDirectories
        let base = temporaryBase
        var template = Array("\(base)/meridian-nats-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw NATSServerError("cannot create a temporary directory under \(base): errno \(errno)")
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let identity = processIdentity(getpid()) {
            try? identity.write(toFile: directory + "/owner", atomically: true, encoding: .utf8)
        }
        return directory
    }
}
