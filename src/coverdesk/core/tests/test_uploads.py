from pathlib import Path

import pytest
from django.utils import translation

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.uploads import (
    marker_at,
    starts_with,
    stored_absolute_path,
    upload_check,
    upload_write,
    written_files_guard,
)

PDF = b"%PDF-1.7\n%test\n"
TYPES = {"application/pdf": (".pdf",), "video/mp4": (".mp4",), "text/plain": (".txt",)}
SIGNATURES = {"application/pdf": starts_with(b"%PDF-"), "video/mp4": marker_at(4, b"ftyp")}


class RawUpload:
    """An upload as a client may send it: any name, a size it may not state."""

    def __init__(self, name, data, *, size_known=True):
        self.name, self.data = name, data
        self.size = len(data) if size_known else None

    def chunks(self, chunk_size=None):
        yield self.data


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return Path(settings.MEDIA_ROOT)


def check(name, data, *, max_bytes=1024, field="files", size_known=True):
    return upload_check(
        RawUpload(name, data, size_known=size_known),
        field=field,
        types=TYPES,
        max_bytes=max_bytes,
        signatures=SIGNATURES,
    )


def rejection(name, data, **kwargs):
    with pytest.raises(ValidationFailed) as caught:
        check(name, data, **kwargs)
    [error] = caught.value.fields
    return error.field, error.rule, str(error.message)


def test_accepted_upload_is_named_typed_and_hashed():
    checked = check("../../etc/Report.PDF", PDF)
    assert (checked.name, checked.extension, checked.content_type) == (
        "Report.PDF",
        ".pdf",
        "application/pdf",
    )
    assert checked.data == PDF and checked.size == len(PDF)
    assert len(checked.sha256) == 64
    # a type without a signature passes on any content; MP4 is checked at offset 4
    assert check("note.txt", b"anything").content_type == "text/plain"
    assert check("clip.mp4", b"\x00\x00\x00\x18ftypisom").content_type == "video/mp4"


@pytest.mark.parametrize(
    ("name", "data", "rule", "message"),
    [
        ("", PDF, "file_name", "The file has no name."),
        ("a.exe", PDF, "file_type", "a.exe: this type of file is not accepted; allowed: "),
        ("a.pdf", b"", "empty", "a.pdf is empty."),
        ("a.pdf", b"PK\x03\x04", "file_content", "a.pdf does not contain what its name says"),
        ("a.mp4", b"ftyp0000", "file_content", "a.mp4 does not contain what its name says"),
        ("a.pdf", PDF * 100, "max_size", "a.pdf is 0.0 MB; a file may have at most 0.0 MB."),
    ],
)
def test_rejections_name_field_rule_and_file(name, data, rule, message):
    field, got_rule, got_message = rejection(name, data, field="attachments")
    assert (field, got_rule) == ("attachments", rule)
    assert got_message.startswith(message)


def test_size_limit_is_checked_on_the_bytes_when_the_size_is_not_stated():
    data = PDF + b"x" * (2 * 1024 * 1024)
    field, rule, message = rejection("big.pdf", data, max_bytes=1024 * 1024, size_known=False)
    assert (field, rule) == ("files", "max_size")
    assert message == "big.pdf is 2.0 MB; a file may have at most 1.0 MB."
    assert check("ok.pdf", PDF, max_bytes=len(PDF), size_known=False).size == len(PDF)


def test_type_rejection_lists_the_allowed_extensions():
    assert rejection("a.exe", PDF)[2].endswith("allowed: .mp4, .pdf, .txt.")


def test_stored_path_outside_media_root_is_refused(media):
    assert stored_absolute_path("claims/1/x.pdf") == media.resolve() / "claims/1/x.pdf"
    with pytest.raises(ValueError, match="escapes MEDIA_ROOT"):
        stored_absolute_path("../elsewhere.pdf")


def test_write_stores_under_owner_and_guard_removes_on_failure(media):
    checked = check("a.pdf", PDF)
    with written_files_guard() as written:
        relative = upload_write(checked, directory="claims", owner_id=7, written=written)
    assert relative.startswith("claims/7/") and relative.endswith(".pdf")
    assert (media / relative).read_bytes() == PDF

    with pytest.raises(RuntimeError), written_files_guard() as written:
        second = upload_write(checked, directory="claims", owner_id=7, written=written)
        assert (media / second).exists()
        raise RuntimeError("transaction failed")
    assert not (media / second).exists()
    assert sorted(p.name for p in (media / "claims/7").iterdir()) == [Path(relative).name]
