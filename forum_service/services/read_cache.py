"""Per-process caches of the hot reads, each entry valid for one set of database versions.

A thread read and a board's page change only when a row under them changes. Triggers
(migration 0019_read_path) bump a version row in the same transaction as any such change,
whichever code or process made it; a reader checks those versions with one small statement
and reuses its entry while they are unchanged. The version is always read *before* the data
it guards, so an entry is never older than its versions: at worst newer, and read again on
the next call. Nothing here is stored anywhere but this process's memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from forum_service.domain import Page, Post, PostStatus, ThreadSummary, ThreadView

K = TypeVar("K")
V = TypeVar("V")

#: Threads with more posts than this are read with the per-viewer statement, never cached.
CACHED_POSTS_PER_THREAD = 200
#: Posts held by the thread cache at most, over every entry (a bound on its memory).
CACHED_POSTS_TOTAL = 5_000
#: Boards' pages held (a page per board, cursor and page size).
CACHED_PAGES = 256
#: Public views kept per cached thread (one per position and page size asked for).
PUBLIC_VIEWS_PER_THREAD = 8

Versions = tuple[int, int]


class VersionedLru(Generic[K, V]):
    """Entries kept with the versions they were read at; least recently used go first.

    ``weight`` of an entry counts against ``budget`` (e.g. its posts); ``get`` returns an
    entry only when its versions are the ones given.
    """

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._used = 0
        self._entries: OrderedDict[K, tuple[Versions, V, int]] = OrderedDict()

    def get(self, key: K, versions: Versions) -> V | None:
        """The entry of ``key`` if it was read at ``versions``, else None."""
        found = self._entries.get(key)
        if found is None or found[0] != versions:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: K, versions: Versions, value: V, weight: int = 1) -> None:
        """Keep ``value`` for ``key`` at ``versions``, dropping the oldest entries over budget."""
        old = self._entries.pop(key, None)
        if old is not None:
            self._used -= old[2]
        if weight > self._budget:
            return
        self._entries[key] = (versions, value, weight)
        self._used += weight
        while self._used > self._budget:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self._used -= dropped

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class CachedThread:
    """A thread's header, its author's tag, and all its posts with their authors' tags.

    Most readers see the same thing: the thread is approved and they wrote none of its posts
    that are not approved. Their view is the *public* one, kept once per position and page
    size (``public``) and handed out as the same object, so the API can keep its rendering.
    """

    thread: ThreadSummary
    author_tag: str
    posts: tuple[tuple[Post, str], ...]
    #: Tags of the authors of posts that are not approved: their view is their own.
    private_tags: frozenset[str] = frozenset()
    public: dict[tuple[int, int], tuple[ThreadView, bool]] = field(
        default_factory=dict, compare=False
    )

    @classmethod
    def of(
        cls, thread: ThreadSummary, author_tag: str, posts: list[tuple[Post, str]]
    ) -> CachedThread:
        """An entry for these rows, with the tags whose view is not the public one."""
        private = frozenset(tag for post, tag in posts if post.status is not PostStatus.APPROVED)
        return cls(thread=thread, author_tag=author_tag, posts=tuple(posts), private_tags=private)

    def view(self, viewer_tag: str, *, after_id: int, limit: int) -> tuple[ThreadView, bool]:
        """The thread as ``viewer_tag`` sees it from ``after_id``, and whether more follow.

        The caller has checked that the viewer may see the thread at all.
        """
        public = self.thread.status is PostStatus.APPROVED and viewer_tag not in self.private_tags
        if public:
            found = self.public.get((after_id, limit))
            if found is not None:
                return found
        posts = self.visible(viewer_tag, after_id=after_id, limit=limit + 1)
        made = ThreadView(thread=self.thread, posts=tuple(posts[:limit])), len(posts) > limit
        if public and len(self.public) < PUBLIC_VIEWS_PER_THREAD:
            self.public[(after_id, limit)] = made
        return made

    def visible(self, viewer_tag: str, *, after_id: int, limit: int) -> list[Post]:
        """What ``boards_repo.visible_posts`` returns for this viewer, from the entry.

        Approved and held posts for everyone and the viewer's own of any status, oldest
        first, after ``after_id``, at most ``limit``; a held post's text only for its author.
        """
        out: list[Post] = []
        for post, tag in self.posts:
            if post.id <= after_id:
                continue
            status = post.status
            if status is PostStatus.APPROVED:
                out.append(post)
            elif status is PostStatus.HELD:
                out.append(post if tag == viewer_tag else replace(post, body=""))
            elif tag == viewer_tag:
                out.append(post)
            else:
                continue
            if len(out) >= limit:
                break
        return out


PageKey = tuple[str, str | None, int]
CachedPage = Page[ThreadSummary]
