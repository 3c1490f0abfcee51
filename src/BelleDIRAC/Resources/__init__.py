"""Belle II resources: catalog plugins and their naming rules."""
