"""The rule detector: one Aho-Corasick pass over each message picks the few rules whose
keywords occur, and only those rules run their regular expressions.

Fifty separate `re.search` calls cost about 4 microseconds each per message; the keyword
prefilter keeps a whole pack at tens of thousands of chat lines a second (bench/bench_rules.py).
Each rule keeps at most one finding per message, its best span, with the confidence after
context words and an Explanation that says which rule, which pattern and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import ahocorasick

from lurewatch.detect.base import Detector
from lurewatch.detect.rules.schema import CLAUSE_BREAKS, FastPattern, Rule, RulePack
from lurewatch.model import Conversation, Explanation, Finding, Indicator

NEGATION_REACH = 50  # characters before a match in which a negation cue counts
# In a long text a rule's regexes only search this far either side of its keyword hits
# (every built-in pattern spans far less), so a long e-mail costs little more than a chat line.
KEYWORD_REACH = 300
_WINDOWED_FROM = 4 * KEYWORD_REACH
_SPACES = re.compile(r"\s{2,}")
MEMO_TEXTS = 20_000  # distinct (text, sender) results a detector keeps


@dataclass(slots=True, frozen=True)
class RuleMatch:
    """The best span of one rule in one text."""

    start: int
    end: int
    confidence: float
    original: float
    adjustment: float
    pattern: str
    groups: dict[str, str | None]
    notes: tuple[str, ...] = ()


def _negated(rule: Rule, lowered: str, start: int) -> bool:
    """A negation cue in the same clause just before the match ("we will never ask you
    for ..."), not across a sentence end or a "but"."""
    if rule.negation is None:
        return False
    lo = max(0, start - NEGATION_REACH)
    cut = max(lo, CLAUSE_BREAKS.last_end(lowered, lo, start))
    for cue_start, cue_end, _ in rule.negation.spans(lowered, cut, start):
        if not any(s <= cue_start and cue_end <= e
                   for s, e, _ in rule.negation_exceptions.spans(lowered, cut, start)):
            return True
    return False


def _context_adjustment(rule: Rule, lowered: str, lo: int, hi: int) -> tuple[float, list[str]]:
    ctx = rule.context
    adjustment, notes = 0.0, []
    if ctx.raise_words:
        word = ctx.raise_words.find(lowered, lo, hi)
        if word:
            adjustment += ctx.raise_by
            notes.append(f"raised by context word '{word}'")
    if ctx.lower_words:
        word = ctx.lower_words.find(lowered, lo, hi)
        if word:
            adjustment -= ctx.lower_by
            notes.append(f"lowered by context word '{word}'")
    return adjustment, notes


def _groups(m: re.Match[str], text: str) -> dict[str, str | None]:
    """Named groups as they appear in the original text (the match may be on its
    lower-cased copy)."""
    out: dict[str, str | None] = {}
    for name in m.re.groupindex:
        start, end = m.span(name)
        out[name] = text[start:end] if start >= 0 else None
    return out


def match_rule(
    rule: Rule,
    text: str,
    lowered: str | None = None,
    windows: list[tuple[int, int]] | None = None,
) -> RuleMatch | None:
    """The rule's best span in `text` (the keyword prefilter is the caller's business).

    `lowered` is `text.lower()` when the caller has it; `windows` restricts the search to
    these (start, end) ranges."""
    if lowered is None:
        lowered = text.lower()
    # str.lower() never shortens a character, so equal lengths mean equal offsets.
    aligned = len(lowered) == len(text)
    spans = windows or [(0, len(text))]
    best: RuleMatch | None = None
    reach = rule.context.window
    regexes = rule.regexes()
    for i, pattern in enumerate(regexes.patterns):
        fast = regexes.lower_patterns[i] if aligned else None
        for lo, hi in spans:
            if fast is None:
                matches = pattern.finditer(text, lo, hi)
            else:
                matches = _fast_matches(fast, lowered, lo, hi)
            for m in matches:
                start, end = m.span()
                if start == end or _negated(rule, lowered, start):
                    continue
                c_lo, c_hi = max(0, start - reach), min(len(text), end + reach)
                if any(u.search(text, c_lo, c_hi) for u in regexes.unless):
                    continue
                adjustment, notes = _context_adjustment(rule, lowered, c_lo, c_hi)
                confidence = round(min(0.99, max(0.0, rule.confidence + adjustment)), 3)
                if best is None or confidence > best.confidence:
                    best = RuleMatch(start, end, confidence, rule.confidence, adjustment,
                                     pattern.pattern, _groups(m, text), tuple(notes))
    return best


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _fast_matches(fast: FastPattern, lowered: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
    """What `finditer` of the original pattern finds, with its leading `\b` checked here."""
    if not fast.leading_boundary:
        yield from fast.regex.finditer(lowered, lo, hi)
        return
    pos = lo
    while pos <= hi:
        m = fast.regex.search(lowered, pos, hi)
        if m is None:
            return
        start = m.start()
        before = start > 0 and _is_word(lowered[start - 1])
        after = start < len(lowered) and _is_word(lowered[start])
        if before != after:
            yield m
            pos = m.end() if m.end() > start else start + 1
        else:
            pos = start + 1


def _windows(positions: list[int], length: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for pos in sorted(positions):
        lo, hi = max(0, pos - KEYWORD_REACH), min(length, pos + KEYWORD_REACH)
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def render_reason(rule: Rule, groups: dict[str, str | None]) -> str:
    values = {k: (v or "").strip() for k, v in groups.items()}
    return _SPACES.sub(" ", rule.explanation.format_map(values)).strip()


def active_rules(packs: list[RulePack]) -> list[Rule]:
    """Every rule in pack order, minus the ones a pack's `disable` list switches off."""
    disabled = {rule_id for pack in packs for rule_id in pack.disable}
    return [rule for pack in packs for rule in pack.rules if rule.id not in disabled]


class RuleDetector(Detector):
    """Stage findings from YAML rule packs (built-in packs first, then `--rules` folders)."""

    name = "rules"

    def __init__(self, packs: list[RulePack] | None = None, min_confidence: float = 0.1) -> None:
        if packs is None:
            from lurewatch.detect.rules.loader import load_packs

            packs = load_packs([])
        self.packs = list(packs)
        self.rules = active_rules(self.packs)
        self.min_confidence = min_confidence
        self._automaton: ahocorasick.Automaton | None = None
        self._memo: dict[tuple[str, str], tuple[tuple[str, int, int, str, float,
                                                      Explanation], ...]] = {}
        by_keyword: dict[str, set[int]] = {}
        for index, rule in enumerate(self.rules):
            for keyword in rule.keywords:
                by_keyword.setdefault(keyword, set()).add(index)
        if by_keyword:
            automaton = ahocorasick.Automaton()
            for keyword, indices in by_keyword.items():
                automaton.add_word(keyword, tuple(sorted(indices)))
            automaton.make_automaton()
            self._automaton = automaton

    def candidate_rules(self, lowered: str) -> dict[int, list[int]]:
        """The rules whose keywords occur in the lower-cased text, with the end offsets of
        their keyword hits."""
        hits: dict[int, list[int]] = {}
        if self._automaton is None or not lowered:
            return hits
        for end, indices in self._automaton.iter(lowered):
            for index in indices:
                hits.setdefault(index, []).append(end)
        return hits

    def detect_text(self, text: str, sender: str, message_index: int = 0) -> list[Finding]:
        """Findings for one message text. What a text yields depends only on the text and
        its sender, so templates and stock lines that recur are matched once (bounded
        memo) and only the message index differs."""
        key = (text, sender)
        found = self._memo.get(key)
        if found is None:
            found = tuple((f.stage, f.start, f.end, f.evidence, f.confidence, f.explanation)
                          for f in self._detect_text(text, sender))
            if len(self._memo) >= MEMO_TEXTS:
                self._memo.clear()
            self._memo[key] = found
        return [Finding(stage, message_index, start, end, evidence, confidence, explanation)
                for stage, start, end, evidence, confidence, explanation in found]

    def _detect_text(self, text: str, sender: str, message_index: int = 0) -> list[Finding]:
        findings = []
        lowered = text.lower()
        long_text = len(text) > _WINDOWED_FROM
        for index, positions in sorted(self.candidate_rules(lowered).items()):
            rule = self.rules[index]
            if rule.sender != "any" and rule.sender != sender:
                continue
            windows = _windows(positions, len(text)) if long_text else None
            match = match_rule(rule, text, lowered, windows)
            if match is None or match.confidence < self.min_confidence:
                continue
            findings.append(self._finding(rule, match, text, message_index))
        return findings

    def detect(self, conversation: Conversation, indicators: list[Indicator]) -> list[Finding]:
        findings: list[Finding] = []
        for index, message in enumerate(conversation.messages):
            findings.extend(self.detect_text(message.text, message.sender, index))
        findings.sort(key=lambda f: (f.message_index, f.start))
        return findings

    @staticmethod
    def _finding(rule: Rule, match: RuleMatch, text: str, message_index: int) -> Finding:
        explanation = Explanation(
            reason=render_reason(rule, match.groups),
            source=rule.source,
            detector="rules",
            rule_id=rule.id,
            pattern=match.pattern,
            original_score=match.original,
            context_adjustment=round(match.adjustment, 3),
            notes=(f"pack {rule.pack}", *match.notes),
        )
        return Finding(
            stage=rule.stage,
            message_index=message_index,
            start=match.start,
            end=match.end,
            evidence=text[match.start:match.end],
            confidence=match.confidence,
            explanation=explanation,
        )
