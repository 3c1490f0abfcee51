"""The library behind the gb2 tools; importable by other programs (b2luigi uses it)."""
