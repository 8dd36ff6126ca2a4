import ArgumentParser

@main
struct Meridian: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian",
        abstract: "Multi-timezone support-ticket router on NATS.",
        subcommands: [
            Hours.self,
            CalendarCommand.self,
            Bench.self,
            Route.self,
            SLA.self,
            RouterCommand.self,
            WorkerCommand.self,
            TailCommand.self,
            StatusCommand.self,
            AlertmanagerCommand.self,
            TicketCommand.self,
            ReportCommand.self,
            InboxCommand.self,
            SubmitCommand.self,
            AuthCommand.self,
            SetupCommand.self,
            Demo.self,
            CapacityCommand.self,
        ]
    )
}
