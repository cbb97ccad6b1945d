"""Every line of the project's labelled corpus follows the canonical spec, and the datasheet
tells the truth about it (its tables are compared with counts taken from the files)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from lurewatch.model import PLATFORMS, STAGES

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
LANGS = {"en", "zh", "de", "fr", "mixed"}
SPONSORS = {"prc", "iran", "dprk", "russia", "unknown"}


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lines() -> list[tuple[str, int, dict]]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rows.append((path.name, lineno, json.loads(line)))
    return rows


ROWS = _lines()


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_corpus_is_present_and_both_labels_are_there() -> None:
    labels = {conv["label"] for _, _, conv in ROWS}
    assert labels == {"hostile", "benign"}
    assert len(ROWS) >= 240


def test_ids_are_unique_across_files() -> None:
    ids = [conv["id"] for _, _, conv in ROWS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("name", "lineno", "conv"), ROWS, ids=[r[2]["id"] for r in ROWS])
def test_line_follows_the_canonical_spec(name: str, lineno: int, conv: dict) -> None:
    where = f"{name}:{lineno}"
    assert isinstance(conv["id"], str) and conv["id"], where
    assert conv["label"] in ("hostile", "benign"), where
    assert conv["lang"] in LANGS, where
    assert conv["scenario"], where
    if conv["label"] == "hostile":
        assert conv.get("sponsor") in SPONSORS, where
    assert conv["counterpart"]["name"], where
    messages = conv["messages"]
    assert 2 <= len(messages) <= 20, where
    previous = None
    carried: set[str] = set()
    for message in messages:
        assert message["sender"] in ("owner", "counterpart"), where
        assert message["platform"] in PLATFORMS, where
        assert isinstance(message["text"], str), where
        ts = _ts(message["ts"])
        assert ts.tzinfo is not None, where
        assert previous is None or ts >= previous, f"{where}: messages out of time order"
        previous = ts
        carried.update(message.get("stages", []))
    assert conv["stages"], where
    assert set(conv["stages"]) <= set(STAGES), where
    # Conversation stages are exactly the union of what the messages carry.
    assert set(conv["stages"]) == carried, where


@pytest.mark.parametrize(("name", "lineno", "conv"), ROWS, ids=[r[2]["id"] for r in ROWS])
def test_split_comes_from_the_hash_of_the_id(name: str, lineno: int, conv: dict) -> None:
    digest = int.from_bytes(hashlib.sha256(conv["id"].encode("utf-8")).digest(), "big")
    assert conv["split"] == ("test" if digest % 10 < 3 else "train"), f"{name}:{lineno}"


def test_test_split_is_about_thirty_percent_for_each_label() -> None:
    for label in ("hostile", "benign"):
        splits = [conv["split"] for _, _, conv in ROWS if conv["label"] == label]
        share = splits.count("test") / len(splits)
        assert 0.2 <= share <= 0.4, (label, share)


def test_jsonl_is_what_the_sources_produce() -> None:
    build = _module("build")
    sources = sorted(build.SOURCE_DIR.glob("*.txt"))
    assert sources
    for source in sources:
        expected = build.to_jsonl(build.parse_source(source))
        written = (CORPUS / f"{source.stem}.jsonl").read_text(encoding="utf-8")
        assert written == expected, f"{source.stem}.jsonl is stale: run data/corpus/build.py"


def test_datasheet_tables_match_the_files() -> None:
    stats = _module("stats")
    tables = stats.render(stats.compute(stats.load(CORPUS)))
    datasheet = (CORPUS / "DATASHEET.md").read_text(encoding="utf-8")
    missing = [line for line in tables.splitlines() if line.startswith("|")
               and line not in datasheet]
    assert not missing, f"DATASHEET.md is out of date; first differing rows: {missing[:3]}"


def test_bad_markup_is_named_by_file_and_line(tmp_path: Path) -> None:
    build = _module("build")
    source = tmp_path / "broken.txt"
    source.write_text(
        "### x-1\nlang en | label hostile | scenario think-tank\nat 2023-01-01 10:00\n"
        "c linkedin [ap] hello\nc wechat +1h [zz] unknown stage\n",
        encoding="utf-8",
    )
    with pytest.raises(build.SourceError, match=r"broken\.txt:5: unknown stage code"):
        build.parse_source(source)
    source.write_text("### x-2\nat 2023-01-01 10:00\nc linkedin hi\no linkedin no offset\n",
                      encoding="utf-8")
    with pytest.raises(build.SourceError, match=r"broken\.txt:4: .*\+offset"):
        build.parse_source(source)
