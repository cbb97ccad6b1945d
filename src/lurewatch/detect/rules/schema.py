"""The rule-pack format: what a YAML pack may say, checked field by field on load.

A pack is data so that an analyst can add or switch off rules without touching code (like
presidio's YAML recognizers). Everything wrong with a pack becomes one line naming the file
and the rule; see docs/rule-packs.md for the format.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from lurewatch.detect.rules.words import WordList
from lurewatch.ingest.base import InputError
from lurewatch.model import STAGES

SCHEMA_VERSION = 1
SENDERS = ("counterpart", "owner", "any")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_PACK_KEYS = {"pack", "version", "language", "description", "negation_cues",
              "negation_exceptions", "disable", "rules"}
_RULE_KEYS = {
    "id", "stage", "sender", "keywords", "patterns", "confidence", "explanation", "source",
    "context", "unless", "negatable", "examples", "counter_examples",
}
_CONTEXT_KEYS = {"window", "raise", "lower", "raise_by", "lower_by"}

# Words that negate what follows them in the same clause ("we will never ask you for ...");
# syntax in rules/words.py.
DEFAULT_NEGATION_CUES: dict[str, tuple[str, ...]] = {
    "en": ("never", "not", "*n't", "*n’t", "no need", "no one", "nor", "neither",
           "under no circumstances", "prohibit*", "forbid*", "refrain", "no longer"),
    "zh": ("不会", "绝不", "从不", "从来不", "不得", "禁止", "请勿", "切勿", "不要", "不应",
           "无需", "不需要", "不用", "不能", "不可", "严禁", "并非", "不是"),
    "de": ("nicht", "nie", "niemals", "kein*", "weder", "verboten", "unter keinen umständen"),
    "fr": ("ne", "n'", "n’", "pas", "jamais", "aucun*", "ni", "interdit*", "en aucun cas"),
}
# Phrases that contain a cue but do not negate: Chinese A-not-A questions ("能不能提供" =
# "could you provide"), "not only".
DEFAULT_NEGATION_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("not only", "not just", "whether or not", "if not"),
    "zh": ("能不能", "会不会", "要不要", "可不可以", "是不是", "用不用", "需不需要", "方不方便",
           "愿不愿意", "好不好", "行不行", "不知道", "不能不"),
    "de": ("nicht nur",),
    "fr": ("non seulement", "pas seulement"),
}
# A negation does not reach across a sentence end or a "but".
CLAUSE_BREAKS = WordList((*".!?;\n。！？；", "but", "however", "although", "aber", "doch",
                          "jedoch", "mais", "cependant", "但是", "不过", "可是"))


class RulePackError(InputError):
    """A rule pack cannot be used; the message is one line naming the file and the rule."""


@dataclass(slots=True, frozen=True)
class FastPattern:
    regex: re.Pattern[str]
    leading_boundary: bool  # the caller checks the `\b` that was taken off the front


@dataclass(slots=True, frozen=True)
class ContextSpec:
    """Presidio-like context: words near the match that raise or lower the confidence."""

    window: int = 100  # characters either side of the match
    raise_words: WordList = field(default_factory=WordList)
    lower_words: WordList = field(default_factory=WordList)
    raise_by: float = 0.1
    lower_by: float = 0.25


@dataclass(slots=True, frozen=True)
class RuleRegexes:
    """A rule's compiled regular expressions."""

    patterns: tuple[re.Pattern[str], ...]  # case-insensitive, for any text
    unless: tuple[re.Pattern[str], ...]
    # The same patterns for the lower-cased text, or None (see `fast_variant`).
    lower_patterns: tuple[FastPattern | None, ...]


