"""Rendering: jinja2 templates per language, one render, three correctly escaped formats.

Templates write plain text and mark formatting with filters (`bold`, `code`, and the `pre` block
filter), which emit private-use marker characters. Every `{{ value }}` passes `finalize`, which strips
those markers from data, so a symbol or comment can never open or close formatting. The rendered text is
then converted once per format: plain (markers dropped), Telegram HTML (everything escaped, markers to
tags) and MarkdownV2 (every special character escaped, markers to `*`/`` ` ``/```` ``` ````). Static
template text is escaped the same way, so templates need not know MarkdownV2's rules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from bot.messages import Button, Reply

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REPORT_TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
LANGS = ("zh", "en")
BOLD_ON, BOLD_OFF, CODE_ON, CODE_OFF, PRE_ON, PRE_OFF = (chr(0xE000 + i) for i in range(6))
_MARKERS = re.compile("[\ue000-\ue005]")
_TOKENS = re.compile("([\ue000-\ue005])")
_MD_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_MD_CODE_SPECIAL = re.compile(r"([`\\])")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TAG = re.compile(r"^mb:[0-9a-f]{8}-\d+ ?")
_HTML_TAGS = {BOLD_ON: "<b>", BOLD_OFF: "</b>", CODE_ON: "<code>", CODE_OFF: "</code>"}
_HTML_TAGS |= {PRE_ON: "<pre>", PRE_OFF: "</pre>"}


class Raw(str):
    """Text that already carries formatting markers (from our own filters); `finalize` keeps it."""

    __slots__ = ()


def clean(value: object) -> str:
    """Data as plain text, with any marker characters removed."""
    return _MARKERS.sub("", "" if value is None else str(value))


def _finalize(value: object) -> str:
    return value if isinstance(value, Raw) else clean(value)


def _bold(value: object) -> Raw:
    return Raw(BOLD_ON + clean(value) + BOLD_OFF)


def _code(value: object) -> Raw:
    return Raw(CODE_ON + clean(value) + CODE_OFF)


def _pre(value: object) -> Raw:
    return Raw(PRE_ON + clean(value).strip("\n") + PRE_OFF + "\n")


def _note(comment: object) -> str:
    """A trader's part of an order comment (our `mb:<tag>` prefix removed)."""
    return _TAG.sub("", clean(comment)).strip()


def _price(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits if digits is not None else 5}f}"


def _money(value: float | None, currency: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.2f} {currency}".rstrip()


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+,.2f}"


def _lots(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value:.3f}".rstrip("0")
    return text + "0" * (2 - len(text.split(".")[1])) if "." in text else text


def _num(value: float | None) -> str:
    """A number as the user would write it: 1, 0.5, 2345.125 (no trailing zeros, no exponent)."""
    return "-" if value is None else f"{value:.10f}".rstrip("0").rstrip(".")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def joined(parts: list[Rendered]) -> Rendered:
    """Messages one after another as one, a blank line between them (a section per account)."""
    return Rendered(
        "\n\n".join(r.text for r in parts),
        "\n\n".join(r.html for r in parts),
        "\n\n".join(r.markdown for r in parts),
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message in every format: `text` plain, `html` for Telegram HTML, `markdown` MarkdownV2."""

    text: str
    html: str
    markdown: str

    def then(self, other: Rendered) -> Rendered:
        """This message, a line break, then `other` (a heading or a note on top of a message)."""
        return Rendered(
            f"{self.text}\n{other.text}", f"{self.html}\n{other.html}", f"{self.markdown}\n{other.markdown}"
        )

    def reply(
        self,
        buttons: list[list[Button]] | None = None,
        *,
        edit: bool = False,
        confirmation_id: str | None = None,
    ) -> Reply:
        """This message as a `Reply`."""
        return Reply(
            text=self.text,
            html=self.html,
            markdown=self.markdown,
            buttons=buttons or [],
            edit=edit,
            confirmation_id=confirmation_id,
        )


def to_plain(marked: str) -> str:
    return _MARKERS.sub("", marked)


def to_html(marked: str) -> str:
    parts = _TOKENS.split(marked)
    return "".join(_HTML_TAGS.get(p) or html.escape(p, quote=False) for p in parts)


def to_markdown(marked: str) -> str:
    out: list[str] = []
    literal = False  # inside code or pre: only ` and \ are special
    for part in _TOKENS.split(marked):
        if part in (BOLD_ON, BOLD_OFF):
            out.append("" if literal else "*")
        elif part in (CODE_ON, CODE_OFF):
            literal = part == CODE_ON
            out.append("`")
        elif part in (PRE_ON, PRE_OFF):
            literal = part == PRE_ON
            out.append("```\n" if literal else "\n```")
        else:
            out.append((_MD_CODE_SPECIAL if literal else _MD_SPECIAL).sub(r"\\\1", part))
    return "".join(out)


class Renderer:
    """Loads `<lang>/*.j2` from bot/templates then reports/templates; each message is a macro."""

    def __init__(self, directories: tuple[Path, ...] = (TEMPLATES, REPORT_TEMPLATES)) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directories),
            autoescape=False,  # noqa: S701 - not HTML: escaping is done per output format, see module doc
            finalize=_finalize,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            bold=_bold,
            code=_code,
            pre=_pre,
            price=_price,
            money=_money,
            signed=_signed,
            lots=_lots,
            pct=_pct,
            num=_num,
            note=_note,
        )

    def _module(self, lang: str, file: str) -> Any:
        lang = lang if lang in LANGS else LANGS[0]
        return self.env.get_template(f"{lang}/{file}.j2").module

    def marked(self, lang: str, file: str, name: str, /, **context: Any) -> str:
        """The macro's output with formatting markers (for tests and composition)."""
        text = str(getattr(self._module(lang, file), name)(**context))
        return _BLANK_RUNS.sub("\n\n", text.strip())

    def render(self, lang: str, file: str, name: str, /, **context: Any) -> Rendered:
        """Render one message in all three formats."""
        marked = self.marked(lang, file, name, **context)
        return Rendered(to_plain(marked), to_html(marked), to_markdown(marked))

    def label(self, lang: str, key: str) -> str:
        """A short label (button text, side name) from `labels.j2`."""
        return str(getattr(self._module(lang, "labels"), key))
