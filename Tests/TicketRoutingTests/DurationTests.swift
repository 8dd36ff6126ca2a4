import BusinessTime
import Testing
import TicketRouting

@Suite("Bounded durations and counts")
struct DurationTests {
    static let year: Int64 = 365 * 86_400

    @Test("Accepted forms", arguments: [
        ("90d", Int64(7_776_000)), ("1h30m", 5400), ("20s", 20), ("2h", 7200), ("1d12h", 129_600),
        ("  45 ", 45), ("2160h", 7_776_000), ("1d1h1m1s", 90_061),
    ])
    func accepted(text: String, seconds: Int64) throws {
        #expect(try DurationText.parse(text, maximum: Self.year) == seconds)
    }

    @Test("Refused with a message", arguments: [
        ("", "the duration is empty; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("   ", "the duration is empty; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("-5m", "\"-5m\" is negative; a duration is at least 0"),
        ("0", "\"0\" must be more than 0"),
        ("0h", "\"0h\" must be more than 0"),
        ("nan", "\"nan\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("inf", "\"inf\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("1e30", "\"1e30\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("1.5h", "\"1.5h\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("30m2h", "\"30m2h\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s (units large to small, each once)"),
        ("2h2h", "\"2h2h\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s (units large to small, each once)"),
        ("h", "\"h\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s (units large to small, each once)"),
        ("1h30", "\"1h30\": give the unit of the last number, e.g. 1h30m"),
        ("3000000h", "\"3000000h\" is more than the maximum of 8760h"),
        ("366d", "\"366d\" is more than the maximum of 8760h"),
        ("99999999999999999999s", "\"99999999999999999999s\" is more than the maximum of 8760h"),
        ("106751991167300d", "\"106751991167300d\" is more than the maximum of 8760h"),
        ("9223372036854775807h", "\"9223372036854775807h\" is more than the maximum of 8760h"),
    ])
    func refused(text: String, message: String) {
        #expect(throws: QuantityError(text: text, message: message)) {
            try DurationText.parse(text, maximum: Self.year)
        }
    }

    @Test("Zero where allowed; days refused for business time")
    func options() throws {
        #expect(try DurationText.parse("0s", allowZero: true, maximum: 60) == 0)
        #expect(throws: QuantityError(text: "2d", message: "\"2d\": days are ambiguous in business time; write hours, e.g. 72h")) {
            try DurationText.parse("2d", maximum: Self.year, days: .refused)
        }
        #expect(DurationText.seconds("87600h") == DurationText.tenYears)
        #expect(DurationText.seconds("87601h") == nil)
    }

    @Test("Counts and decimals within a caller's range")
    func numbers() throws {
        #expect(try BoundedNumber.count("3", in: 1...5) == 3)
        #expect(throws: QuantityError(text: "0", message: "\"0\" is outside 1...5")) { try BoundedNumber.count("0", in: 1...5) }
        #expect(throws: QuantityError(text: "99999999999999999999", message: "\"99999999999999999999\" is not a whole number")) {
            try BoundedNumber.count("99999999999999999999", in: 1...5)
        }
        #expect(throws: QuantityError(text: "", message: "the number is empty")) { try BoundedNumber.count("", in: 1...5) }
        #expect(try BoundedNumber.decimal("2.5", in: 0.001...3600) == 2.5)
        for bad in ["nan", "inf", "-inf", "1e400", "x"] {
            #expect(throws: QuantityError(text: bad, message: "\"\(bad)\" is not a finite number")) {
                try BoundedNumber.decimal(bad, in: 0.001...3600)
            }
        }
        #expect(throws: QuantityError(text: "1e30", message: "\"1e30\" is outside 0.001...3600.0")) {
            try BoundedNumber.decimal("1e30", in: 0.001...3600)
        }
        #expect(throws: QuantityError(text: "inf", message: "\"inf\" is not a finite number")) {
            try BoundedNumber.check(.infinity, in: 0...1, text: "inf")
        }
    }
}

@Suite("Config numbers are bounded")
struct ConfigBoundsTests {
    func configError(_ yaml: String) -> ConfigError? {
        do {
            _ = try MeridianConfig.parse(yaml: yaml, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    static let region = "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: { mon-fri: \"08:00-18:00\" }\n"

    @Test("Plan targets that overflow or exceed ten years are errors with the key path", arguments: [
        ("first_response: 9999999999999999999h\n    resolution: 8h", "plans.gold.first_response",
         "\"9999999999999999999h\" is more than the maximum of 87600h"),
        ("first_response: 87601h\n    resolution: 8h", "plans.gold.first_response", "\"87601h\" is more than the maximum of 87600h"),
        ("first_response: 2h\n    resolution: { critical: 1h, major: 2h, minor: 2d }", "plans.gold.resolution.minor",
         "\"2d\": days are ambiguous in business time; write hours, e.g. 72h"),
        ("first_response: 2h\n    resolution: 8h\n    tiers: { l1: -1h }", "plans.gold.tiers.l1", "\"-1h\" is negative; a duration is at least 0"),
        ("first_response: 0\n    resolution: 8h", "plans.gold.first_response", "\"0\" must be more than 0"),
    ])
    func planTargets(plan: String, keyPath: String, message: String) {
        let e = configError(Self.region + "plans:\n  gold:\n    " + plan + "\n")
        #expect(e?.keyPath == keyPath)
        #expect(e?.message == message)
    }

    @Test("Intake window, margin, region and plan ids", arguments: [
        ("intake: { max_age: 11000d }\n", "intake.max_age", "\"11000d\" is more than the maximum of 87600h"),
        ("intake: { max_future: nan }\n", "intake.max_future", "\"nan\" is not a duration; write e.g. 90d, 2h, 30m, 1h30m or 20s"),
        ("intake: { max_past: 1d }\n", "intake.max_past", "unknown key; expected one of max_age, max_future"),
        ("routing: { margin: 1e30 }\n", "routing.margin", "\"1e30\" is not a duration; write e.g. 2h, 30m, 1h30m or 20s"),
    ])
    func others(extra: String, keyPath: String, message: String) {
        let e = configError(Self.region + extra + "plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n")
        #expect(e?.keyPath == keyPath)
        #expect(e?.message == message)
    }

    @Test("Ids that become subject tokens are checked in the config")
    func tokens() {
        let badRegion = "regions:\n  em ea:\n    timezone: Europe/Paris\n    hours: { mon-fri: \"08:00-18:00\" }\n"
            + "plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n"
        #expect(configError(badRegion)?.keyPath == "regions.em ea")
        let badPlan = Self.region + "plans:\n  gold plan:\n    first_response: 2h\n    resolution: 8h\n"
        #expect(configError(badPlan)?.keyPath == "plans.gold plan")
    }

    @Test("Warning fractions go through the checked conversion", arguments: ["1e300", "-1e300", "nan", "0.0004", "1"])
    func warnings(value: String) {
        let e = configError(Self.region + "warnings: [\(value)]\nplans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n")
        #expect(e?.keyPath == "warnings[0]")
        #expect(e?.message == "\"\(value)\" is not a fraction between 0.001 and 0.999")
    }
}
