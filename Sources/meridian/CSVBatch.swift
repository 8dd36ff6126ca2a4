import BusinessTime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One batch operation of `meridian hours`: the meaning of the second column and
/// how a row is answered.
protocol BatchOperation {
    /// Input header, e.g. `start,seconds`.
    var inputHeader: String { get }
    /// Name of the second input column, for messages.
    var secondColumn: String { get }
    /// Output header, e.g. `start,seconds,end`.
    var outputHeader: String { get }
    /// Answers one row: writes the result cell into `out` (at least 40 bytes) and
    /// returns its length, or returns the problem with the second column.
    func answer(start: Instant, second: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> BatchProblem
}

/// What is wrong with a row, if anything; `.ok(n)` carries the result's length.
enum BatchProblem {
    case ok(Int)
    /// The second column is wrong; the message gets the column name and value prepended.
    case badSecond(String)
}

/// The outcome of a batch run.
struct BatchSummary: Equatable {
    var rows = 0
    var badRows = 0
}

/// A CSV header that is not the expected one (the whole input is unusable).
struct BatchHeaderError: Error, CustomStringConvertible {
    var description: String
}

/// Streams CSV rows from a file descriptor to another, answering each row.
///
/// Reads in large chunks and parses bytes in place: no per-row allocation on the
/// good path; output goes through a large buffer. Memory is bounded by the buffer
/// sizes, whatever the number of rows. Every input row gives exactly one output
/// row, in the same order; a bad row gets an empty result cell and a line on the
/// error descriptor (`line N: problem`).
struct CSVBatch<Operation: BatchOperation> {
    let operation: Operation
    var input: Int32 = 0
    var output: Int32 = 1
    var errors: Int32 = 2
    /// Size of the read and write buffers; also the longest line accepted.
    var bufferSize = 1 << 20

    init(_ operation: Operation) {
        self.operation = operation
    }

    /// Runs to the end of the input.
    /// - Throws: `BatchHeaderError` if the first line is not the header.
    /// - Complexity: O(input size) time, O(`bufferSize`) memory.
    func run() throws(BatchHeaderError) -> BatchSummary {
        var reader = ChunkReader(fd: input, capacity: bufferSize)
        defer { reader.deallocate() }
        var out = OutputBuffer(fd: output, capacity: bufferSize)
        defer { out.deallocate() }
        var err = OutputBuffer(fd: errors, capacity: 1 << 16)
        defer { err.deallocate() }
        var summary = BatchSummary()

        // Header.
        guard let header = reader.nextLine() else {
            throw BatchHeaderError(description: "no input: expected the header \"\(operation.inputHeader)\"")
        }
        var headerText = String(decoding: header.bytes, as: UTF8.self)
        if headerText.hasPrefix("\u{FEFF}") { headerText.removeFirst() }
        let normalized = headerText.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { field in
                Array(field).withUnsafeBytes { String(decoding: CSVField.trim($0), as: UTF8.self).lowercased() }
            }
            .joined(separator: ",")
        guard normalized == operation.inputHeader else {
            throw BatchHeaderError(
                description: "line 1: expected the header \"\(operation.inputHeader)\", found \"\(headerText.prefix(80))\"")
        }
        out.append(operation.outputHeader)
        out.append(byte: UInt8(ascii: "\n"))

        var lineNumber = 1
        while let line = reader.nextLine() {
            lineNumber += 1
            summary.rows += 1
            if let problem = answer(line, into: &out) {
                summary.badRows += 1
                err.append("line \(lineNumber): \(problem)\n")
            }
        }
        out.flush()
        err.flush()
        return summary
    }

    /// Answers one line into `out`; returns the problem of a bad row.
    @inline(__always)
    func answer(_ line: ChunkReader.Line, into out: inout OutputBuffer) -> String? {
        if line.tooLong {
            out.append(",,\n")
            return "longer than \(bufferSize) bytes"
        }
        let bytes = line.bytes
        // Split on commas.
        var firstComma = -1, secondComma = -1, commas = 0
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: ",") {
            commas += 1
            if firstComma < 0 { firstComma = i } else if secondComma < 0 { secondComma = i }
        }
        let startField = UnsafeRawBufferPointer(rebasing: bytes[0..<(firstComma < 0 ? bytes.count : firstComma)])
        let secondField = firstComma < 0
            ? UnsafeRawBufferPointer(start: nil, count: 0)
            : UnsafeRawBufferPointer(rebasing: bytes[(firstComma + 1)..<(secondComma < 0 ? bytes.count : secondComma)])
        out.append(startField)
        out.append(byte: UInt8(ascii: ","))
        out.append(secondField)
        out.append(byte: UInt8(ascii: ","))
        out.reserve(48)  // the result cell (at most 40 bytes) and the newline

