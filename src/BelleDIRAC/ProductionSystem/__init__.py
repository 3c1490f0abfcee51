"""Belle II production system: definitions, states and scheduling of official productions."""
