"""Belle II overrides of DIRAC's RequestManagementSystem configuration (operation handlers)."""