        let problem: String?
        if commas > 1 {
            problem = "expected 2 columns (\(operation.inputHeader)), found \(commas + 1)"
        } else if commas == 0 {
            problem = bytes.isEmpty ? "empty row" : "missing column \"\(operation.secondColumn)\""
        } else {
            let trimmed = CSVField.trim(startField)
            if trimmed.isEmpty {
                problem = "missing value for \"start\""
            } else if let start = Instant.parseISO8601(trimmed) {
                switch operation.answer(start: start, second: CSVField.trim(secondField), into: out.cursor) {
                case .ok(let n):
                    out.advance(n)
                    problem = nil
                case .badSecond(let message):
                    problem = message
                }
            } else {
                problem = "start \(CSVField.quoted(trimmed)) is not an ISO-8601 date-time with an offset"
            }
        }
        out.append(byte: UInt8(ascii: "\n"))
        return problem
    }
}

/// Helpers for CSV fields.
enum CSVField {
    /// The field without surrounding spaces, tabs and double quotes.
    @inline(__always)
    static func trim(_ field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lo = 0, hi = field.count
        while lo < hi, field[lo] == 0x20 || field[lo] == 0x09 { lo += 1 }
        while hi > lo, field[hi - 1] == 0x20 || field[hi - 1] == 0x09 { hi -= 1 }
        if hi - lo >= 2, field[lo] == 0x22, field[hi - 1] == 0x22 {
            lo += 1
            hi -= 1
        }
        return UnsafeRawBufferPointer(rebasing: field[lo..<hi])
    }

    /// A field value for a message: in quotes, cut at 64 bytes.
    static func quoted(_ field: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: field.prefix(64), as: UTF8.self)
        return "\"\(text)\(field.count > 64 ? "..." : "")\""
    }
}

// MARK: - Second columns

/// Parses a count of seconds: a non-negative whole number.
/// - Returns: the value, or the problem.
@inline(__always)
func parseSeconds(_ field: UnsafeRawBufferPointer, column: String) -> Result<Int64, BatchSecondsError> {
    if field.isEmpty { return .failure(BatchSecondsError(message: "missing value for \"\(column)\"")) }
    var i = 0
    if field[0] == UInt8(ascii: "+") { i = 1 }
    guard i < field.count else {
        return .failure(BatchSecondsError(message: "\(column) \(CSVField.quoted(field)) is not a whole number"))
    }
    var value: Int64 = 0
    while i < field.count {
        let d = field[i] &- 48
        guard d < 10 else {
            let message = field[0] == UInt8(ascii: "-") && field.count > 1
                && field.dropFirst().allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") })
                ? "is negative" : "is not a whole number"
            return .failure(BatchSecondsError(message: "\(column) \(CSVField.quoted(field)) \(message)"))
        }
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int64(d))
        guard !o1, !o2 else {
            return .failure(BatchSecondsError(message: "\(column) \(CSVField.quoted(field)) is too large"))
        }
        value = a
        i += 1
    }
    return .success(value)
}

struct BatchSecondsError: Error {
    var message: String
}

/// `start,seconds` → `start,seconds,end`.
struct AddOperation: BatchOperation {
    let calendar: BusinessCalendar
    var inputHeader: String { "start,seconds" }
    var secondColumn: String { "seconds" }
    var outputHeader: String { "start,seconds,end" }

    @inline(__always)
    func answer(start: Instant, second: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> BatchProblem {
        switch parseSeconds(second, column: "seconds") {
        case .success(let seconds):
            let end = calendar.add(start, seconds: seconds)
            return .ok(end.writeISO8601(into: UnsafeMutableRawBufferPointer(start: out, count: 40)))
        case .failure(let error):
            return .badSecond(error.message)
        }
    }
}

/// `start,end` → `start,end,seconds`.
struct BetweenOperation: BatchOperation {
    let calendar: BusinessCalendar
    var inputHeader: String { "start,end" }
    var secondColumn: String { "end" }
    var outputHeader: String { "start,end,seconds" }

