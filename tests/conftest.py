"""Fixtures shared by every test area (the replica server lives here)."""
