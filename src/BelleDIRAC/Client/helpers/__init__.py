"""Helpers for client programs (CS initialisation)."""
