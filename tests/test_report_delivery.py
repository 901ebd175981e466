"""Report delivery: publishing into the outbox with a manifest, and e-mailing through a real SMTP server.

The server is aiosmtpd on 127.0.0.1 (a free port per test); the connection comes from
``AIRFLOW_CONN_SMTP_REPORT`` as it would in a deployment, read through ``BaseHook.get_connection``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from mail import Mailbox, free_port, set_connection

from dxstats.report import delivery
from dxstats.report.delivery import DeliveryError, publish, read_manifest, recipients_from_env, send

HALF = "2022-H1"
SUBJECT = "Báo cáo chuyển đổi số 2022-H1"
BODY = "Kính gửi anh chị,\nĐính kèm báo cáo chuyển đổi số 6 tháng đầu năm 2022.\n"
RECIPIENTS = ["lanh.dao@example.vn", "thong.ke@example.vn"]
PASSWORD = "pa55-Sm7p-s3cret"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"dxstats", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: the server replies 535 itself


@pytest.fixture
def auth_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, int]]:
    """A server that requires AUTH (over plain text: local test only)."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def report_files(tmp_path: Path) -> dict[str, Path]:
    """A generated report as the writers leave it in their temporary folder."""
    work = tmp_path / "generated"
    work.mkdir()
    contents = {
        "bao-cao-2022-H1.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        "chi-so-2022-H1.csv": "tinh,chi_so\nHà Nội,87,4\nThừa Thiên Huế,61,2\n".encode(),
        "bao-cao-2022-H1.xlsx": b"PK\x03\x04" + bytes(range(256)),
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = work / name
        paths[name].write_bytes(data)
    return paths


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox" / HALF / "report"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_copies_the_files_and_lists_them_in_the_manifest(report_files, outbox):
    manifest = publish(list(report_files.values()), outbox, half_year=HALF)

    assert sorted(p.name for p in outbox.iterdir()) == sorted([*report_files, "manifest.json"])
    assert manifest.paths == [outbox / name for name in report_files]
    on_disk = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["half_year"] == HALF
    assert on_disk["generated_at"]
    assert on_disk["sent"] == []
    assert on_disk["files"] == [{"name": name, "size": path.stat().st_size, "sha256": sha256(path)}
                                for name, path in report_files.items()]
    for name, path in report_files.items():
        assert (outbox / name).read_bytes() == path.read_bytes()
    assert read_manifest(outbox) == manifest


def test_republish_replaces_the_previous_run_without_leftovers(report_files, outbox, tmp_path):
    publish(list(report_files.values()), outbox, half_year=HALF)
    csv = report_files.pop("chi-so-2022-H1.csv")
    pdf = report_files["bao-cao-2022-H1.pdf"]
    pdf.write_bytes(pdf.read_bytes() + b"% rerun\n")

    manifest = publish(list(report_files.values()), outbox, half_year=HALF)

    assert sorted(p.name for p in outbox.iterdir()) == sorted([*report_files, "manifest.json"])
    assert csv.name not in {entry.name for entry in manifest.files}
    assert (outbox / pdf.name).read_bytes() == pdf.read_bytes()
    assert {e.name: e.sha256 for e in read_manifest(outbox).files} == {n: sha256(p) for n, p in report_files.items()}
    assert [p.name for p in outbox.parent.iterdir()] == ["report"]  # no staging or replaced folder beside it


def test_publish_rejects_a_set_it_could_not_publish_faithfully(report_files, outbox, tmp_path):
    files = list(report_files.values())
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / files[0].name).write_bytes(b"another")
    with pytest.raises(ValueError, match="share the name"):
        publish([*files, other / files[0].name], outbox, half_year=HALF)
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        publish([*files, tmp_path / "missing.csv"], outbox, half_year=HALF)
    with pytest.raises(ValueError, match="not a half-year"):
        publish(files, outbox, half_year="2022-H3")
    assert not outbox.parent.exists() or list(outbox.parent.iterdir()) == []


def test_an_interrupted_swap_is_recovered_with_its_history(report_files, outbox):
    """A crash between the two renames leaves only the sibling ``.report.replaced``: the next publish puts it
    back first, so its manifest's ``sent`` history survives."""
    publish(list(report_files.values()), outbox, half_year=HALF)
    manifest = read_manifest(outbox)
    record = delivery.Delivery("2022-07-05T01:00:00+00:00", RECIPIENTS, {"x.pdf": "0" * 64}, "<id@example.vn>")
    (outbox / "manifest.json").write_text(dataclasses.replace(manifest, sent=[record]).to_json(), encoding="utf-8")
    outbox.rename(outbox.with_name(".report.replaced"))

    republished = publish(list(report_files.values()), outbox, half_year=HALF)

    assert republished.sent == [record]
    assert [p.name for p in outbox.parent.iterdir()] == ["report"]


def test_the_connection_is_read_from_the_environment_outside_a_task(monkeypatch):
    set_connection(monkeypatch, 2525, login="dxstats", password=PASSWORD)
    settings = delivery.smtp_settings()
    assert (settings.host, settings.port, settings.login, settings.from_email) == (
        "127.0.0.1", 2525, "dxstats", "dxstats@example.vn")
    assert (settings.starttls, settings.ssl, settings.timeout) == (False, False, 10.0)
    assert PASSWORD not in repr(settings)


