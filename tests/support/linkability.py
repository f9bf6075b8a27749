"""The linkability scan: could a full copy of the stores tie two rows of one person together?

Threat model: an attacker holds every table of the forum database and of the bot's delivery
store, as they were at any moment of a run (a backup can be taken mid-run), but none of the
secrets. The scan answers two questions about such copies:

* **Links.** Is there a value that only one person's rows hold, in two different contexts
  (two threads, a thread and an RSVP, a report and a subscription...)? Such a value tells the
  attacker that those rows belong to the same person.
* **Exposures.** Does any stored value equal or contain an identity key, a Telegram id, a chat
  id, a username, a first name or one of the deployment's secrets?

The machinery is schema-agnostic. Tables are reflected, rows are told apart by their primary
key only, and who a row belongs to (its :class:`Attribution`) comes from the scenario, never
from a column: each step of the scenario declares who acted and in which context, and a row
belongs to the step in which it first appeared (:class:`History`). Every version of every row
counts, including versions later changed or deleted.

What "only one person's rows hold" means. Values are compared within a *domain*: a column,
or the column a foreign key leads to (``posts.author_id`` and ``rsvps.identity_id`` both lead
to ``identities.id``), followed by the JSON path for values inside JSON. An occurrence of ``v``
in person X's rows is *shared* when a row of any other owner (another person, staff, the
system, the seed data) holds ``v`` in the same domain: it does not single X out and is
ignored. Of the rest, X has a link

* when one domain holds ``v`` in two or more of X's contexts, or
* when ``v`` is distinctive (at least :data:`DISTINCTIVE_CHARS` characters: a timestamp, a
  token, a key) and any domains hold it in two or more of X's contexts.

Exemption is per domain, not per value, because per value would hide the links that matter:
with sequential ids, the author id 3 of X's posts is also the id of board 3, yet
``posts.author_id = 3`` names X's posts and nobody else's. Short values need one domain
because independent sequences coincide by chance (X's post 1 and X's subscription 1 are not
a link); for that reason a scenario should have each person do each kind of thing at least
twice, in different contexts.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Column, MetaData, select
from sqlalchemy import Table as SaTable
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.dbdump import FTS5_INTERNALS

#: ``(kind, scope)``, e.g. ``("post", 12)`` for thread 12 or ``("rsvp", 3)`` for forum 3.
Context = tuple[str, Hashable]

#: Characters strings are split on into tokens (besides whitespace).
TOKEN_SEPARATORS = re.compile(r"[:|/,;=\s]+")
#: Strings that are read as timestamps (and compared as normalised ISO text).
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
#: Hex strings at least this long that occur inside a fragment-checked secret are exposures.
MIN_FRAGMENT = 12
#: Values at least this long link across domains (see the module docstring).
DISTINCTIVE_CHARS = 8
#: Values are shown at most this long in reports.
SHOWN_CHARS = 48


@dataclass(frozen=True)
class Attribution:
    """Who a row belongs to (``owner``: a person, ``"staff"``, ``"system"``...) and where."""

    owner: str
    context: Context


@dataclass(frozen=True)
class Table:
    """One table as read at one moment.

    Attributes:
        columns: the column names, in row order.
        key: positions of the primary key columns; empty when the table has none, in which
            case a whole row is its own key (an update then looks like a new row).
        rows: the rows.
        domains: per column, the ``table.column`` its foreign keys lead to (itself when it
            has none); empty: every column is its own domain.
    """

    columns: tuple[str, ...]
    key: tuple[int, ...]
    rows: tuple[tuple[object, ...], ...]
    domains: tuple[str, ...] = ()

    def key_of(self, row: tuple[object, ...]) -> tuple[object, ...]:
        """Return the primary key of ``row`` (the whole row when the table has no key)."""
        return tuple(row[i] for i in self.key) if self.key else row


#: Every table of a store, by name.
Snapshot = Mapping[str, Table]


class DatabaseReader:
    """Reads every table of a SQLAlchemy database; tables are reflected once, on entry.

    Use as ``async with DatabaseReader(url) as reader: snapshot = await reader.snapshot()``.
    """

    def __init__(self, url: str) -> None:
        """Prepare a reader of the database at ``url`` (any async SQLAlchemy URL)."""
        self._url = url
        self._engine: AsyncEngine | None = None
        self._tables: list[SaTable] = []

    async def __aenter__(self) -> Self:
        engine = create_async_engine(self._url, poolclass=NullPool)
        metadata = MetaData()
        async with engine.connect() as conn:
            await conn.run_sync(metadata.reflect)
        self._engine = engine
        self._tables = sorted(
            (table for table in metadata.tables.values() if table.name not in FTS5_INTERNALS),
            key=lambda table: table.name,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @property
    def table_names(self) -> list[str]:
        """The reflected tables' names."""
        return [table.name for table in self._tables]

    async def snapshot(self) -> dict[str, Table]:
        """Return every row of every reflected table, read in one transaction."""
        if self._engine is None:
            raise RuntimeError("use DatabaseReader as an async context manager")
        result: dict[str, Table] = {}
        async with self._engine.connect() as conn:
            for table in self._tables:
                columns = tuple(column.name for column in table.columns)
                key = tuple(columns.index(column.name) for column in table.primary_key.columns)
                domains = tuple(_domain(column) for column in table.columns)
                rows = (await conn.execute(select(table))).all()
                result[table.name] = Table(columns, key, tuple(tuple(row) for row in rows), domains)
        return result