@dataclass(slots=True, frozen=True)
class Rule:
    id: str
    stage: str
    sender: str
    keywords: tuple[str, ...]
    pattern_sources: tuple[str, ...]
    confidence: float
    explanation: str
    source: str
    pack: str
    path: str
    context: ContextSpec = field(default_factory=ContextSpec)
    unless_sources: tuple[str, ...] = ()
    negatable: bool = True
    negation: WordList | None = None
    negation_exceptions: WordList = field(default_factory=WordList)
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    # the compiled regexes once built (a one-slot holder, so the rule itself stays frozen)
    _compiled: list[RuleRegexes] = field(default_factory=list, compare=False, repr=False)

    def regexes(self) -> RuleRegexes:
        """The compiled regexes, built on first use: compiling the built-in packs' 1,200
        patterns costs most of a second, a scan meets the keywords of only some rules, and a
        process that only reads (the main one, when workers analyse) needs none."""
        if not self._compiled:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in self.pattern_sources)
            self._compiled.append(RuleRegexes(
                patterns, tuple(re.compile(u, re.IGNORECASE) for u in self.unless_sources),
                tuple(fast_variant(p) for p in patterns)))
        return self._compiled[0]


@dataclass(slots=True, frozen=True)
class RulePack:
    name: str
    version: int
    language: str
    path: str
    rules: tuple[Rule, ...]
    disable: tuple[str, ...] = ()
    description: str = ""


class _Fail(Exception):
    """Internal: one problem, to be prefixed with file and rule."""


