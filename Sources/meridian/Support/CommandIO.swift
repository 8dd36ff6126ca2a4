import Foundation
import TicketRouting

#if canImport(Glibc)
import Glibc
#endif

// Standard input and output of every command: unbuffered lines, errors, JSON.

/// Writes a line to standard error.
func printError(_ line: String) {
    writeLine(line, to: 2)
}

/// Writes one line to a file descriptor at once (unbuffered): standard output by default.
func writeLine(_ line: String, to fd: Int32 = 1) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n > 0 { written += n } else if n < 0, errno == EINTR { continue } else { return }
        }
    }
}

/// Whether standard input is a terminal (so no CSV is piped in).
func standardInputIsTerminal() -> Bool {
    isatty(0) != 0
}

/// Reads all of standard input.
func readAllStandardInput() -> [UInt8] {
    Array(FileHandle.standardInput.readDataToEndOfFile())
}

/// JSON with sorted keys, pretty-printed.
func prettyJSON(_ value: some Encodable) -> String {
    JSONCoding.prettyString(value)
}

/// JSON with sorted keys on one line.
func compactJSON(_ value: some Encodable) -> String {
    JSONCoding.string(value)
}
