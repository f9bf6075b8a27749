"""Authorship at rest becomes unlinkable: tags per scope and sealed references, no identity ids.

Before, ``posts.author_id``, ``threads.author_id``, ``reports.reporter_id``,
``rsvps.identity_id``, ``subscriptions.identity_id``, ``notifications.recipient_id``,
``idempotency_keys.identity_id`` and ``moderation_items.claimed_by`` all pointed at one
``identities`` row, which held the identity key in clear: one ``GROUP BY`` of a stolen copy
gave every post, report, RSVP and notification of a person. After, each of those rows holds
the person's tag for that row's scope only (``forum_service.vault``) and, where the service must
reach the person again, their identity key sealed with the at-rest key. Notifications already
settled are deleted (the outbox keeps only what is still to send).

Existing rows are converted in place. That needs the service's secrets: ``migrate.upgrade``
passes a ``Vault`` in ``config.attributes["vault"]`` (the CLI and the runner build it from
``FORUM_PSEUDONYM_SECRET`` and ``FORUM_AT_REST_KEY``). An empty database needs none.

The sealed per-identity state written here is format 1:
``{"k": identity key, "c": first seen (epoch s), "p": [own post ids, oldest first],
"tp": [], "tr": []}`` (recent post and report times start empty: rate limits restart).

Downgrade restores the old columns on an empty database only: it would have to rebuild the
linkable schema from the sealed values, which is what this revision exists to prevent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TAG = sa.String(32)


def _vault() -> Any:
    config = op.get_context().config
    vault = None if config is None else config.attributes.get("vault")
    if vault is None:
        raise RuntimeError(
            "migration 0006 converts existing people and posts and needs the service's secrets: "
            "run `mscos-forum migrate` (or `mscos-forum run`) with FORUM_PSEUDONYM_SECRET and "
            "FORUM_AT_REST_KEY set"
        )
    return vault


def _epoch(value: Any) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _add_columns() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("lookup", sa.String(64), nullable=True))
        batch.add_column(sa.Column("state", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("author_tag", TAG, nullable=True))
        batch.add_column(sa.Column("author_seal", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("scope", TAG, nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("reporter_tag", TAG, nullable=True))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("recipient_seal", sa.LargeBinary(), nullable=True))
    for table in ("rsvps", "subscriptions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("member_tag", TAG, nullable=True))
            batch.add_column(sa.Column("member_seal", sa.LargeBinary(), nullable=True))
    op.create_table(
        "vault_check",
        sa.Column("id", BIG, nullable=False),
        sa.Column("sealed_canary", sa.LargeBinary(), nullable=False),
        sa.Column("tag_canary", TAG, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_check")),
    )


def _convert(conn: sa.Connection) -> None:
    people = conn.execute(sa.text("SELECT id, key, created_at FROM identities")).all()
    if not people:
        return
    vault = _vault()
    keys = {identity_id: key for identity_id, key, _ in people}
    own_posts: dict[int, list[int]] = {}
    for post_id, thread_id, author_id in conn.execute(
        sa.text("SELECT id, thread_id, author_id FROM posts ORDER BY id")
    ):
        key = keys[author_id]
        tag = vault.tag(key, f"thread:{thread_id}")
        conn.execute(
            sa.text("UPDATE posts SET author_tag = :tag, author_seal = :seal WHERE id = :id"),
            {"tag": tag, "seal": vault.seal_key(key, f"posts.author|{tag}"), "id": post_id},
        )
        own_posts.setdefault(author_id, []).append(post_id)
    for identity_id, key, created_at in people:
        lookup = vault.identity_lookup(key)
        state = {"k": key, "c": _epoch(created_at), "p": own_posts.get(identity_id, [])}
        state |= {"tp": [], "tr": []}
        conn.execute(
            sa.text("UPDATE identities SET lookup = :lookup, state = :state WHERE id = :id"),
            {
                "lookup": lookup,
                "state": vault.seal_json(state, f"identities.state|{lookup}"),
                "id": identity_id,
            },
        )
    for row_id, identity_id, client_key in conn.execute(
        sa.text("SELECT id, identity_id, key FROM idempotency_keys")
    ).all():
        conn.execute(
            sa.text("UPDATE idempotency_keys SET scope = :scope WHERE id = :id"),
            {"scope": vault.tag(keys[identity_id], f"idempotency:{client_key}"), "id": row_id},
        )
    for row_id, post_id, reporter_id in conn.execute(
        sa.text("SELECT id, post_id, reporter_id FROM reports")
    ).all():
        conn.execute(
            sa.text("UPDATE reports SET reporter_tag = :tag WHERE id = :id"),
            {"tag": vault.tag(keys[reporter_id], f"report:{post_id}"), "id": row_id},
        )
    conn.execute(sa.text("DELETE FROM notifications WHERE status NOT IN ('pending', 'sending')"))
    for row_id, recipient_id, dedupe_key in conn.execute(
        sa.text("SELECT id, recipient_id, dedupe_key FROM notifications")
    ).all():
        key = keys[recipient_id]
        # Fan-out dedupe keys ended in ":<identity id>"; they end in the person's tag now.
        # (Decision keys end in an item version instead, and are kept.)
        suffix = f":{recipient_id}"
        fan_out = dedupe_key is not None and not dedupe_key.startswith("decision:")
        if fan_out and dedupe_key is not None and dedupe_key.endswith(suffix):
            prefix = dedupe_key.removesuffix(suffix)
            dedupe_key = f"{prefix}:{vault.tag(key, prefix)}"
        conn.execute(
            sa.text(
                "UPDATE notifications SET recipient_seal = :seal, dedupe_key = :dedupe"
                " WHERE id = :id"
            ),
            {
                "seal": vault.seal_key(key, "notifications.recipient"),
                "dedupe": dedupe_key,
                "id": row_id,
            },
        )
    for table, scope_column, prefix in (
        ("rsvps", "forum_id", "forum"),
        ("subscriptions", "topic", "topic"),
    ):
        for row_id, identity_id, scope in conn.execute(
            # Both names come from the literal tuple above.
            sa.text(f"SELECT id, identity_id, {scope_column} FROM {table}")  # noqa: S608
        ).all():
            key = keys[identity_id]
            tag = vault.tag(key, f"{prefix}:{scope}")
            conn.execute(
                sa.text(
                    f"UPDATE {table} SET member_tag = :tag, member_seal = :seal WHERE id = :id"  # noqa: S608
                ),
                {"tag": tag, "seal": vault.seal_key(key, f"{table}.member|{tag}"), "id": row_id},
            )
    check = vault.key_check()
    conn.execute(
        sa.text("INSERT INTO vault_check (id, sealed_canary, tag_canary) VALUES (1, :s, :t)"),
        {"s": check.sealed_canary, "t": check.tag_canary},
    )


def _drop_old_columns() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_index("ix_threads_author_id")
        batch.drop_constraint("fk_threads_author_id_identities", type_="foreignkey")
        batch.drop_column("author_id")
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_author")
        batch.drop_constraint("fk_posts_author_id_identities", type_="foreignkey")
        batch.drop_column("author_id")
        batch.alter_column("author_tag", existing_type=TAG, nullable=False)
        batch.alter_column("author_seal", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("uq_idempotency_keys_identity_key", type_="unique")
        batch.drop_constraint("fk_idempotency_keys_identity_id_identities", type_="foreignkey")
        batch.drop_column("identity_id")
        batch.drop_column("key")
        batch.alter_column("scope", existing_type=TAG, nullable=False)
        batch.create_unique_constraint("uq_idempotency_keys_scope", ["scope"])
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("uq_reports_post_reporter", type_="unique")
        batch.drop_constraint("fk_reports_reporter_id_identities", type_="foreignkey")
        batch.drop_column("reporter_id")
        batch.alter_column("reporter_tag", existing_type=TAG, nullable=False)
        batch.create_unique_constraint("uq_reports_post_reporter", ["post_id", "reporter_tag"])
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_recipient_id")
        batch.drop_constraint("fk_notifications_recipient_id_identities", type_="foreignkey")
        batch.drop_column("recipient_id")
        batch.drop_column("sent_at")
        batch.alter_column("recipient_seal", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("moderation_items") as batch:
        # Claims are short leases: releasing them here loses nothing.
        batch.drop_constraint("fk_moderation_items_claimed_by_identities", type_="foreignkey")
        batch.drop_column("claimed_by")
        batch.add_column(sa.Column("claimed_by", TAG, nullable=True))
    with op.batch_alter_table("rsvps") as batch:
        batch.drop_constraint("uq_rsvps_forum_identity", type_="unique")
        batch.drop_constraint("fk_rsvps_identity_id_identities", type_="foreignkey")
        batch.drop_column("identity_id")
        batch.alter_column("member_tag", existing_type=TAG, nullable=False)
        batch.alter_column("member_seal", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint("uq_rsvps_forum_member", ["forum_id", "member_tag"])
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_index("ix_subscriptions_topic")
        batch.drop_constraint("uq_subscriptions_identity_topic", type_="unique")
        batch.drop_constraint("fk_subscriptions_identity_id_identities", type_="foreignkey")
        batch.drop_column("identity_id")
        batch.alter_column("member_tag", existing_type=TAG, nullable=False)
        batch.alter_column("member_seal", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint("uq_subscriptions_topic_member", ["topic", "member_tag"])
    with op.batch_alter_table("identities") as batch:
        batch.drop_constraint("uq_identities_key", type_="unique")
        batch.drop_column("key")
        batch.drop_column("created_at")
        batch.alter_column("lookup", existing_type=sa.String(64), nullable=False)
        batch.alter_column("state", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint("uq_identities_lookup", ["lookup"])


def upgrade() -> None:
    """Add the new columns, convert every row, then drop the linkable columns."""
    if op.get_bind().execute(sa.text("SELECT COUNT(*) FROM identities")).scalar():
        _vault()  # refuse before any change when there are people and no secrets
    _add_columns()
    _convert(op.get_bind())
    _drop_old_columns()


def downgrade() -> None:
    """Restore the old columns (empty databases only, see the module docstring)."""
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT COUNT(*) FROM identities")).scalar():
        raise RuntimeError(
            "0006 cannot be undone on a database with people in it: the old schema linked "
            "everything a person did; restore a backup taken before the upgrade instead"
        )
    op.drop_table("vault_check")
    with op.batch_alter_table("identities") as batch:
        batch.drop_constraint("uq_identities_lookup", type_="unique")
        batch.drop_column("lookup")
        batch.drop_column("state")
        batch.add_column(sa.Column("key", sa.String(64), nullable=False))
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=False))
        batch.create_unique_constraint("uq_identities_key", ["key"])

    def identity_column(batch: Any, table: str, column: str, *, nullable: bool = False) -> None:
        batch.add_column(sa.Column(column, BIG, nullable=nullable))
        batch.create_foreign_key(f"fk_{table}_{column}_identities", "identities", [column], ["id"])

    with op.batch_alter_table("threads") as batch:
        identity_column(batch, "threads", "author_id")
        batch.create_index("ix_threads_author_id", ["author_id"])
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("author_tag")
        batch.drop_column("author_seal")
        identity_column(batch, "posts", "author_id")
        batch.create_index("ix_posts_author", ["author_id", "id"])
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_constraint("uq_idempotency_keys_scope", type_="unique")
        batch.drop_column("scope")
        identity_column(batch, "idempotency_keys", "identity_id")
        batch.add_column(sa.Column("key", sa.String(100), nullable=False))
        batch.create_unique_constraint("uq_idempotency_keys_identity_key", ["identity_id", "key"])
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("uq_reports_post_reporter", type_="unique")
        batch.drop_column("reporter_tag")
        identity_column(batch, "reports", "reporter_id")
        batch.create_unique_constraint("uq_reports_post_reporter", ["post_id", "reporter_id"])
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("recipient_seal")
        identity_column(batch, "notifications", "recipient_id")
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_notifications_recipient_id", ["recipient_id"])
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("claimed_by")
        identity_column(batch, "moderation_items", "claimed_by", nullable=True)
    for table, new_unique, old_unique, columns in (
        ("rsvps", "uq_rsvps_forum_member", "uq_rsvps_forum_identity", ["forum_id", "identity_id"]),
        (
            "subscriptions",
            "uq_subscriptions_topic_member",
            "uq_subscriptions_identity_topic",
            ["identity_id", "topic"],
        ),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(new_unique, type_="unique")
            batch.drop_column("member_tag")
            batch.drop_column("member_seal")
            identity_column(batch, table, "identity_id")
            batch.create_unique_constraint(old_unique, columns)
    with op.batch_alter_table("subscriptions") as batch:
        batch.create_index("ix_subscriptions_topic", ["topic", "identity_id"])
