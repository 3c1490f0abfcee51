"""Agent of the Belle II production system."""
