"""Client-side helpers shared by the gb2 tools and by programs that use BelleDIRAC as a library."""
