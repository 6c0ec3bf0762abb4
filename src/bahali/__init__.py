"""Bahali (بحالی, "restoration"): community-based rehabilitation and reintegration."""

__version__ = "0.1.0"
