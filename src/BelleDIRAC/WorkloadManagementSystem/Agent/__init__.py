"""Belle II overrides and additions to DIRAC's WorkloadManagementSystem."""
