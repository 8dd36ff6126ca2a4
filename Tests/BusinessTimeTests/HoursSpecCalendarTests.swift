import BusinessTime
import Testing

@Suite("An hours spec as a calendar of its own (on-call coverage)")
struct HoursSpecCalendarTests {
    static func calendar(_ yaml: String) throws(ConfigError) -> BusinessCalendar {
        guard let node = try CalendarConfig.compose(yaml: yaml, file: "spec.yaml") else {
            throw ConfigError(file: "spec.yaml", keyPath: "", message: "empty")
        }
        return try CalendarConfig.hoursCalendar(
            node, id: "emea.on_call", timeZoneIdentifier: "Europe/Paris", file: "spec.yaml", keyPath: "regions.emea.on_call")
    }

    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    @Test("Nights in local time, holidays included (a spec has none); 24x7 is always open")
    func nights() throws {
        let nights = try Self.calendar(#"{ mon-fri: "18:00-08:00" }"#)
        #expect(nights.id == "emea.on_call")
        #expect(nights.isOpen(at: Self.t("2026-11-30T19:00:00+01:00")))
        #expect(!nights.isOpen(at: Self.t("2026-12-01T09:00:00+01:00")))
        #expect(nights.isOpen(at: Self.t("2026-12-25T20:00:00+01:00")))  // Christmas Friday night
        #expect(nights.nextClosing(after: Self.t("2026-11-30T19:00:00+01:00")) == Self.t("2026-12-01T08:00:00+01:00"))
        let always = try Self.calendar("24x7")
        #expect(always.between(Self.t("2026-11-28T00:00:00Z"), Self.t("2026-11-29T00:00:00Z")) == 86_400)
    }

    @Test("A bad or empty spec is an error at the spec's key path")
    func errors() {
        func message(_ yaml: String) -> String {
            do { _ = try Self.calendar(yaml); return "no error" } catch { return error.description }
        }
        #expect(message("sometimes").hasPrefix("spec.yaml: regions.emea.on_call: expected a map of weekdays"))
        #expect(message(#"{ mon: "08:00-30:00" }"#).hasPrefix("spec.yaml: regions.emea.on_call.mon: "))
        #expect(message("{ mon: closed }").hasPrefix("spec.yaml: regions.emea.on_call: "))
    }
}
