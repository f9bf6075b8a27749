"""Re-ranking full-text search hits by meaning, with the sentence-embedding model.

Full-text search decides *what* is found (approved posts holding the words); this module only
reorders those hits. Each text becomes one L2-normalised embedding (all-MiniLM-L6-v2, see
`moderation.embeddings`), so a dot product is a cosine similarity.

* Search: ``blend = COSINE_WEIGHT * cosine(query, title + post) + FTS_WEIGHT * fts`` where
  ``fts`` is the hit's full-text score relative to the best candidate's (bm25 on SQLite,
  ts_rank on PostgreSQL; the best = 1, a hit half as good = 0.5). Blends are rounded to
  ``BLEND_DECIMALS`` so that equal ones tie exactly, and ties go to the lower post id.
* Similar threads: ``max(cosine(new title, title), cosine(new title, title + opening post))``;
  only threads at or above ``SIMILAR_THRESHOLD`` are kept.

Post embeddings are kept in an in-process LRU (`EmbeddingCache`) keyed by post id and a digest
of the embedded text, so an edited post is embedded again and a warm query costs only the
query's own embedding. Encoding runs in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from forum_service.domain import SearchHit

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Weight of meaning and of the full-text place in the blend (they sum to 1).
COSINE_WEIGHT = 0.8
FTS_WEIGHT = 0.2
BLEND_DECIMALS = 4
#: A thread is "similar" to a new title from this cosine on (chosen on the examples of
#: tests/service/test_search_by_meaning.py::test_the_similarity_threshold_separates_the_examples).
SIMILAR_THRESHOLD = 0.6
#: Characters of a post embedded with its title (the model reads 256 word pieces at most;
#: fewer keeps a cold re-rank affordable on CPU).
TEXT_CHARS = 600
#: Post embeddings kept per process (384 float32 each: about 1.5 kB, so ~30 MB).
CACHE_SIZE = 20_000


class TextEncoder(Protocol):
    """What re-ranking needs of `moderation.embeddings.SentenceEncoder`."""

    name: str

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One L2-normalised row per text."""
        ...


def hit_text(hit: SearchHit) -> str:
    """The text of a hit that is embedded: its thread's title and the start of the post."""
    return f"{hit.thread_title}\n{hit.body[:TEXT_CHARS]}"


class EmbeddingCache:
    """An LRU of embeddings keyed by ``(kind, post id, digest of the text)``.

    Only touched from the event loop (the encoding itself runs in a thread).
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._rows: OrderedDict[tuple[str, int, bytes], npt.NDArray[np.float32]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    @staticmethod
    def key(kind: str, post_id: int, text: str) -> tuple[str, int, bytes]:
        return kind, post_id, hashlib.blake2b(text.encode(), digest_size=16).digest()

    def get(self, key: tuple[str, int, bytes]) -> npt.NDArray[np.float32] | None:
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
        return row

    def put(self, key: tuple[str, int, bytes], row: npt.NDArray[np.float32]) -> None:
        self._rows[key] = row
        self._rows.move_to_end(key)
        while len(self._rows) > self._size:
            self._rows.popitem(last=False)


class Reranker:
    """Orders full-text hits by meaning with one shared encoder.

    Args:
        encoder: the process's sentence encoder.
        cache: the post-embedding LRU (a fresh one when None).
    """

    def __init__(self, encoder: TextEncoder, *, cache: EmbeddingCache | None = None) -> None:
        self.encoder = encoder
        self.cache = cache if cache is not None else EmbeddingCache()

    async def _embed(
        self, query: str, items: list[tuple[tuple[str, int, bytes], str]]
    ) -> tuple[npt.NDArray[np.float32], list[npt.NDArray[np.float32]]]:
        """The query's embedding and one per item, encoding only what the cache lacks."""
        rows = [self.cache.get(key) for key, _ in items]
        missing = [i for i, row in enumerate(rows) if row is None]
        texts = [query] + [items[i][1] for i in missing]
        vectors = await asyncio.to_thread(self.encoder.encode, texts)
        for n, i in enumerate(missing, start=1):
            row = vectors[n].copy()
            self.cache.put(items[i][0], row)
            rows[i] = row
        return vectors[0], [row for row in rows if row is not None]

    async def rerank(
        self, query: str, scored: Sequence[tuple[SearchHit, float]]
    ) -> list[SearchHit]:
        """Hits with their full-text scores (lower is better, as the database ranks them)
        re-ranked by the blend, ties by post id."""
        if not scored:
            return []
        hits = [hit for hit, _ in scored]
        items = [(EmbeddingCache.key("post", h.post_id, hit_text(h)), hit_text(h)) for h in hits]
        q, rows = await self._embed(query, items)
        best = min(score for _, score in scored)
        fts = [score / best if best < 0 else 1.0 for _, score in scored]
        blends = [
            round(COSINE_WEIGHT * float(q @ row) + FTS_WEIGHT * strength, BLEND_DECIMALS)
            for row, strength in zip(rows, fts, strict=True)
        ]
        order = sorted(range(len(hits)), key=lambda i: (-blends[i], hits[i].post_id))
        return [hits[i] for i in order]

    async def similar(
        self, title: str, candidates: Sequence[SearchHit], *, limit: int
    ) -> list[tuple[SearchHit, float]]:
        """Up to ``limit`` candidate threads at or above `SIMILAR_THRESHOLD`, most alike first
        (ties by thread id), each with its similarity."""
        if not candidates:
            return []
        items: list[tuple[tuple[str, int, bytes], str]] = []
        for hit in candidates:
            items.append(
                (EmbeddingCache.key("title", hit.post_id, hit.thread_title), hit.thread_title)
            )
            items.append((EmbeddingCache.key("post", hit.post_id, hit_text(hit)), hit_text(hit)))
        q, rows = await self._embed(title, items)
        scored = [
            (hit, round(max(float(q @ rows[2 * i]), float(q @ rows[2 * i + 1])), BLEND_DECIMALS))
            for i, hit in enumerate(candidates)
        ]
        kept = [pair for pair in scored if pair[1] >= SIMILAR_THRESHOLD]
        kept.sort(key=lambda pair: (-pair[1], pair[0].thread_id))
        return kept[:limit]
