// MeridianServices module. See Docs/ARCHITECTURE.md.
