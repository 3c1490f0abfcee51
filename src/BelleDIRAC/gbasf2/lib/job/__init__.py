"""Job information for gb2 tools and programs."""
