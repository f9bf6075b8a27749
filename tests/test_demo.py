"""`mscos-forum demo` plays its whole script and reports each step in the transcript."""

from __future__ import annotations

import io

from mscos_forum.demo import FORUM_TITLE, PARTNER_LABEL, run_demo


async def test_demo_transcript_contains_the_approval_and_the_announcement() -> None:
    out = io.StringIO()
    code = await run_demo(out)
    transcript = out.getvalue()
    assert code == 0, transcript
    assert "This forum is for members only" in transcript  # the newcomer's /read
    assert PARTNER_LABEL in transcript and "?start=" in transcript
    assert "you are now a member" in transcript
    assert "presses [Approve]" in transcript
    assert "this looks like a phone number: 07700 900123" in transcript
    assert "presses [Edit]" in transcript
    assert "was approved and is now visible" in transcript
    assert "[bot → Practitioner B]" in transcript and "debt-bondage" in transcript
    assert FORUM_TITLE in transcript and "November, date TBC" in transcript
    assert "Demo complete" in transcript
