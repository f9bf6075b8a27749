"""Telegram handlers, one module per area; each handler parses, calls the forum once, replies."""
