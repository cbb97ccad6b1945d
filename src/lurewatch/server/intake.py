"""Report intake: an upload or a paste becomes cases, through the same pipeline as `scan`.

1. The upload streams to a private temporary folder under a size limit (the body-size
   middleware stops a client that sends more); the file name is reduced to a safe base name
   so nothing is written outside that folder; zips go through the readers' own safeguards
   (entry count, expansion ratio, unsafe names).
2. The scanner reads it exactly as `lurewatch scan` would.
3. One transaction writes the report, its cases and messages, and the audit records; the
   caller is told only after the commit. A crash before the commit leaves nothing behind.
4. Campaigns are regrouped after the commit (idempotent, redone at start if interrupted).

Re-submitting the same material (same content hash) returns the first receipt. A new message
from a counterpart already known (a shared WeChat id, number, address, profile) joins that
case; a paste naming only the same person joins the same reporter's own case.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import insert, select, text, tuple_
from sqlalchemy.engine import Connection, Engine

from lurewatch.model import Conversation, Counterpart, ScannedConversation
from lurewatch.server import audit
from lurewatch.server.auth import Principal
from lurewatch.server.campaign_store import refresh_campaigns
from lurewatch.server.db import (
    case_identities,
    case_reports,
    cases,
    dumps,
    loads,
    now_iso,
    reports,
)
from lurewatch.server.settings import Settings, crash_point
from lurewatch.server.store import (
    STRONG_KINDS,
    Conflict,
    dedupe_messages,
    fingerprint,
    identities_of,
    insert_case,
    rebuild_conversation,
    replace_case_content,
)

log = logging.getLogger("lurewatch.server")
CHUNK = 1 << 16
PROFILE_FIELDS = ("name", "headline", "company", "location", "profile_url")
PROFILE_NUMBERS = ("connections", "account_age_days", "mutual_connections")
PASTE_DISPLAY = "<stdin>"  # what `lurewatch scan -` calls pasted text, so entries match


_SCANNER: dict[str, Any] = {}
_SCAN_LOCK = threading.RLock()  # the scanner keeps per-run state (its input summaries)


class IntakeError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Receipt:
    report_id: int
    created_at: str
    duplicate: bool
    cases: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "created_at": self.created_at,
                "duplicate": self.duplicate, "cases": self.cases, "warnings": self.warnings}


def safe_filename(name: str | None) -> str:
    """A base name only: no folders, no leading dots, no control or odd characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.+@()\[\] -]", "_", base, flags=re.UNICODE).strip(" .")
    return base[:120] or "upload"


def clean_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """Profile details typed by the reporter; empty fields dropped, numbers checked."""
    out: dict[str, Any] = {}
    for key in PROFILE_FIELDS:
        value = str(raw.get(key) or "").strip()
        if value:
            out[key] = value[:500]
    for key in PROFILE_NUMBERS:
        value = str(raw.get(key) or "").strip().replace(",", "")
        if value:
            if not value.isdigit():
                raise IntakeError(f"profile {key.replace('_', ' ')} must be a whole number")
            out[key] = int(value)
    return out


def _apply_profile(conv: Conversation, profile: dict[str, Any]) -> Conversation:
    if not profile:
        return conv
    cp = conv.counterpart or Counterpart(name=profile.get("name") or "unknown")
    for key, value in profile.items():
        if getattr(cp, key, None) in (None, ""):
            setattr(cp, key, value)
    conv.counterpart = cp
    return conv


