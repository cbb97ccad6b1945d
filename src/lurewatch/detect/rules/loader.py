"""Reading rule packs from disk: the built-in packs first, then the analyst's folders.

A pack that cannot be used stops the load with one line naming the file and the rule
(`RulePackError`), unless the caller passes `on_error`, in which case that pack is reported
and skipped and the others are still used. Built-in packs must always load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from lurewatch.detect.rules.engine import match_rule
from lurewatch.detect.rules.schema import Rule, RulePack, RulePackError, parse_pack
from lurewatch.yamlio import load_yaml

BUILTIN_DIR = Path(__file__).resolve().parent / "packs"
MAX_PACK_BYTES = 5_000_000

__all__ = ["BUILTIN_DIR", "RulePackError", "load_pack", "load_packs"]


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def check_examples(rule: Rule) -> None:
    """A rule's own examples must fire it and its counter-examples must not: this catches
    the usual mistakes (a keyword that is not in the text the pattern matches, a typo)."""
    for i, example in enumerate(rule.examples, 1):
        lowered = example.lower()
        if not any(k in lowered for k in rule.keywords):
            raise RulePackError(f"{rule.path}: rule '{rule.id}': example {i} contains none of "
                                f"the keywords: {_short(example)}")
        if match_rule(rule, example) is None:
            raise RulePackError(f"{rule.path}: rule '{rule.id}': example {i} does not match: "
                                f"{_short(example)}")
    for i, example in enumerate(rule.counter_examples, 1):
        lowered = example.lower()
        if any(k in lowered for k in rule.keywords) and match_rule(rule, example) is not None:
            raise RulePackError(f"{rule.path}: rule '{rule.id}': counter-example {i} matches: "
                                f"{_short(example)}")


def load_pack(path: Path, check: bool = True) -> RulePack:
    """One YAML file as a validated pack. `check` runs each rule's examples; the built-in
    packs skip it at run time because the test suite runs it for them."""
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            raise RulePackError(f"{path}: larger than {MAX_PACK_BYTES} bytes, not a rule pack")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RulePackError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise RulePackError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulePackError(f"{path}: invalid YAML{where}: {problem}") from None
    pack = parse_pack(data, str(path), compile_now=check)
    if check:
        for rule in pack.rules:
            check_examples(rule)
    return pack


def _pack_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise RulePackError(f"{folder}: not a folder of rule packs")
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in (".yaml", ".yml") and p.is_file())


def _check_ids(pack: RulePack, known: dict[str, RulePack]) -> None:
    for rule in pack.rules:
        other = known.get(rule.id)
        if other is not None:
            raise RulePackError(f"{pack.path}: rule '{rule.id}': id already used in pack "
                                f"'{other.name}' ({other.path})")
    for rule_id in pack.disable:
        if rule_id not in known and rule_id not in {r.id for r in pack.rules}:
            raise RulePackError(f"{pack.path}: disable: no loaded rule has id '{rule_id}'")


def load_packs(
    dirs: list[Path] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> list[RulePack]:
    """The built-in packs, then every `*.yaml` / `*.yml` in each of `dirs` (a file is
    accepted too), in name order."""
    packs: list[RulePack] = []
    known: dict[str, RulePack] = {}

    def add(pack: RulePack) -> None:
        _check_ids(pack, known)
        packs.append(pack)
        for rule in pack.rules:
            known[rule.id] = pack

    for path in _pack_files(BUILTIN_DIR):
        add(load_pack(path, check=False))
    for folder in dirs or []:
        try:
            files = _pack_files(Path(folder))
        except RulePackError as exc:
            if on_error is None:
                raise
            on_error(str(exc))
            continue
        for path in files:
            try:
                add(load_pack(path))
            except RulePackError as exc:
                if on_error is None:
                    raise
                on_error(str(exc))
    return packs
