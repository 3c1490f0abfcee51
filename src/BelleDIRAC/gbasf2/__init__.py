"""gbasf2 and the gb2_* tools: what Belle II analysts use to submit jobs and handle data."""
