import Foundation
import NKeys

import Glibc

enum NKeysSupport {
    /// Writes a fresh user seed to `path` with mode 0600.
    static func writeSeed(to path: String) throws {
        try (NKeyPair.generate(.user).seed + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
    }
}
