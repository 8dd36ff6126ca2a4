// TicketRouting module. See Docs/ARCHITECTURE.md.
