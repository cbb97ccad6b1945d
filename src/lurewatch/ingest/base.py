"""The reader interface: one module per export format, chosen by content.

A reader turns one input path into canonical `Conversation`s, one at a time, so memory
does not grow with the size of the input. Problems with the input are never raised as
tracebacks: they are reported through `ReadContext.warn` as one line naming the file
(and line) and what is wrong, and the reader goes on with what it can read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.model import Conversation

# Bounds that keep hostile or broken input from exhausting memory or time.
MAX_LINE_BYTES = 1_000_000  # a longer line is skipped with a warning
MAX_MESSAGE_CHARS = 100_000  # a longer message text is truncated with a warning
MAX_FILE_BYTES = 2_000_000_000


class InputError(Exception):
    """The input cannot be read at all; the message is the one-line reason."""


@dataclass(slots=True)
class InputIssue:
    path: str
    message: str
    line: int | None = None
    severity: str = "warning"  # "warning" (skipped a part) or "error" (could not read the input)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class ReadContext:
    """What a reader needs besides the path, and where it reports what it skipped."""

    path: str
    owner: str | None = None  # `--owner NAME` overrides what the export says
    issues: list[InputIssue] = field(default_factory=list)
    skipped: int = 0  # units (lines, rows, messages, files) skipped
    conversations: int = 0
    messages: int = 0

    def warn(self, message: str, line: int | None = None, path: str | None = None) -> None:
        self.issues.append(InputIssue(path or self.path, message, line))

    def skip(self, message: str, line: int | None = None, path: str | None = None) -> None:
        self.skipped += 1
        self.warn(message, line, path)

    def count(self, conversation: Conversation) -> Conversation:
        self.conversations += 1
        self.messages += len(conversation.messages)
        return conversation


class Reader(ABC):
    """One export format. Subclasses are registered in `ingest.registry`."""

    name: str  # format name used by `--format` and in the report's inputs[].format
    description: str  # one line for `lurewatch formats`

    @abstractmethod
    def sniff(self, path: Path) -> float:
        """How sure (0-1) this reader is that `path` is its format, reading only a little."""

    @abstractmethod
    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        """Yield conversations. Report problems through `ctx`; raise `InputError` only
        when nothing at all can be read."""
