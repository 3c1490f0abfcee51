"""Storage plugins: BelleDIRAC versions found by DIRAC's StorageFactory before DIRAC's own."""
