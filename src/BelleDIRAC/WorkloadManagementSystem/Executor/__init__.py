"""Belle II optimizers of the WMS executor chain."""
