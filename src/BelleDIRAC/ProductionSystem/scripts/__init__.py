"""scripts of the Belle II production system."""
