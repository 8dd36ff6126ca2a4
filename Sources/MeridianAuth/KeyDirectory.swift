import Foundation
public import NKeys
public import TicketRouting

import Glibc

/// Why `meridian auth init` or a key file was refused; `message` says which file and why.
public struct KeyFileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// One sentence naming the path.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A directory of NKey seed files, one per identity (`<identity>.nk`, mode 0600), and the
/// `auth.conf` made from their public keys.
///
/// The directory must be private (no group or other permission bits) and owned by the user
/// running the command. A seed already there is kept, so running `auth init` again after adding
/// a region adds that region's keys and rewrites `auth.conf` without invalidating anyone's key.
/// A file that `auth init` did not write (an `auth.conf` without its marker line, a `.nk` that is
/// not a user seed or is readable by others) is never overwritten.
public struct KeyDirectory: Sendable {
    /// The directory's path.
    public let path: String

    public init(path: String) { self.path = path }

    /// What ``initialise(config:)`` did.
    public struct Outcome: Sendable, Equatable {
        /// Identities whose key was made now.
        public var created: [String]
        /// Identities whose existing key was kept.
        public var kept: [String]
    }

    /// Creates the directory (0700) if needed, a seed for every identity that lacks one, and
    /// rewrites `auth.conf`.
    /// - Throws: ``KeyFileError`` for a directory or file it must not touch.
    public func initialise(config: MeridianConfig) throws(KeyFileError) -> Outcome {
        try prepareDirectory()
        var outcome = Outcome(created: [], kept: [])
        var users: [(identity: Identity, publicKey: String)] = []
        for identity in Identity.all(regions: config.regions) {
            let file = keyPath(identity)
            if FileManager.default.fileExists(atPath: file) {
                users.append((identity, try Self.readSeed(file).publicKey))
                outcome.kept.append(identity.name)
            } else {
                let key = NKeyPair.generate(.user)
                try Self.writeNew(file, contents: key.seed + "\n")
                users.append((identity, key.publicKey))
                outcome.created.append(identity.name)
            }
        }
        let conf = path + "/auth.conf"
        if FileManager.default.fileExists(atPath: conf) {
            let existing = (try? String(contentsOfFile: conf, encoding: .utf8)) ?? ""
            guard existing.hasPrefix(AuthConf.marker) else {
                throw KeyFileError("\(conf): exists and was not written by `meridian auth init`; not overwriting it (move it away)")
            }
        }
        try Self.replace(conf, contents: AuthConf.render(users: users, config: config), mode: 0o644)
        return outcome
    }

    /// The seed file of an identity.
    public func keyPath(_ identity: Identity) -> String { "\(path)/\(identity.name).nk" }

    /// Reads a seed file, refusing one that others can read or that holds anything but a user seed.
    /// - Throws: ``KeyFileError`` naming the file and the problem.
    public static func readSeed(_ file: String) throws(KeyFileError) -> NKeyPair {
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw KeyFileError("\(file): cannot read the key file (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyFileError("\(file): not a regular file") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyFileError("\(file): the key file is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard info.st_size <= 4096, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw KeyFileError("\(file): not a key file (unreadable, not UTF-8 or over 4 KiB)")
        }
        let key: NKeyPair
        do { key = try NKeyPair(seed: text) } catch {
            throw KeyFileError("\(file): not an NKey seed: \(error)")
        }
        guard key.type == .user else { throw KeyFileError("\(file): an NKey seed, but not a user's (it must start with SU)") }
        return key
    }

    private func prepareDirectory() throws(KeyFileError) {
        var info = stat()
        if stat(path, &info) != 0 {
            guard errno == ENOENT, mkdir(path, 0o700) == 0 else {
                throw KeyFileError("\(path): cannot create the key directory (\(String(cString: strerror(errno))))")
            }
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw KeyFileError("\(path): exists and is not a directory") }
        guard info.st_uid == getuid() else { throw KeyFileError("\(path): owned by another user; not writing keys there") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyFileError("\(path): the key directory is open to others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 700 it")
        }
    }

    /// Creates `file` (which must not exist) with mode 0600.
    private static func writeNew(_ file: String, contents: String) throws(KeyFileError) {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw KeyFileError("\(file): cannot create (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        try writeAll(fd, contents, file)
    }

    /// Writes `file` through a temporary file and a rename, so a reader never sees half of it.
    private static func replace(_ file: String, contents: String, mode: mode_t) throws(KeyFileError) {
        let temporary = "\(file).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw KeyFileError("\(temporary): cannot create (\(String(cString: strerror(errno))))") }
        do {
            try writeAll(fd, contents, temporary)
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, file) == 0 else {
            unlink(temporary)
            throw KeyFileError("\(file): cannot replace (\(String(cString: strerror(errno))))")
        }
    }

    private static func writeAll(_ fd: Int32, _ contents: String, _ file: String) throws(KeyFileError) {
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else {
                throw KeyFileError("\(file): write failed (\(String(cString: strerror(errno))))")
            }
        }
    }
}
