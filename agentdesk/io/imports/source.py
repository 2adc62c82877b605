"""Opening an import file: refuse what cannot be a data file before reading a row of it.

A file is refused with one line naming it when it is missing, empty, too large, binary, or in an
encoding that is neither UTF-8 (with or without BOM) nor GB18030/GBK (what Chinese spreadsheet
programs write); ``--encoding`` overrides the guess.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agentdesk.domain.errors import AgentdeskError

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: --max-size raises it
WHOLE_JSON_MAX_BYTES = 256 << 20  # a JSON document is parsed at once; JSON lines stream
SNIFF_BYTES = 1 << 20
BINARY_SIGNS = (b"\x00", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
KNOWN_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "utf-16", "big5", "latin-1")


class ImportFileError(AgentdeskError):
    """The file as a whole is refused (nothing read, nothing written)."""

    def __init__(self, key: str, file: Path | str, **args: object) -> None:
        super().__init__(key, file=str(file), **args)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    encoding: str
    size: int

    def open_text(self) -> tuple[IO[str], IO[bytes]]:
        """The text to parse and the raw file under it (whose position drives progress)."""
        raw = self.path.open("rb")
        text = io.TextIOWrapper(raw, encoding=self.encoding, errors="strict", newline="")
        return text, raw

    def read_text(self) -> str:
        """The whole text (for JSON documents); a decoding failure names the byte offset."""
        data = self.path.read_bytes()
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "imports.bad_bytes", self.path, encoding=self.encoding, offset=exc.start
            ) from None


def open_source(
    path: Path, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> SourceFile:
    """Check `path` and settle its encoding (`encoding` when given, else detected)."""
    if not path.is_file():
        raise ImportFileError("imports.file_missing", path)
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("imports.file_empty", path)
    if size > max_bytes:
        raise ImportFileError(
            "imports.file_too_large", path, size=_megabytes(size), limit=_megabytes(max_bytes)
        )
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if encoding is not None:
        return SourceFile(path, _known_encoding(path, encoding), size)
    return SourceFile(path, detect_encoding(path, head, complete=size <= SNIFF_BYTES), size)


def detect_encoding(path: Path | str, head: bytes, *, complete: bool) -> str:
    """UTF-8 (BOM or not), else GB18030; binary data and undecodable text are refused."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if any(sign in head[:8192] for sign in BINARY_SIGNS[:1]) or head.startswith(BINARY_SIGNS[1:]):
        raise ImportFileError("imports.binary_file", path)
    for name in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(name)()
        try:
            decoder.decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return name
    raise ImportFileError("imports.unknown_encoding", path)


def _known_encoding(path: Path, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(
            "imports.bad_encoding_name", path, encoding=encoding, known=", ".join(KNOWN_ENCODINGS)
        ) from None


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"
