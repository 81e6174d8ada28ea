"""The font report charts draw Chinese with: a CJK font the system already has, found once.

We ship no fonts. Search order: the families below as matplotlib's font list knows them, then the known
files (a font installed after matplotlib built its cache is not in that list; `addfont` registers it).
None when there is none: the charts then draw English labels, and a warning says how to install one.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matplotlib.font_manager import FontEntry

log = logging.getLogger(__name__)

# Windows first (the real target), then the Linux packages, then macOS.
CJK_FAMILIES = (
    "Microsoft YaHei",
    "SimHei",
    "DengXian",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "PingFang SC",
)
_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
CJK_FILES = (
    _WINDOWS_FONTS / "msyh.ttc",
    _WINDOWS_FONTS / "simhei.ttf",
    _WINDOWS_FONTS / "Deng.ttf",
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf"),
    Path("/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf"),
    Path("/System/Library/Fonts/PingFang.ttc"),
)
INSTALL_HINT = "apt install fonts-wqy-microhei (or fonts-noto-cjk); Windows has Microsoft YaHei"


@dataclass(frozen=True)
class ChartFont:
    """A font matplotlib can draw with: its family name, its file (face `index` in a .ttc), the
    characters it has and whether the family has a bold face (WenQuanYi has none)."""

    family: str
    path: str
    index: int
    codepoints: frozenset[int]
    bold: bool = False

    def covers(self, text: str) -> bool:
        """Whether the font has every character of `text` (line breaks are layout, not glyphs)."""
        return all(ord(char) in self.codepoints for char in text if char != "\n")


@functools.cache
def cjk_font() -> ChartFont | None:
    """The first CJK font found (cached for the process), or None after one warning."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _known(manager.ttflist)
    if found is None:
        for path in CJK_FILES:
            if path.is_file():
                manager.addfont(str(path))
                found = _known(manager.ttflist) or next(e for e in manager.ttflist if e.fname == str(path))
                break
    if found is None:
        log.warning(
            "no CJK font found (looked for the families %s and the files %s): charts are drawn with "
            "English labels; to draw them in Chinese: %s",
            ", ".join(CJK_FAMILIES),
            ", ".join(str(p) for p in CJK_FILES),
            INSTALL_HINT,
        )
        return None
    bold = any(e.name == found.name and _weight(e.weight) >= 600 for e in manager.ttflist)
    return _load(found.name, found.fname, found.index, bold=bold)


@functools.cache
def base_font() -> ChartFont:
    """matplotlib's default font (DejaVu Sans): Latin, Greek, Cyrillic and symbols; the fallback."""
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return _load("DejaVu Sans", path, 0, bold=True)


def _known(entries: Iterable[FontEntry]) -> FontEntry | None:
    """The entry of the first of CJK_FAMILIES that matplotlib knows."""
    by_name: dict[str, FontEntry] = {}
    for entry in entries:
        by_name.setdefault(entry.name, entry)
    return next((by_name[family] for family in CJK_FAMILIES if family in by_name), None)


def _weight(weight: int | str) -> int:
    from matplotlib.font_manager import weight_dict

    return weight if isinstance(weight, int) else weight_dict.get(weight, 400)


def _load(family: str, path: str, index: int, *, bold: bool) -> ChartFont:
    from matplotlib.ft2font import FT2Font

    log.info("chart font: %s (%s)", family, path)
    charmap = FT2Font(path, face_index=index).get_charmap()
    return ChartFont(family=family, path=path, index=index, codepoints=frozenset(charmap), bold=bold)
