"""Dataset queries for gb2 tools and programs."""
