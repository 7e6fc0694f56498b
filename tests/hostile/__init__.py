"""Hostile inputs the project writes itself, at test time (nothing large is committed)."""