def _domain(column: Column[object]) -> str:
    """``table.column`` at the end of ``column``'s chain of foreign keys."""
    seen: set[Column[object]] = set()
    while column.foreign_keys and column not in seen:
        seen.add(column)
        column = sorted(column.foreign_keys, key=lambda fk: fk.target_fullname)[0].column
    return f"{column.table.name}.{column.name}"


def read_sqlite_file(path: Path, prefix: str = "") -> dict[str, Table]:
    """Return every table of a plain SQLite file (another process may have it open).

    Args:
        path: the SQLite file; a missing file reads as no tables.
        prefix: put before each table name (``"store:"`` keeps two stores apart).
    """
    if not path.exists():
        return {}
    conn = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        result: dict[str, Table] = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            info = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
            columns = tuple(str(column[1]) for column in info)
            # table_info's last field is the column's position in the primary key (0: not in it).
            key = tuple(
                columns.index(str(column[1]))
                for column in sorted(info, key=lambda c: c[5])
                if column[5]
            )
            rows = conn.execute(f"SELECT * FROM {quoted}").fetchall()  # noqa: S608
            result[prefix + name] = Table(columns, key, tuple(tuple(row) for row in rows))
        return result
    finally:
        conn.close()


class AttributionError(AssertionError):
    """A step's declared attribution does not fit what the step wrote."""


@dataclass(frozen=True)
class StepChanges:
    """What one recorded step wrote: per table, rows first seen and rows whose values changed."""

    new: Mapping[str, int]
    changed: Mapping[str, int]

    @property
    def any(self) -> bool:
        """Whether the step wrote anything at all."""
        return bool(self.new or self.changed)


@dataclass(frozen=True)
class AttributedRow:
    """One version of one row, with the attribution of the row."""

    table: str
    columns: tuple[str, ...]
    values: tuple[object, ...]
    attribution: Attribution
    domains: tuple[str, ...] = ()

    def cells(self) -> Iterator[tuple[str, str, object]]:
        """Each cell as (``table.column``, its domain, its value)."""
        domains = self.domains or tuple(f"{self.table}.{column}" for column in self.columns)
        for column, domain, value in zip(self.columns, domains, self.values, strict=True):
            yield f"{self.table}.{column}", domain, value


