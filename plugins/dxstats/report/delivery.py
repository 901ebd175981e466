"""Delivery of a generated report: publish its files to the half-year's outbox folder, then e-mail them.

The outbox folder (e.g. ``<outbox>/2022-H1/report/``) always holds one complete run plus ``manifest.json``,
the record of what the files are (name, size, SHA-256) and of every e-mail that carried them (``sent``).
A rerun replaces the files but carries the ``sent`` history over, and :func:`send` consults it so a retried
task does not e-mail the same files to the same people twice.

Publish and send of one half-year are expected to run one at a time (one DAG run per half-year); they do
not lock against each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from dxstats import mail
from dxstats.mail import validate_recipients  # noqa: F401 - part of the delivery API
from dxstats.periods import HalfYear
from dxstats.reading import file_sha256

log = logging.getLogger("dxstats.report.delivery")

MANIFEST_NAME = "manifest.json"
DEFAULT_CONN_ID = "smtp_report"
RECIPIENTS_ENV = "DXSTATS_REPORT_RECIPIENTS"


class DeliveryError(RuntimeError):
    """The report could not be published or e-mailed; the message says what to check."""


# --- the manifest -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileEntry:
    """One published file, as a reader can verify it: ``sha256sum`` of the file gives ``sha256``."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Delivery:
    """One e-mail that went out: to whom, when, with which exact file contents (name -> SHA-256)."""

    sent_at: str
    recipients: list[str]
    attachments: dict[str, str]
    message_id: str
    refused: dict[str, str] = field(default_factory=dict)  # address -> server reply, when some were refused


@dataclass(frozen=True)
class Manifest:
    """``manifest.json`` of an outbox folder: the files of the current run and every delivery so far."""

    half_year: str
    generated_at: str
    files: list[FileEntry]
    sent: list[Delivery] = field(default_factory=list)
    folder: Path | None = field(default=None, compare=False)  # where it was read or written; not stored

    @property
    def paths(self) -> list[Path]:
        """The published files, in manifest order."""
        if self.folder is None:
            raise ValueError("this manifest is not attached to a folder")
        return [self.folder / entry.name for entry in self.files]

    def to_json(self) -> str:
        data = asdict(self)
        del data["folder"]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, folder: Path | None = None) -> Manifest:
        data = json.loads(text)
        return cls(
            half_year=data["half_year"],
            generated_at=data["generated_at"],
            files=[FileEntry(**entry) for entry in data["files"]],
            sent=[Delivery(**entry) for entry in data.get("sent", [])],
            folder=folder,
        )


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a published folder; a broken one is an error, not an empty history, so that the
    record of what was sent is never silently lost."""
    path = folder / MANIFEST_NAME
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"), folder)
    except FileNotFoundError:
        raise DeliveryError(f"{path} does not exist: publish the report into {folder} first") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(
            f"{path} is not a valid report manifest ({exc}); restore it from a backup, or delete it to "
            "start a new delivery history (the report may then be e-mailed again)"
        ) from exc


def _write_manifest(manifest: Manifest, folder: Path) -> None:
    """Replace ``manifest.json`` atomically: a reader sees the old or the new manifest, never half of one."""
    staging = folder / f".{MANIFEST_NAME}.tmp"
    staging.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(staging, folder / MANIFEST_NAME)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- publishing -------------------------------------------------------------------------------------------


def publish(files: Sequence[Path], folder: Path, *, half_year: str, generated_at: datetime | None = None) -> Manifest:
    """Make ``folder`` hold exactly ``files`` plus ``manifest.json``, replacing a previous run's content.

    The new content is written to a sibling staging folder and renamed into place, so a reader sees the
    old complete folder, the new complete one, or (for an instant) none, never a half-written one. The
    previous manifest's ``sent`` history is carried over. Returns the new manifest; ``.paths`` lists the
    published files.
    """
    HalfYear.parse(half_year)
    sources = _check_sources(files)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging, replaced = _siblings(folder)
    _recover(folder, replaced)
    _remove(staging)
    history = read_manifest(folder).sent if (folder / MANIFEST_NAME).exists() else []
    moment = (generated_at or datetime.now(UTC)).isoformat(timespec="seconds")
    try:
        staging.mkdir()
        entries = [_copy_in(source, staging) for source in sources]
        manifest = Manifest(half_year, moment, entries, list(history))
        _write_manifest(manifest, staging)
        _swap(staging, folder, replaced)
    finally:
        _remove(staging)
        _recover(folder, replaced)
    log.info("published %d files of the %s report to %s (%d earlier deliveries kept)",
             len(entries), half_year, folder, len(history))
    return replace(manifest, folder=folder)


def _check_sources(files: Sequence[Path]) -> list[Path]:
    """Reject inputs that would silently publish the wrong set: duplicates, a manifest, non-files."""
    sources = [Path(f) for f in files]
    if not sources:
        raise ValueError("no report files to publish")
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"two report files share the name(s) {duplicates}; the outbox holds one of each")
    if MANIFEST_NAME in names:
        raise ValueError(f"{MANIFEST_NAME} is written by publish itself and cannot be a report file")
    missing = [str(s) for s in sources if not s.is_file()]
    if missing:
        raise FileNotFoundError(f"report files not found (or not regular files): {missing}")
    return sources


def _siblings(folder: Path) -> tuple[Path, Path]:
    """Fixed names beside ``folder`` (same file system, so renames are atomic); fixed so that a crashed
    run's leftovers are found and cleaned by the next one instead of piling up."""
    return folder.with_name(f".{folder.name}.publishing"), folder.with_name(f".{folder.name}.replaced")


