"""Belle II transformation system: plugins that respect datablocks and pick destinations by free space."""
