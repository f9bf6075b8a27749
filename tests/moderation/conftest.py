"""Fixtures for the moderation library: offline guard, tiny Detoxify model, eval set, doubles."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation import DetoxifyScorer
from moderation.detoxify_model import build_tiny_checkpoint, model_paths
from tests.support.network import is_loopback
from tests.support.scorers import FailingScorer, StaticScorer


@pytest.fixture(scope="session", autouse=True)
def _offline() -> Iterator[None]:
    """Fail any attempt to go beyond loopback; tell Hugging Face libraries to stay offline."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family in {socket.AF_INET, socket.AF_INET6} and not is_loopback(address[0]):
            raise OSError(f"network access attempted in a moderation test: {address!r}")
        real_connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise OSError(f"name lookup attempted in a moderation test: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        patch.setattr(socket.socket, "connect", guarded_connect)
        patch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
        yield


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory holding the tiny Detoxify-format BERT."""
    model_dir = tmp_path_factory.mktemp("tiny-detoxify")
    build_tiny_checkpoint(model_dir, seed=0)
    return model_dir


@pytest.fixture(scope="session")
def detoxify_scorer(tiny_model_dir: Path) -> DetoxifyScorer:
    """The real DetoxifyScorer on the tiny checkpoint."""
    checkpoint, config_dir = model_paths(tiny_model_dir)
    return DetoxifyScorer.from_local(checkpoint, config_dir)


@pytest.fixture(scope="session")
def eval_rows() -> list[dict[str, Any]]:
    """The labelled evaluation set (benign, abusive, pii, lookalike)."""
    eval_set = Path(__file__).resolve().parents[1] / "data" / "moderation_eval.jsonl"
    with eval_set.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def static_scorer() -> type[StaticScorer]:
    """The StaticScorer class."""
    return StaticScorer


@pytest.fixture
def failing_scorer() -> FailingScorer:
    """A scorer that always fails."""
    return FailingScorer()
