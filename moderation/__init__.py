"""Moderation pipeline: scorers, PII screen, watched words and the routing policy."""
