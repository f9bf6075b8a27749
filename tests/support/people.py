"""The people of the bot end-to-end tests, as (Telegram user id, first name, username).

Distinctive values: the anonymity test searches the database, the store and the logs for them.
"""

from __future__ import annotations

AUTHOR = (777000111, "Zelphine", "survivor_helper_x")
MODERATOR = (777000222, "Quorinda", "queue_warden_q")
READER = (777000333, "Baltharion", "quiet_reader_b")
ADMIN = (777000444, "Ysmeralda", "forum_admin_y")
PEOPLE = (AUTHOR, MODERATOR, READER, ADMIN)