def _str(value: Any, what: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _Fail(f"'{what}' must be a non-empty string")
    return value


def _str_list(value: Any, what: str, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Fail(f"'{what}' must be a list of non-empty strings (quote words such as "
                    "'no' or 'on' so YAML keeps them as text)")
    if not allow_empty and not value:
        raise _Fail(f"'{what}' must not be empty")
    return tuple(value)


def _regex(source: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise _Fail(f"bad regular expression in '{what}' ({exc}): {source!r}") from None


_ESCAPE = re.compile(r"\\.")


def _starts_with_boundary(source: str) -> bool:
    if not source.startswith(r"\b"):
        return False
    try:
        from re import _parser  # the pattern's parse tree; private but stable in 3.11-3.13

        first = _parser.parse(source).data[0]
        return first == (_parser.AT, _parser.AT_BOUNDARY)
    except Exception:  # any change in the private parser: just skip the speed-up
        return False


def fast_variant(pattern: re.Pattern[str]) -> FastPattern | None:
    """The pattern compiled case-sensitively for the lower-cased text, with a leading `\\b`
    checked by the caller: Python's `re` then skips in C to the positions where one of the
    leading words can start, about ten times faster than a case-insensitive search that
    tries every position. None when a literal needs upper case."""
    source = pattern.pattern
    if pattern.flags & re.ASCII or _ESCAPE.sub("", source) != _ESCAPE.sub("", source).lower():
        return None
    if _starts_with_boundary(source):
        return FastPattern(re.compile(source[2:]), True)
    return FastPattern(re.compile(source), False)


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _Fail(f"'{what}' must be a number from {low:g} to {high:g}")
    return float(value)


def _context(raw: Any) -> ContextSpec:
    if raw is None:
        return ContextSpec()
    if not isinstance(raw, dict):
        raise _Fail("'context' must be a mapping with window/raise/lower/raise_by/lower_by")
    unknown = set(raw) - _CONTEXT_KEYS
    if unknown:
        raise _Fail(f"unknown key(s) in 'context': {', '.join(sorted(map(str, unknown)))}")
    window = raw.get("window", 100)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 < window <= 2000:
        raise _Fail("'context.window' must be a whole number of characters from 1 to 2000")
    return ContextSpec(
        window=window,
        # context words match at the start of a word: "publish" finds "published"
        raise_words=WordList(_str_list(raw.get("raise"), "context.raise"), prefix=True),
        lower_words=WordList(_str_list(raw.get("lower"), "context.lower"), prefix=True),
        raise_by=_number(raw.get("raise_by", 0.1), "context.raise_by", 0, 1),
        lower_by=_number(raw.get("lower_by", 0.25), "context.lower_by", 0, 1),
    )


def _template_fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as exc:
        raise _Fail(f"bad 'explanation' template ({exc})") from None


def _rule(raw: Any, pack: str, path: str, negation: WordList | None,
          exceptions: WordList, compile_now: bool = True) -> Rule:
    if not isinstance(raw, dict):
        raise _Fail("must be a mapping")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _Fail(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    rule_id = raw["id"]
    stage = raw.get("stage")
    if stage not in STAGES:
        raise _Fail(f"'stage' must be one of the stage vocabulary, got {stage!r}")
    sender = raw.get("sender", "counterpart")
    if sender not in SENDERS:
        raise _Fail(f"'sender' must be one of {', '.join(SENDERS)}, got {sender!r}")
    keywords = tuple(k.strip().lower() for k in _str_list(raw.get("keywords"), "keywords",
                                                           allow_empty=False))
    sources = _str_list(raw.get("patterns"), "patterns", allow_empty=False)
    unless = _str_list(raw.get("unless"), "unless")
    if compile_now:  # a bad pattern is named at load time, not in the middle of a scan
        for what, group in (("patterns", sources), ("unless", unless)):
            for i, p in enumerate(group):
                _regex(p, f"{what}[{i}]")
    explanation = _str(raw.get("explanation"), "explanation")
    for name in _template_fields(explanation):
        missing = [i for i, p in enumerate(sources) if f"(?P<{name}>" not in p]
        if missing:
            raise _Fail(f"'explanation' uses {{{name}}} but patterns[{missing[0]}] has no "
                        f"named group (?P<{name}>...)")
    negatable = raw.get("negatable", True)
    if not isinstance(negatable, bool):
        raise _Fail("'negatable' must be true or false")
    return Rule(
        id=rule_id,
        stage=stage,
        sender=sender,
        keywords=keywords,
        pattern_sources=sources,
        confidence=_number(raw.get("confidence"), "confidence", 0.01, 1.0),
        explanation=explanation,
        source=_str(raw.get("source"), "source"),
        pack=pack,
        path=path,
        context=_context(raw.get("context")),
        unless_sources=unless,
        negatable=negatable,
        negation=negation if negatable else None,
        negation_exceptions=exceptions,
        examples=_str_list(raw.get("examples"), "examples"),
        counter_examples=_str_list(raw.get("counter_examples"), "counter_examples"),
    )


def parse_pack(data: Any, path: str, compile_now: bool = True) -> RulePack:
    """Validate a parsed YAML document as a rule pack; raise RulePackError (one line).
    `compile_now=False` leaves the regexes' syntax to their first use (the built-in packs,
    which the test suite compiles)."""
    if not isinstance(data, dict):
        raise RulePackError(f"{path}: a rule pack must be a YAML mapping with 'pack' and 'rules'")
    try:
        unknown = set(data) - _PACK_KEYS
        if unknown:
            raise _Fail(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
        name = _str(data.get("pack"), "pack")
        version = data.get("version")
        if version != SCHEMA_VERSION:
            raise _Fail(f"'version' must be {SCHEMA_VERSION} (the pack format version)")
        language = _str(data.get("language", "any"), "language")
        cues = data.get("negation_cues")
        if cues is None:
            cue_list = DEFAULT_NEGATION_CUES.get(language, ())
        else:
            cue_list = _str_list(cues, "negation_cues")
        negation = WordList(cue_list) or None
        raw_exceptions = data.get("negation_exceptions")
        exceptions = WordList(
            DEFAULT_NEGATION_EXCEPTIONS.get(language, ()) if raw_exceptions is None
            else _str_list(raw_exceptions, "negation_exceptions"))
        disable = _str_list(data.get("disable"), "disable")
        description = _str(data.get("description", ""), "description", allow_empty=True)
        raw_rules = data.get("rules")
        if raw_rules is None:
            raw_rules = []
        if not isinstance(raw_rules, list) or (not raw_rules and not disable):
            raise _Fail("'rules' must be a non-empty list (or give 'disable')")
    except _Fail as exc:
        raise RulePackError(f"{path}: {exc}") from None

    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        label = f"rule '{rule_id}'" if isinstance(rule_id, str) else f"rule #{i + 1}"
        try:
            if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
                raise _Fail("'id' must be lower-case letters, digits, '.', '_' or '-'")
            if rule_id in seen:
                raise _Fail("duplicate rule id in this pack")
            seen.add(rule_id)
            rules.append(_rule(raw, name, path, negation, exceptions, compile_now))
        except _Fail as exc:
            raise RulePackError(f"{path}: {label}: {exc}") from None
    return RulePack(name, version, language, path, tuple(rules), disable, description)
