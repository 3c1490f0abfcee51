"""File catalog plugins (found by DIRAC's FileCatalogFactory through ObjectLoader) and LFN rules."""
