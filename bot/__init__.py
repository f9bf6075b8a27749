"""Telegram bot front end of the MSCOS community forum."""
