"""Make untrusted text safe to show a person, in a page or a terminal.

Escaping stops markup; it does not stop text that rearranges what the reader sees. Bidi
overrides (U+202E and friends) can flip "exe.txt" into "txt.exe" or reorder a whole line,
and terminal control codes can rewrite the screen. Both are shown as visible codes instead.
The replacement changes lengths, so code that highlights by character offsets must split
the text first and neutralise each piece.
"""

from __future__ import annotations

import re

# Bidi embeddings, overrides and isolates; C0 controls except tab and newline; DEL; C1.
_HOSTILE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":  # Windows line ends: the newline that follows already breaks the line
        return ""
    return f"[U+{ord(char):04X}]"


def neutralise(text: str) -> str:
    """Text with every reordering or control character replaced by a visible code."""
    return _HOSTILE.sub(_visible, text)


def one_line(text: str) -> str:
    """Neutralised text on one line (for table cells and log lines)."""
    return " ".join(neutralise(text).split())
