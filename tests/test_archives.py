"""Compressed files and archives: opened in memory, bounded, members named in source_uri."""
from __future__ import annotations

import bz2
import collections
import datetime as dt
import gzip
import io
import json
import lzma
import os
import tarfile
import time
import tracemalloc
import zipfile
import zlib

import pytest
import zstandard

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.formats.archives import decompress, sniff_container, strip_compression_suffix
from transforms.ingest import ingest_file
from transforms.rules import load_rules

NOW = dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.timezone.utc)
RULES = load_rules()
LIGHTHOUSE = (
    "The old lighthouse on the headland\n"
    "The lighthouse keeper's cottage reopens as a small museum this spring.Ola Nes/Coast Press\n"
    "  • Guided tours start in April.\n"
    "\n"
    "The cottage at the foot of the lighthouse will open to visitors every weekend from April.\n"
    "\n"
    "Volunteers have restored the keeper's logbooks, which record storms back to 1890.\n"
    "\n"
    "Read the original article on Headland Herald\n"
)
PARAGRAPHS = (
    "The cottage at the foot of the lighthouse will open to visitors every weekend from April.",
    "Volunteers have restored the keeper's logbooks, which record storms back to 1890.",
)
ORCHARD = (
    "Pickers return to the hillside orchard as the apple harvest begins a week early.\n\n"
    "Growers blame the warm spring for the early start, and expect a smaller crop.\n"
)
MARKET = "Äpfel und Birnen füllen die Stände am Markttag.\n\nDer Markt öffnet künftig schon um sieben Uhr.\n"


def _ctx(limit: int = 8 * 1024 * 1024, counts: collections.Counter | None = None) -> IngestContext:
    counter = None if counts is None else (lambda name, n=1: counts.update({name: n}))
    return IngestContext(RULES, NOW, max_member_bytes=limit, counter=counter)


