"""What tests share besides fixtures: helpers, test doubles, constants.

Fixtures live in ``conftest.py`` files and import from here; tests import from here, never
from a ``conftest``. Nothing in this package is a fixture or runs at import time.

- ``api``: the service's test credentials and :class:`api.Api`, which calls it as the bot does.
- ``databases``: a fresh database per test, copied from a migrated template.
- ``storage``, ``dbdump``: reaching past the API into the database.
- ``scorers``: moderation scorers whose outputs are known.
- ``people``, ``bot_harness``: the people of the bot end-to-end tests and driving the real bot
  through the fake Bot API.
- ``network``, ``imports``: the loopback guard's test, and what a package imports.
"""
