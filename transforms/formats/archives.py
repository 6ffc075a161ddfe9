"""Compressed files and archives, opened in memory with a cap on what they may expand to.

Pure functions over bytes: nothing is extracted to disk, member names are only ever labels
in a `source_uri` (`dumps.zip!/2024/a.txt`), never paths, so `../../x` or `/etc/x` is harmless.

- `sniff_container(data)` names a container by its magic bytes (never by extension).
- `decompress(data, kind, limit)` expands gzip, bzip2, xz or zstd, streaming, and stops as soon
  as the output passes `limit` (a bomb costs `limit` bytes of memory, not its full size).
- `members(data, kind, limit)` yields the regular files of a zip or tar archive.
"""
from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile
from collections.abc import Iterator

from schemas import reasons

__all__ = [
    "ARCHIVES",
    "COMPRESSIONS",
    "Expanded",
    "Member",
    "Problem",
    "decompress",
    "member_uri",
    "members",
    "sniff_container",
    "strip_compression_suffix",
]

COMPRESSIONS = ("gzip", "bzip2", "xz", "zstd")
ARCHIVES = ("zip", "tar")
_SUFFIXES = (".gz", ".gzip", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".zstd")
_CHUNK = 1 << 20
# Zip files that are documents, not folders of dumps: .docx/.xlsx, .odt, .epub, .jar.
_DOCUMENT_MARKERS = {"[Content_Types].xml", "mimetype", "META-INF/MANIFEST.MF"}
# Compressed input is fed this much at a time, and output taken at most _PIECE at a time.
_FEED = 16 * 1024
_PIECE = 8 << 20
# zstd has no output cap per call: fed 1 KiB at a time, one call yields at most ~40 MiB.
_ZSTD_FEED = 1024


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a container (or one of its members) could not be read: a reject reason and detail."""

    reason: str
    detail: str


@dataclasses.dataclass(frozen=True)
class Expanded:
    """What a compressed stream expanded to. `problem` is set when it ended early or was corrupt;
    `data` then holds what came out before that (for multi-record formats, still worth reading)."""

    data: bytes
    problem: Problem | None = None


@dataclasses.dataclass(frozen=True)
class Member:
    """One regular file inside an archive, or the reason it could not be read."""

    name: str
    data: bytes | None
    problem: Problem | None = None


def sniff_container(data: bytes) -> str | None:
    """'gzip', 'bzip2', 'xz', 'zstd', 'zip' or 'tar' from the magic bytes; None for anything else."""
    if data[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if data[:3] == b"BZh" and data[3:4].isdigit() and data[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bzip2"
    if data[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[257:263] in (b"ustar\x00", b"ustar ") and _tar_checksum_ok(data):
        return "tar"
    return None


def _tar_checksum_ok(data: bytes) -> bool:
    """True when the first 512-byte header's checksum (bytes 148-155, octal) is the sum of
    its bytes with that field read as spaces: what tells a tar header from a text that
    happens to hold 'ustar' at byte 257 (about one text dump in 100,000)."""
    header = data[:512]
    if len(header) < 512:
        return False
    try:
        stored = int(header[148:156].replace(b"\x00", b" ").strip() or b"x", 8)
    except ValueError:
        return False
    unsigned = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
    signed = unsigned - 2 * (sum(b for b in header[:148] + header[156:] if b >= 0x80))
    return stored in (unsigned, signed)


def strip_compression_suffix(name: str) -> str:
    """'a.jsonl.gz' -> 'a.jsonl', 'a.tgz' -> 'a.tar': the name of what is inside, for detection."""
    lower = name.lower()
    for suffix in _SUFFIXES:
        if lower.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem + ".tar" if suffix.startswith(".t") and suffix != ".tar" else stem
    return name


def member_uri(uri: str, name: str) -> str:
    """The source_uri of an archive member: `<archive uri>!/<member name>`."""
    return f"{uri}!/{name}" if name else uri


def _too_big(kind: str, limit: int) -> Problem:
    return Problem(reasons.DECOMPRESSION_LIMIT,
                   f"{kind} data expands to more than --max-member-bytes={limit} bytes; "
                   "raise the limit if the file is genuine")


def _read_capped(stream, kind: str, limit: int) -> Expanded:
    """Reads a decompressing file object to its end, or up to `limit` + 1 bytes."""
    out = bytearray()
    try:
        while True:
            chunk = stream.read(min(_CHUNK, limit + 1 - len(out)))
            if not chunk:
                return Expanded(bytes(out))
            out += chunk
            if len(out) > limit:
                return Expanded(b"", _too_big(kind, limit))
    except EOFError as err:
        return Expanded(bytes(out), Problem(reasons.TRUNCATED,
                                            f"{kind} stream ends early after {len(out)} bytes: {err}"))
    except Exception as err:  # noqa: BLE001 - zlib.error, OSError, LZMAError...: all mean corrupt
        return Expanded(bytes(out), Problem(reasons.CORRUPT,
                                            f"{kind} stream is corrupt after {len(out)} bytes: "
                                            f"{type(err).__name__}: {err}"))


def _decompressor(kind: str):
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj()
    import bz2
    import lzma
    import zlib

    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    return bz2.BZ2Decompressor() if kind == "bzip2" else lzma.LZMADecompressor()


_GZIP_MAGIC = b"\x1f\x8b"


def decompress(data: bytes, kind: str, limit: int) -> Expanded:
    """Expands gzip, bzip2, xz or zstd data to at most `limit` bytes.

    Any number of gzip members, bzip2/xz streams or zstd frames one after another are read
    (a .warc.gz is one gzip member per record), and zero padding after the last; after a
    whole gzip member, bytes that start no other (a newline, junk a transfer added) are
    ignored, as gunzip ignores them. The input
    is fed in small pieces and the output taken in bounded pieces, so neither a bomb nor a
    file of many members costs more than `limit` plus a few MiB.
    """
    feed_size = _ZSTD_FEED if kind == "zstd" else _FEED
    out = bytearray()
    size, pos, pending, stream, more = len(data), 0, b"", None, False
    try:
        while True:
            if not pending and not more:
                if pos >= size:
                    break
                pending = data[pos:pos + feed_size]
                pos += len(pending)
            if stream is None:
                if pending[:1] == b"\x00" and not pending.strip(b"\x00") and data.count(0, pos) == size - pos:
                    break  # zero padding after the last member
                if (out and kind == "gzip" and (pending + data[pos:pos + 2])[:2] != _GZIP_MAGIC
                        and data.find(_GZIP_MAGIC + b"\x08", pos - len(pending)) < 0):
                    # Bytes after the last whole member that start no other: ignored, as gunzip
                    # does. Junk with a member after it is corrupt (read on, it fails below).
                    break
                stream = _decompressor(kind)
            if kind == "zstd":  # no output cap per call; the small feed bounds each piece
                piece = stream.decompress(pending)
            else:
                piece = stream.decompress(pending, _PIECE)
            out += piece
            if len(out) > limit:
                return Expanded(b"", _too_big(kind, limit))
            if stream.eof:
                pending, stream, more = stream.unused_data, None, False
            elif kind == "gzip":
                pending, more = stream.unconsumed_tail, len(piece) == _PIECE
            elif kind == "zstd":
                pending, more = b"", False
            else:
                pending, more = b"", not stream.needs_input
    except Exception as err:  # noqa: BLE001 - zlib.error, OSError, LZMAError, ZstdError: all corrupt
        return Expanded(bytes(out), Problem(reasons.CORRUPT, f"{kind} stream is corrupt after "
                                           f"{len(out)} bytes: {type(err).__name__}: {err}"))
    if stream is not None:
        return Expanded(bytes(out), Problem(reasons.TRUNCATED, f"{kind} stream ends early after "
                                            f"{len(out)} bytes"))
    return Expanded(bytes(out))


def members(data: bytes, kind: str, limit: int) -> Iterator[Member]:
    """The regular files of a zip or tar archive, in archive order, each read to at most `limit`.

    Directories are left out. A problem with the archive as a whole comes as a last Member
    with an empty name (the archive itself).
    """
    yield from (_zip_members if kind == "zip" else _tar_members)(data, limit)


def _zip_members(data: bytes, limit: int) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        yield Member("", None, Problem(reasons.CORRUPT, f"not a readable zip archive (truncated?): {err}"))
        return
    with archive:
        names = set(archive.namelist()[:50])
        if names & _DOCUMENT_MARKERS:
            yield Member("", None, Problem(reasons.UNSUPPORTED_FORMAT, "a document packaged as zip (Office, "
                                           "OpenDocument, EPUB or Java archive), not an archive of dumps"))
            return
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                yield Member(info.filename, None, Problem(reasons.UNREADABLE, "the member is encrypted"))
            elif info.file_size > limit:
                yield Member(info.filename, None, _too_big("zip member", limit))
            else:
                yield _zip_member(archive, info, limit)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Member:
    try:
        with archive.open(info) as stream:
            expanded = _read_capped(stream, "zip member", limit)
    except NotImplementedError as err:  # deflate64, ppmd, ...
        return Member(info.filename, None, Problem(reasons.UNREADABLE, f"unsupported zip member: {err}"))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return Member(info.filename, None, Problem(reasons.CORRUPT, f"zip member unreadable: {err}"))
    if expanded.problem is not None:
        # A zip member is read whole or not at all: a bad CRC means the bytes are wrong.
        return Member(info.filename, None, expanded.problem)
    return Member(info.filename, expanded.data)


def _tar_members(data: bytes, limit: int) -> Iterator[Member]:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - closed below
    except tarfile.TarError as err:
        yield Member("", None, Problem(reasons.CORRUPT, f"not a readable tar archive: {err}"))
        return
    with archive:
        while True:
            try:
                info = archive.next()
            except tarfile.TarError as err:
                yield Member("", None, Problem(reasons.TRUNCATED,
                                               f"the tar archive ends inside a member header: {err}"))
                return
            if info is None:
                return
            if info.isdir():
                continue
            if not info.isreg():
                # Links, devices, FIFOs: no content of their own.
                yield Member(info.name, None, None)
                continue
            if info.size > limit:
                yield Member(info.name, None, _too_big("tar member", limit))
                continue
            try:
                body = archive.extractfile(info).read()
            except tarfile.TarError as err:
                yield Member(info.name, None, Problem(reasons.TRUNCATED, f"the tar archive ends inside "
                                                                         f"this member: {err}"))
                return
            yield Member(info.name, body)