    @inline(__always)
    func answer(start: Instant, second: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> BatchProblem {
        if second.isEmpty { return .badSecond("missing value for \"end\"") }
        guard let end = Instant.parseISO8601(second) else {
            return .badSecond("end \(CSVField.quoted(second)) is not an ISO-8601 date-time with an offset")
        }
        return .ok(writeDecimal(calendar.between(start, end), into: out))
    }
}

/// Writes a non-negative integer in decimal; returns the number of bytes.
@inline(__always)
func writeDecimal(_ value: Int64, into out: UnsafeMutableRawPointer) -> Int {
    var v = UInt64(bitPattern: value < 0 ? 0 : value)
    var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes of scratch
    return withUnsafeMutableBytes(of: &digits) { scratch in
        var n = 0
        repeat {
            scratch[31 - n] = UInt8(48 + v % 10)
            v /= 10
            n += 1
        } while v > 0
        out.copyMemory(from: scratch.baseAddress! + (32 - n), byteCount: n)
        return n
    }
}

// MARK: - Buffered I/O

/// Reads a descriptor in large chunks and hands out lines (without `\n` / `\r\n`)
/// as pointers into its buffer, valid until the next call.
struct ChunkReader {
    struct Line {
        var bytes: UnsafeRawBufferPointer
        /// The line did not fit in the buffer; `bytes` is empty and the rest was skipped.
        var tooLong = false
    }

    let fd: Int32
    let capacity: Int
    let buffer: UnsafeMutableRawPointer
    var start = 0
    var end = 0
    var eof = false

    init(fd: Int32, capacity: Int) {
        self.fd = fd
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { buffer.deallocate() }

    /// The next line, or nil at the end of the input. A last line without `\n` counts.
    mutating func nextLine() -> Line? {
        var scanFrom = start
        while true {
            if let nl = memchr(buffer + scanFrom, 0x0A, end - scanFrom) {
                let nlIndex = buffer.distance(to: nl)
                var lineEnd = nlIndex
                if lineEnd > start, buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
                let line = Line(bytes: UnsafeRawBufferPointer(start: buffer + start, count: lineEnd - start))
                start = nlIndex + 1
                return line
            }
            if eof {
                guard end > start else { return nil }
                var lineEnd = end
                if buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
                let line = Line(bytes: UnsafeRawBufferPointer(start: buffer + start, count: lineEnd - start))
                start = end
                return line
            }
            // Move the partial line to the front and read more.
            let pending = end - start
            if pending == capacity {
                skipRestOfLine()
                return Line(bytes: UnsafeRawBufferPointer(start: nil, count: 0), tooLong: true)
            }
            if start > 0 {
                if pending > 0 { memmove(buffer, buffer + start, pending) }
                start = 0
                end = pending
            }
            scanFrom = end
            fill()
        }
    }

    /// Reads once into the free space; sets `eof` at the end of the input.
    mutating func fill() {
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n > 0 {
                end += n
                return
            }
            if n < 0, errno == EINTR { continue }
            eof = true
            return
        }
    }

    /// Drops the buffered bytes and the input up to and including the next `\n`.
    mutating func skipRestOfLine() {
        start = 0
        end = 0
        while !eof {
            fill()
            if let nl = memchr(buffer, 0x0A, end) {
                start = buffer.distance(to: nl) + 1
                return
            }
            end = 0
        }
    }
}

/// A large output buffer over a descriptor.
struct OutputBuffer {
    let fd: Int32
    let capacity: Int
    let buffer: UnsafeMutableRawPointer
    var count = 0

    init(fd: Int32, capacity: Int) {
        self.fd = fd
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { buffer.deallocate() }

    /// Where the next byte goes; valid for as many bytes as were reserved.
    var cursor: UnsafeMutableRawPointer { buffer + count }

    @inline(__always)
    mutating func advance(_ n: Int) { count += n }

    /// Makes room for `n` bytes (flushing if needed); `n` must not exceed the capacity.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity - count < n { flush() }
    }

    @inline(__always)
    mutating func append(byte: UInt8) {
        if count == capacity { flush() }
        buffer.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if capacity - count < bytes.count {
            flush()
            if bytes.count > capacity {
                writeAll(base, bytes.count)
                return
            }
        }
        (buffer + count).copyMemory(from: base, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func flush() {
        writeAll(buffer, count)
        count = 0
    }

    func writeAll(_ pointer: UnsafeRawPointer, _ n: Int) {
        var written = 0
        while written < n {
            let r = write(fd, pointer + written, n - written)
            if r > 0 {
                written += r
            } else if r < 0, errno == EINTR {
                continue
            } else {
                return  // EPIPE and the like: the reader is gone.
            }
        }
    }
}