def _frozen(value: object) -> Hashable:
    """A hashable stand-in of a row or value (JSON columns hold dicts and lists)."""
    if isinstance(value, Mapping):
        return ("{}", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("[]", tuple(_frozen(item) for item in value))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


#: (table, primary key, incarnation): a key deleted and later reused is a new row.
_RowId = tuple[str, tuple[object, ...], int]


class History:
    """Every row version seen over a run of snapshots, each row attributed to a step.

    After each step of a scenario, call :meth:`record` with a snapshot of the stores and the
    step's attribution. A row (table and primary key) belongs to the step in which it first
    appeared, and keeps that attribution through later changes, except

    * ``overrides``: rows first seen in this step in the named table take that attribution
      instead (a step that wrote rows for several owners);
    * ``adopt_changed``: rows that already existed and changed in this step are given this
      step's attribution, all their versions included (claiming one notification from the
      outbox: the claim says whose it is, and the claim is what changes its rows).
    """

    def __init__(self) -> None:
        """Start an empty history."""
        self._owners: dict[_RowId, Attribution] = {}
        self._columns: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._versions: dict[_RowId, dict[Hashable, tuple[object, ...]]] = {}
        self._live: dict[tuple[str, tuple[object, ...]], tuple[int, Hashable]] = {}
        self._incarnations: dict[tuple[str, tuple[object, ...]], int] = defaultdict(int)
        # What each snapshot held: (row, version) pairs, in order.
        self._moments: list[list[tuple[_RowId, Hashable]]] = []
        self.steps = 0

    def record(
        self,
        snapshot: Snapshot,
        attribution: Attribution,
        *,
        overrides: Mapping[str, Attribution] | None = None,
        adopt_changed: bool = False,
    ) -> StepChanges:
        """Add a snapshot taken right after a step.

        Args:
            snapshot: every table of every store.
            attribution: who acted in the step, and in which context.
            overrides: per table, the attribution of rows that table gained in this step.
            adopt_changed: give rows that changed in this step this step's attribution.

        Returns:
            What the step wrote.

        Raises:
            AttributionError: an override names a table that gained no row in this step.
        """
        overrides = overrides or {}
        new: dict[str, int] = defaultdict(int)
        changed: dict[str, int] = defaultdict(int)
        seen: set[tuple[str, tuple[object, ...]]] = set()
        for name, table in snapshot.items():
            self._columns[name] = (table.columns, table.domains)
            for row in table.rows:
                frozen = _frozen(row)
                live_key = (name, table.key_of(row))
                seen.add(live_key)
                previous = self._live.get(live_key)
                if previous is None:
                    self._incarnations[live_key] += 1
                    row_id: _RowId = (*live_key, self._incarnations[live_key])
                    self._owners[row_id] = overrides.get(name, attribution)
                    new[name] += 1
                else:
                    row_id = (*live_key, previous[0])
                    if previous[1] != frozen:
                        changed[name] += 1
                        if adopt_changed:
                            self._owners[row_id] = attribution
                self._live[live_key] = (row_id[2], frozen)
                self._versions.setdefault(row_id, {})[frozen] = row
        for gone in set(self._live) - seen:
            del self._live[gone]
        self._moments.append(
            [((*key, incarnation), frozen) for key, (incarnation, frozen) in self._live.items()]
        )
        stale = sorted(set(overrides) - set(new))
        if stale:
            raise AttributionError(
                f"step {self.steps} ({attribution}): overrides for {stale} matched no new row; "
                "the scenario's attribution needs updating"
            )
        self.steps += 1
        return StepChanges(dict(new), dict(changed))

    def rows(self) -> list[AttributedRow]:
        """Every version of every row seen, with its row's attribution."""
        return [
            AttributedRow(
                row_id[0],
                self._columns[row_id[0]][0],
                values,
                self._owners[row_id],
                self._columns[row_id[0]][1],
            )
            for row_id, versions in self._versions.items()
            for values in versions.values()
        ]

    def moments(self) -> Iterator[list[AttributedRow]]:
        """The rows of each snapshot as it was: what one stolen copy, taken then, would hold.

        A link must lie within one copy: two rows that never existed at the same time (a
        notification deleted before a later one reused its id) cannot be compared by anyone
        holding a single copy.
        """
        for moment in self._moments:
            yield [
                AttributedRow(
                    row_id[0],
                    self._columns[row_id[0]][0],
                    self._versions[row_id][frozen],
                    self._owners[row_id],
                    self._columns[row_id[0]][1],
                )
                for row_id, frozen in moment
            ]

    def row_count(self) -> int:
        """How many distinct rows (not versions) were seen."""
        return len(self._versions)


@dataclass(frozen=True)
class Leaf:
    """One comparable piece of a stored value.

    Attributes:
        location: ``table.column``, followed by the JSON path for a value inside JSON.
        text: the value as normalised text.
        token: whether it is a token of a longer string rather than a whole value.
        raw: the bytes, for a binary value (``text`` is then their hex).
    """

    location: str
    text: str
    token: bool = False
    raw: bytes | None = None


def normalise_time(value: datetime) -> str:
    """ISO text of a timestamp in UTC without offset (aware and naive UTC compare equal)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def _parsed_time(text: str) -> str | None:
    if not _TIMESTAMP.match(text):
        return None
    try:
        return normalise_time(datetime.fromisoformat(text))
    except ValueError:
        return None


def _json(text: str) -> object | None:
    if text[:1] not in ("{", "["):
        return None
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return None
    return parsed


def _number(value: float | Decimal) -> str:
    if value == int(value):
        return str(int(value))
    return repr(float(value))


def leaves(location: str, value: object) -> Iterator[Leaf]:
    """Flatten a stored value into comparable leaves.

    JSON (objects, lists, and strings holding them) yields every leaf, at ``location`` plus
    its path (``.key``, ``[]`` for list items). Strings yield themselves and their tokens
    (split on ``: | / , ; =`` and whitespace): a string without whitespace, such as a key
    ``forum:3:created:7``, by position (``[part 3]``), free text as words (``[word]``).
    Timestamps yield one normalised ISO text instead, like datetimes do. Numbers yield their
    decimal text (``2.0`` as ``2``), booleans ``true``/``false``, bytes their hex. ``None``
    and empty strings yield nothing.
    """
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from leaves(f"{location}.{key}", item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(f"{location}[]", item)
    elif isinstance(value, bool):
        yield Leaf(location, "true" if value else "false")
    elif isinstance(value, int):
        yield Leaf(location, str(value))
    elif isinstance(value, float | Decimal):
        yield Leaf(location, _number(value))
    elif isinstance(value, datetime):
        yield Leaf(location, normalise_time(value))
    elif isinstance(value, date):
        yield Leaf(location, value.isoformat())
    elif isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if raw:
            yield Leaf(location, raw.hex(), raw=raw)
    elif isinstance(value, UUID):
        yield Leaf(location, str(value))
    elif isinstance(value, str):
        yield from _string_leaves(location, value)
    else:
        yield from _string_leaves(location, str(value))


def _string_leaves(location: str, text: str) -> Iterator[Leaf]:
    if not text:
        return
    parsed = _json(text)
    if parsed is not None:
        yield from leaves(location, parsed)
        return
    time = _parsed_time(text)
    if time is not None:
        yield Leaf(location, time)
        return
    yield Leaf(location, text)
    tokens = TOKEN_SEPARATORS.split(text)
    if len(tokens) < 2:
        return
    # A key such as "forum:3:created:7" compares part by part; free text word by word.
    structured = not any(character.isspace() for character in text)
    for position, token in enumerate(tokens):
        if token:
            where = f"[part {position}]" if structured else "[word]"
            yield Leaf(location + where, token, token=True)


@dataclass(frozen=True)
class Link:
    """A value only one person's rows hold, in more than one of their contexts.

    Attributes:
        owner: the person.
        value: the value (normalised text).
        places: each context with the locations holding the value there (``table.column``,
            then the JSON path and ``[part n]`` or ``[word]`` for a token of a string).
    """

    owner: str
    value: str
    places: tuple[tuple[Context, tuple[str, ...]], ...]


def _context_order(context: Context) -> tuple[str, str]:
    return (context[0], f"{context[1]!r:>12}")


ValueIndex = dict[str, dict[str, dict[str, dict[Context, set[str]]]]]


def value_index(rows: Iterable[AttributedRow]) -> ValueIndex:
    """value → owner → domain → context → locations (table.column and path)."""
    index: ValueIndex = {}
    for row in rows:
        owner, context = row.attribution.owner, row.attribution.context
        for base, domain, value in row.cells():
            for leaf in leaves(base, value):
                path = leaf.location[len(base) :]
                by_domain = index.setdefault(leaf.text, {}).setdefault(owner, {})
                by_domain.setdefault(domain + path, {}).setdefault(context, set()).add(
                    leaf.location
                )
    return index


def find_links(
    rows: Iterable[AttributedRow],
    people: Collection[str],
    *,
    everyone: ValueIndex | None = None,
) -> list[Link]:
    """Return every link of every person in ``people``, most contexts first.

    Rows of owners outside ``people`` (staff, system, seed data) are not checked for links,
    but their values count as shared (see the module docstring for the rule). ``rows`` are
    what one copy holds; ``everyone`` (a :func:`value_index` of every row of the run;
    default: ``rows``) decides which values are shared:
    a status name that another person's rows hold at some other moment is still not a
    value that singles anybody out.
    """
    index = value_index(rows)
    common = index if everyone is None else everyone
    links: list[Link] = []
    for value, by_owner in index.items():
        others = common.get(value, {})
        for person in people:
            link = _link(person, value, by_owner, others)
            if link is not None:
                links.append(link)
    links.sort(key=lambda link: (link.owner, -len(link.places), link.value))
    return links


def _link(
    person: str,
    value: str,
    by_owner: Mapping[str, Mapping[str, Mapping[Context, set[str]]]],
    common: Mapping[str, Mapping[str, Mapping[Context, set[str]]]],
) -> Link | None:
    mine = by_owner.get(person)
    if not mine:
        return None
    shared = {domain for owner, domains in common.items() if owner != person for domain in domains}
    kept = {domain: places for domain, places in mine.items() if domain not in shared}
    if len(value) < DISTINCTIVE_CHARS:
        kept = {domain: places for domain, places in kept.items() if len(places) >= 2}
    merged: dict[Context, set[str]] = defaultdict(set)
    for places in kept.values():
        for context, shown in places.items():
            merged[context] |= shown
    if len(merged) < 2:
        return None
    ordered = sorted(merged.items(), key=lambda item: _context_order(item[0]))
    return Link(person, value, tuple((ctx, tuple(sorted(shown))) for ctx, shown in ordered))


@dataclass(frozen=True)
class Exposure:
    """A stored value that equals or contains a secret.

    Attributes:
        secret: which secret (a label such as ``"P1 identity key"``, never the secret).
        location: ``table.column`` (and JSON path) holding it.
        attribution: the row's attribution.
        value: the stored value (normalised text).
        how: ``"equals"``, ``"contains"`` or ``"fragment"`` (a long hex run of the secret).
    """

    secret: str
    location: str
    attribution: Attribution
    value: str
    how: str


def _exposure(leaf: Leaf, secret: str, fragments: bool) -> str | None:
    if leaf.text == secret:
        return "equals"
    if secret in leaf.text or (leaf.raw is not None and secret.encode() in leaf.raw):
        return "contains"
    if (
        fragments
        and len(leaf.text) >= MIN_FRAGMENT
        and _HEX.match(leaf.text)
        and leaf.text.lower() in secret.lower()
    ):
        return "fragment"
    return None


def find_exposures(
    rows: Iterable[AttributedRow],
    secrets: Mapping[str, str],
    *,
    fragments_of: Collection[str] = (),
) -> list[Exposure]:
    """Return every stored value that equals or contains one of ``secrets``.

    Args:
        rows: the row versions to search.
        secrets: label → secret text (an identity key, a Telegram id as decimal text...).
        fragments_of: labels of secrets (identity keys) of which any hex run of at least
            :data:`MIN_FRAGMENT` characters also counts, to catch truncated keys.
    """
    found: dict[tuple[str, str, Attribution, str], str] = {}
    for row in rows:
        for base, _, value in row.cells():
            for leaf in leaves(base, value):
                for label, secret in secrets.items():
                    how = _exposure(leaf, secret, label in fragments_of)
                    if how is not None:
                        found.setdefault((label, leaf.location, row.attribution, leaf.text), how)
    return [
        Exposure(label, location, attribution, text, how)
        for (label, location, attribution, text), how in sorted(
            found.items(), key=lambda item: (item[0][0], item[0][1], item[0][3])
        )
    ]


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _context_text(context: Context) -> str:
    kind, scope = context
    return kind if scope is None else f"{kind} {scope}"


def describe(links: Collection[Link], exposures: Collection[Exposure], *, summary: str = "") -> str:
    """A report of links and exposures, readable enough to paste into a note."""
    lines = [f"linkability scan: {len(links)} links, {len(exposures)} exposed secrets"]
    if summary:
        lines.append(summary)
    if links:
        lines.append("")
        lines.append("LINKS: a value only this person's rows hold, in more than one context")
        for link in links:
            lines.append(f"  {link.owner}  {shorten(link.value)!r}  in {len(link.places)} contexts")
            for context, locations in link.places:
                lines.append(f"      {_context_text(context):<24} {', '.join(locations)}")
    if exposures:
        lines.append("")
        lines.append("EXPOSED SECRETS: a stored value equals or contains one")
        for exposure in exposures:
            where = f"{exposure.attribution.owner}, {_context_text(exposure.attribution.context)}"
            lines.append(
                f"  {exposure.secret:<22} {exposure.how:<9} {exposure.location:<32} "
                f"({where}) {shorten(exposure.value, 24)!r}"
            )
    return "\n".join(lines)
