// BusinessTime module. See Docs/ARCHITECTURE.md.
