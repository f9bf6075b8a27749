"""Check before sending (issue 15): POST /api/v1/drafts/check screens a draft, stores nothing."""

from __future__ import annotations

import logging

import pytest

from tests.support.api import Api
from tests.support.dbdump import dump_all_tables

PHONE = "07700 900123"


async def _check(api: Api, identity: str, expect: int = 200, **draft: object) -> dict[str, object]:
    result: dict[str, object] = await api.call(
        "POST", "/api/v1/drafts/check", identity, json=draft, expect=expect
    )
    return result


async def test_a_phone_number_is_found_with_its_span_description_and_redaction(api: Api) -> None:
    body = f"Her mobile is {PHONE}, call after six."
    found = await _check(api, api.new_identity(), body=body)

    assert found["clean"] is False
    (finding,) = found["findings"]  # type: ignore[misc]
    assert finding["field"] == "body" and finding["kind"] == "phone"
    assert body[finding["start"] : finding["end"]] == PHONE
    assert finding["description"] == "this looks like a phone number"
    assert found["redacted_body"] == "Her mobile is [phone number], call after six."
    assert found["body"] == body and found["title"] is None


async def test_spans_count_code_points_and_utf16_units_after_emoji(api: Api) -> None:
    body = f"🙂🙂 e-mail jo.bloggs@example.org or ring {PHONE}"
    found = await _check(api, api.new_identity(), body=body)

    kinds = [f["kind"] for f in found["findings"]]  # type: ignore[attr-defined]
    assert kinds == ["email", "phone"]
    for finding in found["findings"]:  # type: ignore[attr-defined]
        span = body[finding["start"] : finding["end"]]
        utf16 = body.encode("utf-16-le")
        offset, length = finding["utf16_offset"] * 2, finding["utf16_length"] * 2
        assert utf16[offset : offset + length].decode("utf-16-le") == span
    assert found["findings"][0]["utf16_offset"] == found["findings"][0]["start"] + 2  # type: ignore[index]


async def test_title_and_risk_patterns_are_screened_and_redacted_too(api: Api) -> None:
    title = f"Call {PHONE}"
    body = "Does anyone know which hostel the girl is staying in now?"
    found = await _check(api, api.new_identity(), title=title, body=body)

    fields = {(f["field"], f["kind"]) for f in found["findings"]}  # type: ignore[attr-defined]
    assert fields == {("title", "phone"), ("body", "risk_pattern")}
    risk = next(f for f in found["findings"] if f["kind"] == "risk_pattern")  # type: ignore[attr-defined]
    assert risk["description"] == "moderators may read this as: asks where a person is"
    assert found["redacted_title"] == "Call [phone number]"
    assert "[removed]" in str(found["redacted_body"]) and "hostel" not in str(
        found["redacted_body"]
    )


async def test_a_clean_draft_has_no_findings_and_is_returned_as_it_would_be_stored(
    api: Api,
) -> None:
    found = await _check(api, api.new_identity(), title="  Housing  ", body="Any advice?\r\nThanks")

    assert found["clean"] is True and found["findings"] == []
    assert (found["title"], found["body"]) == ("Housing", "Any advice?\nThanks")
    assert found["redacted_body"] == found["body"]


async def test_nothing_of_the_draft_is_stored_or_logged(
    api: Api, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await dump_all_tables(database_url)
    await _check(api, api.new_identity(), title="Secret title", body=f"Secret {PHONE}")

    assert await dump_all_tables(database_url) == before
    assert PHONE not in caplog.text and "Secret" not in caplog.text


@pytest.mark.parametrize(
    ("draft", "code"),
    [
        ({"body": ""}, "body_empty"),
        ({"body": "\u200b \u200b"}, "body_empty"),
        ({"body": "x" * 4001}, "body_too_long"),
        ({"body": "ok", "title": "t" * 201}, "title_too_long"),
        ({"body": "ok", "title": "two\nlines"}, "title_multiline"),
        ({"body": "a\u202eb"}, "text_control_characters"),
        ({"body": "a\x00b"}, "text_control_characters"),
        ({"body": 5}, "invalid_request"),
        ({"title": "no body"}, "invalid_request"),
        ({"body": "ok", "extra": 1}, "invalid_request"),
    ],
)
async def test_bad_drafts_are_refused_with_the_post_routes_codes(
    api: Api, draft: dict[str, object], code: str
) -> None:
    refused = await _check(api, api.new_identity(), expect=422, **draft)
    assert refused["error"]["code"] == code  # type: ignore[index]


async def test_markup_is_text_and_the_check_needs_an_identity(api: Api) -> None:
    body = f"<b>{PHONE}</b> &amp;"
    found = await _check(api, api.new_identity(), body=body)
    assert found["redacted_body"] == "<b>[phone number]</b> &amp;"

    anonymous = await api.call("POST", "/api/v1/drafts/check", None, json={"body": "x"})
    assert anonymous["error"]["code"] == "identity_missing"
    not_json = await api.client.post(
        "/api/v1/drafts/check", data=b"{", headers=api.headers(api.new_identity())
    )
    assert not_json.status == 400


async def test_a_disclosure_of_ones_own_crisis_is_not_flagged_for_removal(api: Api) -> None:
    checked = await api.call(
        "POST",
        "/api/v1/drafts/check",
        api.new_identity(),
        json={"body": "I want to end it. I can't go on like this."},
        expect=200,
    )
    assert checked["findings"] == [] and checked["clean"] is True
