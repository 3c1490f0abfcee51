"""Pure helpers for the Belle II transformation plugins: datablock grouping and destination choice."""