def _outcomes(data: bytes, uri: str = "mem://in", **kw) -> list[Article | Reject]:
    return list(ingest_file(data, uri, _ctx(**kw)))


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _tar(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buf.getvalue()


def _check_lighthouse(article: Article, uri: str, encoding: str = "utf-8") -> None:
    assert isinstance(article, Article), article
    assert article.source_uri == uri
    assert article.source_format == "text"
    assert article.image_alt == "The old lighthouse on the headland"
    assert article.caption == "The lighthouse keeper's cottage reopens as a small museum this spring."
    assert article.caption_credit == "Ola Nes/Coast Press"
    assert article.bullets == ("Guided tours start in April.",)
    assert article.paragraphs == PARAGRAPHS
    assert article.publisher == "Headland Herald"
    assert article.source_encoding == encoding
    assert article.ingested_at == NOW


# Sniffing ------------------------------------------------------------------------------------

ZSTD = zstandard.ZstdCompressor()


@pytest.mark.parametrize(
    "data, kind",
    [
        (gzip.compress(b"x"), "gzip"),
        (bz2.compress(b"x"), "bzip2"),
        (lzma.compress(b"x"), "xz"),
        (ZSTD.compress(b"x"), "zstd"),
        (_zip({"a.txt": b"x"}), "zip"),
        (_zip({}), "zip"),
        (_tar({"a.txt": b"x"}), "tar"),
        (b"BZh is how the text starts, not a bzip2 stream", None),
        (b"PK was here. A text dump.", None),
        (LIGHTHOUSE.encode(), None),
        (b"", None),
        # before: a text with 'ustar' at byte 257 was read as a tar archive and rejected as corrupt
        (("x" * 250 + " doustart of the season.\n\n" + LIGHTHOUSE).encode(), None),
        (("x" * 250 + " doustar \x00 of the season.\n\n" + LIGHTHOUSE).encode(), None),
    ],
    ids=["gzip", "bzip2", "xz", "zstd", "zip", "empty_zip", "tar", "bzh_text", "pk_text", "dump", "empty",
         "ustar_in_text", "ustar_nul_in_text"],
)
def test_containers_are_told_by_magic_bytes(data, kind):
    assert sniff_container(data) == kind


@pytest.mark.parametrize(
    "name, inner",
    [("a.txt.gz", "a.txt"), ("feed.jsonl.zst", "feed.jsonl"), ("crawl.warc.bz2", "crawl.warc"),
     ("dumps.tgz", "dumps.tar"), ("x.xz", "x"), ("plain.txt", "plain.txt")],
)
def test_compression_suffix_is_stripped_for_detection(name, inner):
    assert strip_compression_suffix(name) == inner


# Compressed files: one input each, same source_uri ---------------------------------------------

@pytest.mark.parametrize(
    "compress",
    [gzip.compress, bz2.compress, lzma.compress, ZSTD.compress],
    ids=["gzip", "bzip2", "xz", "zstd"],
)
def test_compressed_dump_is_one_article(compress):
    # The extension lies (.bin): the magic bytes decide.
    [article] = _outcomes(compress(LIGHTHOUSE.encode()), "mem://lighthouse.bin")
    _check_lighthouse(article, "mem://lighthouse.bin")


def test_compressed_cp1252_dump_records_its_encoding():
    [article] = _outcomes(gzip.compress(MARKET.encode("cp1252")), "mem://markt.txt.gz")
    assert article.paragraphs == ("Äpfel und Birnen füllen die Stände am Markttag.",
                                  "Der Markt öffnet künftig schon um sieben Uhr.")
    assert article.source_encoding == "cp1252"


def test_multi_member_gzip_is_read_whole():
    data = gzip.compress(LIGHTHOUSE[:200].encode()) + gzip.compress(LIGHTHOUSE[200:].encode())
    [article] = _outcomes(data)
    _check_lighthouse(article, "mem://in")


@pytest.mark.parametrize("tail", [b"\n", b"\r\n", b"GARBAGE\n", b"\x1f"])
def test_bytes_after_a_whole_gzip_member_are_ignored_as_gunzip_ignores_them(tail):
    # Before: a complete gzip with a newline after it was 'truncated' ('copy it again'), and
    # with junk after it 'corrupt'; the article was whole.
    [article] = _outcomes(gzip.compress(LIGHTHOUSE.encode()) + tail)
    _check_lighthouse(article, "mem://in")


@pytest.mark.parametrize(
    "compress, kind",
    [(gzip.compress, "gzip"), (bz2.compress, "bzip2"), (lzma.compress, "xz"), (ZSTD.compress, "zstd")],
    ids=["gzip", "bzip2", "xz", "zstd"],
)
def test_truncated_compressed_dump_is_rejected_not_half_read(compress, kind):
    whole = compress((LIGHTHOUSE + os.urandom(3000).hex()).encode())
    [reject] = _outcomes(whole[: len(whole) * 2 // 3], "mem://cut.txt.gz")
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.TRUNCATED
    assert reject.source_uri == "mem://cut.txt.gz"
    assert kind in reject.detail and "ends early" in reject.detail
    assert reject.size_bytes == len(whole) * 2 // 3


def test_corrupt_gzip_is_rejected():
    whole = bytearray(gzip.compress(LIGHTHOUSE.encode()))
    whole[20:40] = b"\xff" * 20
    [reject] = _outcomes(bytes(whole))
    assert reject.reason == reasons.CORRUPT
    assert "gzip stream is corrupt" in reject.detail


# Bombs: bounded, streaming, never out of memory ------------------------------------------------

def _gzip_bomb(total: int) -> bytes:
    """`total` zero bytes as gzip: one 1 MiB member (about 1 KiB), repeated. A gzip file may hold
    any number of members; built this way the bomb costs no time and no memory to make."""
    member = gzip.compress(bytes(1 << 20), compresslevel=9)
    return member * (total >> 20)


def test_gzip_bomb_is_rejected_without_expanding_it():
    bomb = _gzip_bomb(300 << 20)  # 300 MiB of zeros
    assert len(bomb) < 400 * 1024  # from a few hundred KiB
    tracemalloc.start()
    started = time.monotonic()
    [reject] = _outcomes(bomb, "mem://bomb.txt.gz", limit=4 << 20)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert reject.reason == reasons.DECOMPRESSION_LIMIT
    assert reject.source_uri == "mem://bomb.txt.gz"
    assert "--max-member-bytes=4194304" in reject.detail
    assert reject.size_bytes == len(bomb)
    assert peak < 32 << 20, f"peak {peak} bytes"
    assert elapsed < 5


@pytest.mark.parametrize("kind", ["gzip", "zstd", "bzip2", "xz"])
def test_single_stream_bombs_are_capped(kind):
    if kind == "gzip":
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        bomb = b"".join(packer.compress(bytes(1 << 20)) for _ in range(64)) + packer.flush()
    elif kind == "zstd":
        packer = ZSTD.compressobj()
        bomb = b"".join(packer.compress(bytes(1 << 20)) for _ in range(256)) + packer.flush()
    else:
        packer = bz2.BZ2Compressor() if kind == "bzip2" else lzma.LZMACompressor()
        bomb = b"".join(packer.compress(bytes(1 << 20)) for _ in range(16)) + packer.flush()
    expanded = decompress(bomb, kind, 1 << 20)
    assert expanded.data == b""
    assert expanded.problem.reason == reasons.DECOMPRESSION_LIMIT


def test_zip_member_declaring_a_huge_size_is_not_read():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.txt", "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(bytes(1 << 20))
        archive.writestr("orchard.txt", ORCHARD)
    outcomes = _outcomes(buf.getvalue(), "mem://z.zip", limit=8 << 20)
    assert [(o.source_uri, getattr(o, "reason", "article")) for o in outcomes] == [
        ("mem://z.zip!/zeros.txt", reasons.DECOMPRESSION_LIMIT),
        ("mem://z.zip!/orchard.txt", "article"),
    ]


# Archives: each member one input ---------------------------------------------------------------

def test_zip_members_are_inputs_named_in_source_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _zip({
        "2025/lighthouse.txt": LIGHTHOUSE.encode(),
        "2025/": b"",  # a directory entry: no input
        "../../x": ORCHARD.encode(),
        "/etc/x": MARKET.encode("cp1252"),
        "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "empty.txt": b"",
    })
    outcomes = _outcomes(data, "mem://dumps.zip")
    assert [o.source_uri for o in outcomes] == [
        "mem://dumps.zip!/2025/lighthouse.txt",
        "mem://dumps.zip!/../../x",
        "mem://dumps.zip!//etc/x",
        "mem://dumps.zip!/picture.png",
        "mem://dumps.zip!/empty.txt",
    ]
    _check_lighthouse(outcomes[0], "mem://dumps.zip!/2025/lighthouse.txt")
    assert outcomes[1].paragraphs == tuple(ORCHARD.strip().split("\n\n"))
    assert outcomes[2].source_encoding == "cp1252"
    assert outcomes[2].paragraphs[0] == "Äpfel und Birnen füllen die Stände am Markttag."
    assert (outcomes[3].reason, outcomes[3].size_bytes) == (reasons.BINARY, 16)
    assert (outcomes[4].reason, outcomes[4].size_bytes) == (reasons.EMPTY, 0)
    # Member names are labels, never paths: nothing was written anywhere.
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent.parent / "x").exists()


def test_tar_gz_members_and_links(tmp_path):
    counts = collections.Counter()
    data = gzip.compress(_tar({"a/lighthouse.txt": LIGHTHOUSE.encode(), "b/orchard.txt": ORCHARD.encode()},
                              links={"c/link.txt": "/etc/passwd"}))
    outcomes = list(ingest_file(data, "mem://dumps.tgz", _ctx(counts=counts)))
    _check_lighthouse(outcomes[0], "mem://dumps.tgz!/a/lighthouse.txt")
    assert outcomes[1].source_uri == "mem://dumps.tgz!/b/orchard.txt"
    assert len(outcomes) == 2
    assert counts == {"skipped:archive_link": 1}


def test_truncated_tar_gz_keeps_the_whole_members_before_the_break():
    tar = _tar({"lighthouse.txt": LIGHTHOUSE.encode(), "noise.txt": os.urandom(20000).hex().encode(),
                "orchard.txt": ORCHARD.encode()})
    whole = gzip.compress(tar)
    cut = whole[: len(whole) * 3 // 5]  # inside noise.txt
    outcomes = _outcomes(cut, "mem://cut.tar.gz")
    _check_lighthouse(outcomes[0], "mem://cut.tar.gz!/lighthouse.txt")
    assert [(o.source_uri, o.reason) for o in outcomes[1:]] == [
        ("mem://cut.tar.gz!/noise.txt", reasons.TRUNCATED)]


def test_one_level_of_nesting_is_read_deeper_is_rejected():
    inner = gzip.compress(_tar({"lighthouse.txt": LIGHTHOUSE.encode()}))
    nested = _zip({"inner.tar.gz": inner, "orchard.txt": ORCHARD.encode()})
    outcomes = _outcomes(nested, "mem://outer.zip")
    _check_lighthouse(outcomes[0], "mem://outer.zip!/inner.tar.gz!/lighthouse.txt")
    assert outcomes[1].source_uri == "mem://outer.zip!/orchard.txt"

    too_deep = _zip({"middle.zip": _zip({"inner.zip": _zip({"a.txt": ORCHARD.encode()})})})
    [reject] = _outcomes(too_deep, "mem://deep.zip")
    assert reject.source_uri == "mem://deep.zip!/middle.zip!/inner.zip"
    assert reject.reason == reasons.NESTED_ARCHIVE


def test_gzip_in_gzip_in_gzip_is_not_opened():
    [reject] = _outcomes(gzip.compress(gzip.compress(gzip.compress(ORCHARD.encode()))))
    assert reject.reason == reasons.NESTED_ARCHIVE
    [article] = _outcomes(gzip.compress(gzip.compress(ORCHARD.encode())))
    assert isinstance(article, Article)


def test_an_archive_with_no_file_still_gets_one_outcome():
    [reject] = _outcomes(_zip({"only/": b""}), "mem://hollow.zip")
    assert (reject.source_uri, reject.reason) == ("mem://hollow.zip", reasons.NO_ARTICLE_TEXT)


def test_broken_zip_is_corrupt():
    data = _zip({"orchard.txt": ORCHARD.encode()})
    [reject] = _outcomes(data[: len(data) - 30], "mem://broken.zip")
    assert (reject.source_uri, reject.reason) == ("mem://broken.zip", reasons.CORRUPT)


def test_zip_member_with_bad_crc_is_corrupt_and_the_others_are_read():
    data = bytearray(_zip({"orchard.txt": ORCHARD.encode(), "lighthouse.txt": LIGHTHOUSE.encode()}))
    crc_at = data.index(b"PK\x01\x02") + 16  # the first member's CRC in the central directory
    data[crc_at:crc_at + 4] = b"\x00\x00\x00\x00"
    outcomes = _outcomes(bytes(data), "mem://crc.zip")
    assert (outcomes[0].source_uri, outcomes[0].reason) == ("mem://crc.zip!/orchard.txt", reasons.CORRUPT)
    _check_lighthouse(outcomes[1], "mem://crc.zip!/lighthouse.txt")


def test_encrypted_zip_member_is_unreadable():
    data = bytearray(_zip({"secret.txt": b"not really encrypted, but flagged so"}))
    # zipfile cannot write encrypted members: set the 'encrypted' flag bit in both headers.
    data[6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    [reject] = _outcomes(bytes(data), "mem://locked.zip")
    assert (reject.source_uri, reject.reason) == ("mem://locked.zip!/secret.txt", reasons.UNREADABLE)
    assert "encrypted" in reject.detail


def test_jsonl_inside_zip_keeps_line_numbers():
    lines = b'{"text": "The ferry timetable changes on Monday, the harbour office said."}\n{broken\n'
    outcomes = _outcomes(_zip({"day1.jsonl": lines}), "mem://feed.zip")
    assert [o.source_uri for o in outcomes] == ["mem://feed.zip!/day1.jsonl#line=1",
                                                "mem://feed.zip!/day1.jsonl#line=2"]
    assert outcomes[0].source_format == "jsonl"
    assert outcomes[1].reason == reasons.INVALID_JSON


def test_office_documents_are_not_opened_as_archives():
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    [reject] = _outcomes(docx, "mem://memo.docx")
    assert (reject.source_uri, reject.reason) == ("mem://memo.docx", reasons.UNSUPPORTED_FORMAT)
    assert "Office" in reject.detail


def test_members_of_one_name_are_told_apart_by_their_place():
    # A tar appended to holds a name twice. Before: two articles with one source_uri.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for text in (LIGHTHOUSE, LIGHTHOUSE.replace("lighthouse", "harbour light")):
            info = tarfile.TarInfo("story.txt")
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    first, second = _outcomes(buf.getvalue(), "mem://day.tar")
    assert (first.source_uri, second.source_uri) == ("mem://day.tar!/story.txt", "mem://day.tar!/story.txt#copy=2")
    assert first.article_id != second.article_id


def test_junk_between_gzip_members_is_corrupt_not_the_end():
    # Review finding: junk after a member ended the file, and the members after it were lost
    # unreported. Before the junk: read; then one reject.
    members = [gzip.compress(json.dumps({"text": f"{LIGHTHOUSE} {n}"}).encode() + b"\n") for n in range(4)]
    data = members[0] + members[1] + b"\r\n" + members[2] + members[3]
    outcomes = _outcomes(data, "mem://day.jsonl.gz")
    assert [type(o).__name__ for o in outcomes] == ["Article", "Article", "Reject"]
    assert outcomes[-1].reason == reasons.CORRUPT