def _recover(folder: Path, replaced: Path) -> None:
    """Put the previous content back if a swap was interrupted between its two renames, else drop it."""
    if replaced.exists() and not folder.exists():
        replaced.rename(folder)
    _remove(replaced)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _copy_in(source: Path, staging: Path) -> FileEntry:
    target = staging / source.name
    shutil.copyfile(source, target)
    return FileEntry(source.name, target.stat().st_size, file_sha256(target))


def _swap(staging: Path, folder: Path, replaced: Path) -> None:
    if folder.exists():
        folder.rename(replaced)
    staging.rename(folder)
    _remove(replaced)


# --- recipients -------------------------------------------------------------------------------------------


def recipients_from_env(variable: str = RECIPIENTS_ENV) -> list[str]:
    """The report's recipients (``DXSTATS_REPORT_RECIPIENTS``), validated before any e-mail goes out."""
    return mail.recipients_from_env(variable)


# --- sending ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    status: Literal["sent", "already sent"]
    delivery: Delivery  # the new delivery, or the earlier one that already carried these files
    manifest: Manifest


def send(
    target: Path | Manifest,
    recipients: Sequence[str],
    *,
    subject: str,
    body: str,
    conn_id: str = DEFAULT_CONN_ID,
    force: bool = False,
) -> SendResult:
    """E-mail the published files of ``target`` (an outbox folder or its manifest) as attachments.

    Skipped, with status ``"already sent"``, when the manifest records a delivery of the same file
    contents to the same recipients: a retried task must not e-mail people twice. ``force`` sends anyway.
    Each send is appended to the manifest's ``sent`` list.
    """
    folder = target.folder if isinstance(target, Manifest) else target
    if folder is None:
        raise ValueError("send needs a manifest read from or written to a folder")
    to = mail.validate_recipients(recipients)
    manifest = read_manifest(folder)
    attachments = _read_attachments(manifest)
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in attachments.items()}
    earlier = _earlier_delivery(manifest, checksums, to)
    if earlier and not force:
        log.info("the %s report was already sent to these %d recipients on %s; not sending again",
                 manifest.half_year, len(to), earlier.sent_at)
        return SendResult("already sent", earlier, manifest)
    try:
        settings = mail.smtp_settings(conn_id)
        message = mail.compose(settings, to, subject, body, attachments)
        refused = mail.transmit(settings, message, to, f"{manifest.half_year} report")
    except mail.MailError as exc:
        raise DeliveryError(str(exc)) from None
    delivery = Delivery(_now(), [a for a in to if a not in refused], checksums, message["Message-ID"], refused)
    manifest = _record(folder, delivery)
    if refused:
        raise DeliveryError(f"the {manifest.half_year} report was sent to {len(delivery.recipients)} of "
                            f"{len(to)} recipients; the server {settings.address} refused {refused} "
                            f"(recorded in {folder / MANIFEST_NAME}); check those addresses")
    return SendResult("sent", delivery, manifest)


def _read_attachments(manifest: Manifest) -> dict[str, bytes]:
    """The files' bytes, checked against the manifest: a file changed after publishing must be
    re-published (so the manifest stays true), not sent under an old checksum."""
    contents: dict[str, bytes] = {}
    for entry, path in zip(manifest.files, manifest.paths, strict=True):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise DeliveryError(f"{path} no longer matches {MANIFEST_NAME} (SHA-256 changed): publish the "
                                "report again before sending it")
        contents[entry.name] = data
    return contents


def _earlier_delivery(manifest: Manifest, checksums: dict[str, str], to: list[str]) -> Delivery | None:
    wanted = {a.lower() for a in to}
    for delivery in reversed(manifest.sent):
        if delivery.attachments == checksums and {a.lower() for a in delivery.recipients} == wanted:
            return delivery
    return None


def _record(folder: Path, delivery: Delivery) -> Manifest:
    """Append the delivery to the manifest as it is on disk now (re-read, so nothing written meanwhile is
    lost) and rewrite it."""
    current = read_manifest(folder)
    updated = replace(current, sent=[*current.sent, delivery])
    _write_manifest(updated, folder)
    return updated


def smtp_settings(conn_id: str = DEFAULT_CONN_ID) -> mail.SmtpSettings:
    """The report's SMTP connection (``smtp_report`` unless told otherwise)."""
    return mail.smtp_settings(conn_id)
