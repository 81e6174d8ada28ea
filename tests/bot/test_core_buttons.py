"""Button actions: one parser for every kind, and the expiring book behind questions, menus, suggestions."""

from __future__ import annotations

import pytest

from bot.core.book import ExpiringBook
from bot.core.dialog import Press, PressKind, is_press, parse_press

ID = "0123456789abcdef"


@pytest.mark.parametrize(
    ("action", "press"),
    [
        (f"c:{ID}:y", Press(PressKind.CONFIRM, ID, "y")),
        (f"c:{ID}:n", Press(PressKind.CONFIRM, ID, "n")),
        (f"q:{ID}:3", Press(PressKind.QUESTION, ID, "3")),
        (f" s:{ID} ", Press(PressKind.SUGGESTION, ID, "")),
        (f"c:{ID}:3", None),  # a confirmation answers yes or no
        (f"c:{ID}", None),
        (f"q:{ID}:y", None),
        (f"q:{ID}", None),
        (f"s:{ID}:y", None),  # a suggestion carries nothing but its id
        ("s:0123", None),
        ("do:close #123", None),  # the old text form is not an action any more
        ("close #123", None),
    ],
)
def test_one_parser_for_every_button(action: str, press: Press | None) -> None:
    assert parse_press(action) == press
    assert is_press(action) is (press is not None)


def test_expiring_book_forgets_after_its_ttl() -> None:
    now = [0.0]
    book: ExpiringBook[str, int] = ExpiringBook(10.0, lambda: now[0])
    book.put("a", 1)
    book.put("b", 2)
    assert (book.get("a"), book.pop("b"), book.get("b")) == (1, 2, None)  # pop: single use
    now[0] = 9.9
    assert book.get("a") == 1
    now[0] = 10.0
    assert book.get("a") is None and len(book) == 0
    book.put("c", 3)
    now[0] = 25.0
    book.sweep()
    assert len(book) == 0
