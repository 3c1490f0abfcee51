"""Console entry points of the gb2 tools (see setup.cfg)."""
