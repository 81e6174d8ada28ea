"""Order tags carry a trader's note and are still found when a server shortens the note."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mt5bridge.errors import InvalidRequest
from mt5bridge.order_tags import first_tagged, tag_comment


def test_tag_with_note_fits_31_chars_and_refuses_what_does_not_fit() -> None:
    assert tag_comment("ab12cd34-0") == "mb:ab12cd34-0"
    assert tag_comment("ab12cd34-0", "grid hedge L1") == "mb:ab12cd34-0 grid hedge L1"
    assert len(tag_comment("ab12cd34-0", "x" * 17)) == 31
    with pytest.raises(InvalidRequest):
        tag_comment("ab12cd34-0", "x" * 18)
    with pytest.raises(InvalidRequest):
        tag_comment("ab12cd34-0", "黄金")


def test_first_tagged_matches_the_tag_not_a_longer_one() -> None:
    records = [
        SimpleNamespace(comment="mb:ab12cd34-10 other"),
        SimpleNamespace(comment="mb:ab12cd34-1 gri"),  # the server shortened the note
    ]
    assert first_tagged(records, "mb:ab12cd34-1 grid hedge") is records[1]
    assert first_tagged(records, "mb:ab12cd34-2") is None