def test_send_mails_every_file_to_every_recipient_and_records_it(smtp_server, report_files, outbox):
    publish(list(report_files.values()), outbox, half_year=HALF)

    result = send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY)

    assert result.status == "sent"
    assert len(smtp_server.messages) == 1
    rcpt_tos, _ = smtp_server.messages[0]
    assert sorted(rcpt_tos) == sorted(RECIPIENTS)
    message = smtp_server.parsed()
    assert message["Subject"] == SUBJECT
    assert [a.addr_spec for a in message["To"].addresses] == RECIPIENTS
    assert message["From"] == "dxstats@example.vn"
    assert message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n") == BODY
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert sorted(attachments) == sorted(report_files)
    for name, path in report_files.items():
        assert attachments[name].get_payload(decode=True) == path.read_bytes()
    assert attachments["bao-cao-2022-H1.xlsx"].get_content_type() == XLSX_TYPE
    assert attachments["bao-cao-2022-H1.pdf"].get_content_type() == "application/pdf"
    assert attachments["chi-so-2022-H1.csv"].get_content_type() == "text/csv"
    assert attachments["chi-so-2022-H1.csv"].get_content_charset() == "utf-8"

    sent = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))["sent"]
    assert len(sent) == 1
    assert sent[0]["recipients"] == RECIPIENTS
    assert sent[0]["attachments"] == {name: sha256(path) for name, path in report_files.items()}
    assert sent[0]["message_id"] == message["Message-ID"]
    assert sent[0]["sent_at"]


def test_send_is_idempotent_unless_forced_or_the_files_change(smtp_server, report_files, outbox):
    manifest = publish(list(report_files.values()), outbox, half_year=HALF)
    first = send(manifest, RECIPIENTS, subject=SUBJECT, body=BODY)

    again = send(outbox, list(reversed(RECIPIENTS)), subject=SUBJECT, body=BODY)
    assert again.status == "already sent"
    assert again.delivery == first.delivery
    assert len(smtp_server.messages) == 1

    forced = send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY, force=True)
    assert forced.status == "sent"
    assert len(smtp_server.messages) == 2

    csv = report_files["chi-so-2022-H1.csv"]
    csv.write_bytes(csv.read_bytes() + "Đà Nẵng,90,1\n".encode())
    publish(list(report_files.values()), outbox, half_year=HALF)
    changed = send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY)
    assert changed.status == "sent"
    assert len(smtp_server.messages) == 3

    sent = read_manifest(outbox).sent
    assert [d.message_id for d in sent] == [first.delivery.message_id, forced.delivery.message_id,
                                            changed.delivery.message_id]
    assert sent[-1].attachments["chi-so-2022-H1.csv"] == sha256(csv)
    assert sent[0].attachments["chi-so-2022-H1.csv"] != sha256(csv)

    other = send(outbox, RECIPIENTS[:1], subject=SUBJECT, body=BODY)  # other recipients: a new delivery
    assert other.status == "sent"
    assert len(smtp_server.messages) == 4


def test_a_file_changed_after_publishing_is_not_sent(smtp_server, report_files, outbox):
    publish(list(report_files.values()), outbox, half_year=HALF)
    (outbox / "bao-cao-2022-H1.pdf").write_bytes(b"tampered")
    with pytest.raises(DeliveryError, match="publish the report again"):
        send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY)
    assert smtp_server.messages == []


def test_refused_recipients_are_recorded_and_reported(smtp_server, report_files, outbox):
    publish(list(report_files.values()), outbox, half_year=HALF)
    with pytest.raises(DeliveryError, match=r"sent to 1 of 2 recipients.*refuse@example\.vn"):
        send(outbox, ["ok@example.vn", "refuse@example.vn"], subject=SUBJECT, body=BODY)
    assert smtp_server.messages[0][0] == ["ok@example.vn"]
    (record,) = read_manifest(outbox).sent
    assert record.recipients == ["ok@example.vn"]
    assert list(record.refused) == ["refuse@example.vn"]


def test_an_unreachable_server_is_a_clear_error_without_the_password(monkeypatch, report_files, outbox):
    port = free_port()  # nothing listens there
    set_connection(monkeypatch, port, login="dxstats", password=PASSWORD)
    publish(list(report_files.values()), outbox, half_year=HALF)

    with pytest.raises(DeliveryError) as failure:
        send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY)

    text = str(failure.value)
    assert f"127.0.0.1:{port}" in text
    assert "2 recipient(s)" in text
    assert "'smtp_report'" in text
    assert PASSWORD not in text
    assert failure.value.__cause__ is None  # nothing chained that could carry connection details
    assert failure.value.__suppress_context__
    assert read_manifest(outbox).sent == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # local test server
def test_login_with_the_connection_password(monkeypatch, auth_server, report_files, outbox):
    mailbox, port = auth_server
    publish(list(report_files.values()), outbox, half_year=HALF)

    set_connection(monkeypatch, port, login="dxstats", password="wrong-" + PASSWORD)
    with pytest.raises(DeliveryError, match=f"127.0.0.1:{port}.*SMTPAuthenticationError") as failure:
        send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY)
    assert PASSWORD not in str(failure.value)
    assert mailbox.messages == []

    set_connection(monkeypatch, port, login="dxstats", password=PASSWORD)
    assert send(outbox, RECIPIENTS, subject=SUBJECT, body=BODY).status == "sent"
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize("value", ["", "   ", "not-an-address", "a@example.vn,,b@example.vn", "a@example.vn;b@x.vn"])
def test_recipients_from_env_rejects_empty_or_malformed_lists(monkeypatch, value):
    monkeypatch.setenv("DXSTATS_REPORT_RECIPIENTS", value)
    with pytest.raises(ValueError, match="DXSTATS_REPORT_RECIPIENTS"):
        recipients_from_env()


def test_recipients_from_env_reads_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("DXSTATS_REPORT_RECIPIENTS", " lanh.dao@example.vn, thong.ke@example.vn ,Lanh.Dao@example.vn")
    assert recipients_from_env() == RECIPIENTS
    monkeypatch.delenv("DXSTATS_REPORT_RECIPIENTS")
    with pytest.raises(ValueError, match="is empty"):
        recipients_from_env()