class Intake:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._scan_lock = _SCAN_LOCK
        self._write_lock = threading.Lock()

    # -- the scanner ------------------------------------------------------------------------
    def scanner(self) -> Any:
        """One scanner per process (loading rule packs and weights takes a while)."""
        if "scanner" not in _SCANNER:
            try:
                from lurewatch.pipeline import Scanner, ScanOptions

                _SCANNER["scanner"] = Scanner(ScanOptions())
            except Exception as exc:  # a missing part of the pipeline: say so, do not crash
                raise IntakeError(f"the scanner is not available ({exc})", 503) from exc
        return _SCANNER["scanner"]

    def scan_units(self, units: list[Any], profile: dict[str, Any], workdir: Path | None = None
                   ) -> tuple[list[ScannedConversation], list[dict[str, Any]]]:
        with self._scan_lock:
            scanner = self.scanner()
            scanned = list(scanner.scan_units(units))
            inputs = [s.to_report() for s in scanner.summaries]
            if workdir is not None:  # name inputs as the person did, not by our temp folder
                prefix = str(workdir) + "/"
                for s in scanned:
                    conv = s.conversation
                    conv.source = conv.source.replace(prefix, "") if conv.source else None
                    conv.id = conv.id.replace(prefix, "")
                inputs = json.loads(dumps(inputs).replace(json.dumps(prefix)[1:-1], ""))
            if profile:
                scanned = [scanner.scan_conversation(_apply_profile(s.conversation, profile))
                           for s in scanned]
        return scanned, inputs

    # -- uploads ----------------------------------------------------------------------------
    def new_workdir(self) -> Path:
        self.settings.upload_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="in-", dir=self.settings.upload_dir))

    def save_upload(self, source: BinaryIO, workdir: Path, filename: str | None
                    ) -> tuple[Path, str]:
        """Copy in chunks, counting; returns the path and the SHA-256 of the bytes."""
        dest = workdir / safe_filename(filename)
        digest = hashlib.sha256()
        size = 0
        with dest.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > self.settings.max_upload_bytes:
                    raise IntakeError(f"the file is larger than the limit of "
                                      f"{self.settings.max_upload_bytes:,} bytes", 413)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise IntakeError("the file is empty")
        return dest, digest.hexdigest()

    def submit_file(self, who: Principal, source: BinaryIO, filename: str | None,
                    profile: dict[str, Any], organisation: str | None = None) -> Receipt:
        from lurewatch.ingest.inputs import expand_inputs

        workdir = self.new_workdir()
        try:
            path, digest = self.save_upload(source, workdir, filename)
            content_hash = _hash("file", digest, profile)
            found = self._existing(who, content_hash)
            if found is not None:
                return found
            units = expand_inputs([str(path)])
            scanned, inputs = self.scan_units(units, profile, workdir)
            return self._ingest(who, "file", path.name, content_hash, scanned, inputs,
                                organisation)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def submit_paste(self, who: Principal, pasted: str, profile: dict[str, Any],
                     organisation: str | None = None) -> Receipt:
        from lurewatch.ingest.inputs import InputUnit
        from lurewatch.ingest.registry import get_reader

        pasted = pasted.replace("\r\n", "\n")
        if not pasted.strip():
            raise IntakeError("nothing was pasted")
        if len(pasted) > self.settings.max_paste_chars:
            raise IntakeError(f"pasted text is longer than {self.settings.max_paste_chars:,} "
                              "characters; upload the export as a file instead", 413)
        content_hash = _hash("paste", pasted, profile)
        found = self._existing(who, content_hash)
        if found is not None:
            return found
        unit = InputUnit(PASTE_DISPLAY, None, get_reader("paste"), text=pasted)
        scanned, inputs = self.scan_units([unit], profile)
        return self._ingest(who, "paste", None, content_hash, scanned, inputs, organisation)

    # -- idempotency ------------------------------------------------------------------------
    def _existing(self, who: Principal, content_hash: str) -> Receipt | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.submitter_id == who.id,
                                                     reports.c.content_hash == content_hash)
                               ).first()
            if row is None:
                return None
            return self._receipt(conn, row, duplicate=True)

    def receipt(self, report_id: int) -> Receipt | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
            return self._receipt(conn, row, duplicate=False) if row else None

    def _receipt(self, conn: Connection, row: Any, duplicate: bool) -> Receipt:
        case_rows = conn.execute(
            select(cases.c.id, cases.c.level, cases.c.risk, cases.c.entry, cases.c.title)
            .join(case_reports, case_reports.c.case_id == cases.c.id)
            .where(case_reports.c.report_id == row.id).order_by(cases.c.risk.desc())).all()
        summaries = []
        for c in case_rows:
            entry = loads(c.entry, {})
            summaries.append({
                "id": c.id, "title": c.title, "level": c.level, "risk": round(c.risk, 3),
                "reasons": entry.get("reasons", []),
                "stages": [{"stage": s["stage"], "explanation": s.get("explanation"),
                            "source": s.get("source")} for s in entry.get("stages", [])],
            })
        inputs = loads(row.inputs, [])
        warnings = [w for i in inputs for w in i.get("warnings", []) + i.get("errors", [])]
        return Receipt(int(row.id), row.created_at, duplicate, summaries, warnings)

    # -- the transaction --------------------------------------------------------------------
    def _ingest(self, who: Principal, kind: str, filename: str | None, content_hash: str,
                scanned: list[ScannedConversation], inputs: list[dict[str, Any]],
                organisation: str | None) -> Receipt:
        from lurewatch.report.json_report import conversation_entry

        if not scanned:
            problems = [e for i in inputs for e in i.get("errors", [])] or [
                "no conversation was found in it"]
            raise IntakeError("could not read the report: " + "; ".join(problems), 422)
        org = organisation or who.organisation
        with self._write_lock, self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one writer across server processes too
                conn.execute(text("SELECT pg_advisory_xact_lock(74210002)"))
            raced = conn.execute(select(reports.c.id).where(
                reports.c.submitter_id == who.id, reports.c.content_hash == content_hash)).first()
            if raced is not None:
                report_id = int(raced.id)
            else:
                report_id = int(conn.execute(insert(reports).values(
                    submitter_id=who.id, content_hash=content_hash, kind=kind, filename=filename,
                    created_at=now_iso(), inputs=dumps(inputs)).returning(reports.c.id)
                ).scalar_one())
                crash_point("after_report")
                same = self._cases_of_same_material(conn, content_hash, report_id)
                for sc in scanned if not same else []:
                    case_id, action = self._place(conn, who, sc, org, conversation_entry)
                    same.append(case_id)
                    audit.record(conn, who, action, case_id, {"report": report_id})
                for case_id in dict.fromkeys(same):
                    conn.execute(insert(case_reports).values(case_id=case_id, report_id=report_id))
                crash_point("before_commit")
        crash_point("before_campaigns")
        try:
            refresh_campaigns(self.engine)
        except Exception:  # the report is safe; campaigns catch up on the next run
            log.exception("campaign grouping failed; it is retried on the next report")
        receipt = self.receipt(report_id)
        assert receipt is not None
        return receipt

    def _cases_of_same_material(self, conn: Connection, content_hash: str,
                                report_id: int) -> list[int]:
        """Another reporter sent the very same material: it joins the same cases."""
        rows = conn.execute(
            select(case_reports.c.case_id).join(reports, reports.c.id == case_reports.c.report_id)
            .where(reports.c.content_hash == content_hash, reports.c.id != report_id)).all()
        return list(dict.fromkeys(int(r.case_id) for r in rows))

    def _place(self, conn: Connection, who: Principal, sc: ScannedConversation,
               org: str | None, entry_of: Any) -> tuple[int, str]:
        """Insert a new case, or join the known case of the same counterpart."""
        match = self._matching_case(conn, who, sc)
        if match is None:
            case_id = insert_case(conn, sc, entry_of(sc, include_messages=True), who.id, org)
            crash_point("after_case")
            return case_id, "case.create"
        case_id, version = match
        known = rebuild_conversation(conn, case_id)
        known_prints = {fingerprint(m) for m in known.messages}
        if all(fingerprint(m) in known_prints for m in sc.conversation.messages):
            return case_id, "case.resubmit"
        from lurewatch.ingest.stitch import merge_conversations

        merged = dedupe_messages(merge_conversations([known, sc.conversation]))
        merged.extra["stitched_from"] = list(dict.fromkeys(
            [*known.extra.get("stitched_from", [known.id]), sc.conversation.id]))
        with self._scan_lock:
            rescanned = self.scanner().scan_conversation(merged)
        try:
            replace_case_content(conn, case_id, version, rescanned,
                                 entry_of(rescanned, include_messages=True))
        except Conflict as exc:
            raise IntakeError(str(exc) + "; submit again", 409) from exc
        return case_id, "case.join"

    def _matching_case(self, conn: Connection, who: Principal, sc: ScannedConversation
                       ) -> tuple[int, int] | None:
        """The case this conversation continues: the same counterpart (a shared handle,
        number, address or profile) in an approach to the same person: reported by the same
        reporter, or with the same owner. A handle shared with *another* person's case is a
        campaign link, not the same case. A bare name matches only the reporter's own case."""
        ids = identities_of(sc)
        owner = (sc.conversation.owner or "").strip().casefold()
        rows = conn.execute(
            select(cases.c.id, cases.c.version, cases.c.submitter_id, cases.c.conversation,
                   case_identities.c.kind)
            .join(case_identities, case_identities.c.case_id == cases.c.id)
            .where(cases.c.purged == 0,
                   tuple_(case_identities.c.kind, case_identities.c.value).in_(sorted(ids)))
            .order_by(cases.c.id)).all() if ids else []
        for strong_pass in (True, False):
            for row in rows:
                strong = row.kind in STRONG_KINDS
                if strong != strong_pass:
                    continue
                mine = row.submitter_id == who.id
                theirs = (loads(row.conversation, {}).get("owner") or "").strip().casefold()
                if mine or (strong and owner and owner == theirs):
                    return int(row.id), int(row.version)
        return None


def _hash(kind: str, content: str, profile: dict[str, Any]) -> str:
    return hashlib.sha256(f"{kind}\x00{content}\x00{dumps(profile)}".encode()).hexdigest()
