"""DB of the Belle II production system."""
