"""Read a rendered report back with the standard HTML parser, the way a browser would see it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report_html"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def sample_report() -> dict[str, Any]:
    return json.loads((FIXTURES / "sample_report.json").read_text(encoding="utf-8"))


@dataclass
class MessageSeen:
    text: str = ""  # what the reader sees, without the little reference numbers
    marks: list[tuple[str, str]] = field(default_factory=list)  # (text, class)
    highlighted: set[int] = field(default_factory=set)  # character positions inside a mark


class Probe(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.messages: dict[str, MessageSeen] = {}
        self.styles: list[str] = []
        self._stack: list[tuple[str, dict[str, str | None]]] = []
        self._message: str | None = None
        self._mark: list[str] | None = None
        self._mark_class = ""
        self._in_ref = False
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.append((tag, attr))
        if attr.get("id"):
            self.ids.add(attr["id"] or "")
        classes = (attr.get("class") or "").split()
        if tag == "li" and "msg" in classes:
            self._message = attr.get("id") or ""
            self.messages[self._message] = MessageSeen()
        if tag == "mark":
            self._mark, self._mark_class = [], attr.get("class") or ""
        if tag == "a" and "ref" in classes:
            self._in_ref = True
        if tag == "style":
            self._in_style = True
        if tag not in VOID:
            self._stack.append((tag, attr))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, attr = self._stack.pop()
            if open_tag == "li" and attr.get("id") == self._message:
                self._message = None
            if open_tag == "mark" and self._mark is not None and self._message is not None:
                self.messages[self._message].marks.append(("".join(self._mark), self._mark_class))
                self._mark = None
            if open_tag == "a":
                self._in_ref = False
            if open_tag == "style":
                self._in_style = False
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self._message is None or self._in_ref:
            return
        seen = self.messages[self._message]
        if self._mark is not None:
            self._mark.append(data)
            seen.highlighted.update(range(len(seen.text), len(seen.text) + len(data)))
        if any(t == "p" and "mtext" in (a.get("class") or "") for t, a in self._stack):
            seen.text += data

    def urls(self) -> list[tuple[str, str, str]]:
        """Every attribute that can make a browser fetch or navigate: (tag, attribute, value)."""
        risky = {"src", "href", "action", "formaction", "data", "poster", "srcset", "background",
                 "xlink:href", "ping", "manifest", "cite", "longdesc"}
        return [(t, k, v or "") for t, a in self.tags for k, v in a.items() if k in risky]
