import ArgumentParser
import BusinessTime
import Foundation
import TicketRouting

/// `meridian sla`: SLA clock tools.
struct SLA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sla",
        abstract: "SLA clock tools.",
        subcommands: [SLAReplay.self]
    )
}

/// `meridian sla replay`: replays a JSON Lines event log and prints each ticket's clocks.
struct SLAReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replays ticket events (JSON Lines on stdin) and prints each ticket's clock state.",
        discussion: """
            One line per ticket (in order of first appearance): plan, severity, tier, phase, then per clock
            its state (running / paused / met / breached), due time, business time used of the target.
            --json prints one JSON object per ticket instead. A bad line is reported on stderr as
            "line N: problem" and skipped; the exit code is then 1. Alerts that were due by --at but are
            not in the log are listed after the tickets ("missing alert ...").

              meridian sla replay --config Config/meridian.yaml --at 2026-12-01T12:00:00Z < events.jsonl
            """
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var atOption: AtOption

    @Flag(name: .long, help: "Print one JSON object per ticket.")
    var json = false

    func run() throws {
        let config = try configOptions.loadMeridianConfig()
        let now = try atOption.instant()
        let input = readAllStandardInput()
        var events: [TicketEvent] = []
        var badLines = 0
        var lineNumber = 0
        for line in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                events.append(try TicketEvent.decode(json: line))
            } catch {
                badLines += 1
                printError("line \(lineNumber): \(describe(error))")
            }
        }
        var book = SLAClockBook()
        var pending = book.replay(events, config: config)
        pending += book.advance(to: now, config: config)
        for status in book.statuses(at: now, config: config) {
            print(json ? compactJSON(status) : Self.line(status))
        }
        for p in pending {
            switch p.action {
            case .emitWarning(let alert), .emitBreach(let alert):
                print("missing alert \(alert.messageID) due \(alert.due.iso8601)"
                      + (alert.warningAt.map { " (warning at \($0.iso8601))" } ?? ""))
            case .escalate(let tier):
                print("missing escalation \(p.ticket) to \(tier.rawValue)")
            case .targetChanged(let change):
                print("missing target change \(change.event.messageID) due \(change.previousDue.iso8601) -> \(change.due.iso8601)")
            default: break
            }
        }
        if book.orphanEvents > 0 {
            printError("warning: \(book.orphanEvents) event(s) for tickets without a created/routed event were ignored")
        }
        if badLines > 0 { throw ExitCode(1) }
    }

    static func line(_ s: TicketClockStatus) -> String {
        func clock(_ c: ClockStatus) -> String {
            var text = c.clock.rawValue + " " + c.state.rawValue
            if let due = c.due { text += " due " + due.iso8601 }
            if let stopped = c.stoppedAt { text += " at " + stopped.iso8601 }
            text += " used " + DurationText.format(c.usedSeconds) + "/" + DurationText.format(c.targetSeconds)
            if c.cycle > 0 { text += " cycle \(c.cycle)" }
            return text
        }
        return "\(s.ticket) \(s.plan) \(s.severity.rawValue) \(s.tier.rawValue) \(s.phase.rawValue) handled-by \(s.handling)"
            + " | " + clock(s.firstResponse) + " | " + clock(s.resolution)
    }

    func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "bad value at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not a JSON object" }
            return "bad value at \(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }
}
