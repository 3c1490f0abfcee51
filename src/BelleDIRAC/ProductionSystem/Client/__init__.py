"""Client of the Belle II production system."""
