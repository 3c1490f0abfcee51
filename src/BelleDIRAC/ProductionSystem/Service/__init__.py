"""Service of the Belle II production system."""
