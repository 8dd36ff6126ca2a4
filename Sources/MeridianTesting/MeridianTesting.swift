// MeridianTesting module. See Docs/ARCHITECTURE.md.
