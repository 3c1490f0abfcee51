"""Belle II data management on Rucio: rules to final destinations and the RMS operations that use them."""
