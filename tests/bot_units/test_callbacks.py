"""Callback data: one layout per button, built and read in one place."""

from __future__ import annotations

import re

import pytest

from bot.callbacks import CALLBACK_DATA_LIMIT, LAYOUTS, Button, build, parse, pattern


def test_every_button_has_a_distinct_prefix_and_a_layout() -> None:
    assert len({button.value for button in Button}) == len(Button)
    assert LAYOUTS.keys() == set(Button)


@pytest.mark.parametrize(
    ("button", "fields", "data"),
    [
        (Button.APPROVE, (12, 3), "qa:12:3"),
        (Button.REJECT_BECAUSE, (12, 3, "off_topic"), "qc:12:3:off_topic"),
        (Button.BOARD_PAGE, ("housing", "9f3a0c1d"), "rp:housing:9f3a0c1d"),
        (Button.RSVP, (4, "not_going"), "fr:4:not_going"),
        (Button.UNSUBSCRIBE, ("everything",), "un:everything"),
        (Button.NEW_THREAD_CONFIRM, ("send",), "nc:send"),
        (Button.EXIT, (), "ex"),
    ],
)
def test_built_data_reads_back_as_its_fields(
    button: Button, fields: tuple[str | int, ...], data: str
) -> None:
    assert build(button, *fields) == data
    assert parse(button, data) == tuple(str(field) for field in fields)
    assert re.match(pattern(button), data) and re.match(pattern(button, whole=True), data)


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (Button.APPROVE, None),
        (Button.APPROVE, ""),
        (Button.APPROVE, "qa:12"),
        (Button.APPROVE, "qa:12:3:4"),
        (Button.APPROVE, "qa:twelve:3"),
        (Button.APPROVE, "qe:12:3"),
        (Button.REJECT_BECAUSE, "qc:12:3:Off topic"),
        (Button.THREAD, "rt:"),
        (Button.THREAD, "rt:²"),
        (Button.RSVP, "fr:4:maybe"),
        (Button.NEW_THREAD_CONFIRM, "nc:sendnow"),
        (Button.BOARD_PAGE, "rp:housing"),
        (Button.EXIT, "ex:"),
        (Button.EXIT, "ex:now"),
    ],
)
def test_malformed_or_foreign_data_is_refused(button: Button, data: str | None) -> None:
    assert parse(button, data) is None


def test_a_prefix_pattern_admits_malformed_data_for_the_handler_to_refuse() -> None:
    assert re.match(pattern(Button.APPROVE), "qa:twelve")
    assert not re.match(pattern(Button.APPROVE), "qax:1:2")
    assert not re.match(pattern(Button.RSVP, whole=True), "fr:4:maybe")


def test_data_that_does_not_fit_is_a_bug_caught_when_building() -> None:
    with pytest.raises(ValueError, match="THREAD"):
        build(Button.THREAD, "not-an-id")
    with pytest.raises(ValueError):
        build(Button.BOARD, "a:b")
    with pytest.raises(ValueError):
        build(Button.BOARD_PAGE, "x" * CALLBACK_DATA_LIMIT, "token")
