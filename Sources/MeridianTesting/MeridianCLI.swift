import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `meridian` executable the way a user would, for CLI and process tests.
public enum MeridianCLI {
    /// What a run printed and its exit status.
    public struct Result: Equatable, Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        public var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// The package root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `meridian` in the build products directory of the running tests (or `$MERIDIAN_BIN`).
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["MERIDIAN_BIN"] { return path }
        var directories = [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("meridian").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "\(root)/.build/debug/meridian"
    }()

    /// A fresh temporary directory.
    public static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "meridian-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `meridian args` to its end, with `stdin` (or the file `stdinFile`) as standard input.
    public static func run(_ args: [String], stdin: String = "", stdinFile: String? = nil,
                           directory: String = root) async throws -> Result {
        let process = try RunningCommand(args, stdin: stdin, stdinFile: stdinFile, directory: directory)
        let status = await process.wait()
        return Result(status: status, stdout: process.stdout, stderr: process.stderr)
    }
}

/// A `meridian` process running in the background, with its output captured to files;
/// stopped by its pid.
public final class RunningCommand: Sendable {
    public let pid: Int32
    private let directory: String
    private let process: Process

    /// Starts `meridian args` with `stdin` (or the file `stdinFile`) as standard input.
    public init(_ args: [String], stdin: String = "", stdinFile: String? = nil,
                directory: String = MeridianCLI.root) throws {
        let temp = try MeridianCLI.temporaryDirectory()
        self.directory = temp
        let input = stdinFile ?? "\(temp)/stdin"
        if stdinFile == nil { try stdin.write(toFile: input, atomically: false, encoding: .utf8) }
        _ = FileManager.default.createFile(atPath: "\(temp)/stdout", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(temp)/stderr", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MeridianCLI.binary)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(temp)/stdout"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(temp)/stderr"))
        try process.run()
        self.process = process
        self.pid = process.processIdentifier
    }

    /// Standard output so far.
    public var stdout: String { (try? String(contentsOfFile: "\(directory)/stdout", encoding: .utf8)) ?? "" }
    /// Standard error so far.
    public var stderr: String { (try? String(contentsOfFile: "\(directory)/stderr", encoding: .utf8)) ?? "" }

    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM, SIGKILL, ...) to this process only.
    public func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits for the end of the process without holding a thread of the cooperative pool.
    /// - Returns: its exit status (128 + signal when killed).
    public func wait() async -> Int32 {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
