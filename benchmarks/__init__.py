"""Performance measurements of the stack (``make bench``); never part of the timed test suite."""
