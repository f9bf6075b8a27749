"""``python -m bench wrk`` runs end to end in its smallest configuration: real wrk, the real
service and the raw-driver baseline, every endpoint answered without an error. Figures are
never asserted."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from aiohttp import web

from bench import wrk

ENDPOINTS = {"boards", "threads", "read", "post", "healthz"}


def test_every_endpoint_is_measured_on_both_sides_without_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    argv = ["--backends", "sqlite", "--levels", "2", "--seconds", "1", "--rounds", "1", "--out-dir"]
    status = wrk.main([*argv, str(tmp_path)])
    assert status == 0
    data = json.loads((tmp_path / "wrk.json").read_text(encoding="utf-8"))
    sqlite = data["backends"]["sqlite"]
    assert sqlite.keys() >= ENDPOINTS
    for endpoint in ENDPOINTS:
        entry = sqlite[endpoint]["2"]
        for side in ("service", "baseline"):
            assert entry[side]["requests"] > 0, (endpoint, side)
            assert entry[side]["errors"] == 0, (endpoint, side)
        assert entry["ratio"]["throughput"] > 0
    markdown = (tmp_path / "wrk.md").read_text(encoding="utf-8")
    assert "| create post | 2 |" in markdown and "load average" in markdown


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_a_non_2xx_answer_is_a_status_error_and_a_dropped_connection_a_socket_error(
    tmp_path: Path,
) -> None:
    """What decides a failed cell: wrk's own counts, split into status and socket errors."""

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def broken(request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/broken", broken)
    app.router.add_get("/drop", drop)
    runner, base = await _serve(app)
    binary = wrk.ensure_wrk()
    args = argparse.Namespace(rounds=1, seconds=1.0)
    try:
        entries = {}
        for path in ("ok", "broken", "drop"):
            script = tmp_path / f"{path}.lua"
            script.write_text(wrk._lua("GET", f"/{path}", ["k"], "t"), encoding="utf-8")
            cell = {"service": script, "baseline": script}
            entries[path] = await wrk._cell(
                binary, {"service": base, "baseline": base}, cell, 2, args
            )
    finally:
        await runner.cleanup()
    assert entries["ok"]["errors"] == 0
    assert wrk._error_detail(entries["ok"]) == "unknown"
    assert entries["broken"]["errors"] > 0
    assert wrk._has_status_errors(entries["broken"])
    assert "status" in wrk._error_detail(entries["broken"])
    assert entries["drop"]["errors"] > 0
    assert not wrk._has_status_errors(entries["drop"])
    assert wrk._error_detail(entries["drop"]).startswith("service: ")
