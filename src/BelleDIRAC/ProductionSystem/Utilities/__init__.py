"""Pure logic of the production system (no DIRAC clients, no database, no clock)."""
