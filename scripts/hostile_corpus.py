#!/usr/bin/env python3
"""Writes a corpus of hostile inputs, mixed with good dumps, and what the pipeline must make of each.

    python scripts/hostile_corpus.py OUT_DIR [--small] [--good N] [--flag-run]
    article-ingest run --input OUT_DIR/input --output OUT_DIR/out $(cat OUT_DIR/flags.txt)

Writes, all under OUT_DIR:
  input/          the corpus: good dumps and one or more files per hostile case
  secret.txt      a local "secret" (a unique marker line) that the XXE feeds point at; it is
                  outside input/, so it is never an input itself
  manifest.json   every case: its files and the outcomes expected for them (see `Case`)
  flags.txt       the `run` flags the expectations assume (the size limits of the mode)

Full size (the default) writes a single 100 MB line, an 8 MB paragraph and a gzip bomb that
expands to 4 GiB (about 4 MB on disk, built streaming from zeros), judged under the default
limits. `--small` keeps every case at small sizes and lowers --max-file-bytes and
--max-member-bytes to match, so the same outcomes are expected; the test suite uses it.

Cases that need the test harness: `deleted_after_match` is deleted by the test after the run
has matched its inputs; `unreadable_chmod` is mode 000, which root reads anyway (the
manifest says which outcome applies to the user that generated it).
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import shutil
import stat
import sys
import tarfile
import uuid
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loaded by path from the tests too
import dumps  # noqa: E402 - scripts/dumps.py, the one generator of synthetic dumps

ARTICLE = "article"


def good_dump(n: int) -> str:
    """The n-th good dump: a complete article in the reference layout (scripts/dumps.py)."""
    return dumps.dump(n, publisher="Valley Wire", credit="Rowan Pike/Valley Wire")


# A body sentence that must survive every re-encoding test below.
KEEP = "The café on Königsallee served crème brûlée to the jury."


@dataclass
class Case:
    """One hostile input and what the run must make of it.

    `expect` maps an outcome ('article' or a reject reason) to how many of them the case's
    files must produce: every outcome whose source_uri is one of `files` (or begins with one
    followed by '!/' or '#', for archive members, JSONL lines, feed items, WARC records).
    `expect_deleted` / `expect_root` replace `expect` when the harness deleted the file after
    matching / when the generating user could read a mode-000 file (root).
    """

    name: str
    files: list[str]
    expect: dict[str, int]
    why: str
    expect_deleted: dict[str, int] | None = None
    contains: list[str] = field(default_factory=list)  # text that must be in the case's articles
    notes: str = ""


class Corpus:
    def __init__(self, out: Path, small: bool, good: int, seed: int = 7):
        self.out = out
        self.input = out / "input"
        self.small = small
        self.good = good
        self.rng = random.Random(seed)
        self.cases: list[Case] = []
        self.marker = f"SECRET-MARKER-{uuid.uuid4().hex}"
        self.flags: list[str] = []
        # Limits of the mode: full size uses the defaults (50 MiB files, 200 MiB members).
        self.max_file_bytes = 1 << 20 if small else 50 << 20
        self.max_member_bytes = 8 << 20 if small else 200 << 20
        if small:
            self.flags = ["--max-file-bytes", str(self.max_file_bytes),
                          "--max-member-bytes", str(self.max_member_bytes)]

    # -- helpers -------------------------------------------------------------------------
    def write(self, name: str, data: bytes | str) -> str:
        path = self.input / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return name

    def add(self, name: str, files: list[str], expect: dict[str, int], why: str, **kw) -> None:
        self.cases.append(Case(name, files, expect, why, **kw))

    # -- the corpus ----------------------------------------------------------------------
    def build(self) -> None:
        if self.out.exists():
            _make_writable(self.out)
            shutil.rmtree(self.out)
        self.input.mkdir(parents=True)
        (self.out / "secret.txt").write_text(f"{self.marker}\nroot:do-not-leak:0:0\n")
        for n in range(self.good):
            self.add(f"good_{n:03d}", [self.write(f"good/dump-{n:03d}.txt", good_dump(n))], {ARTICLE: 1},
                     "a good dump in the reference layout")
        self.empty_and_binary()
        self.encodings()
        self.sizes()
        self.markup()
        self.feeds()
        self.containers()
        self.filesystem()
        self.multi_record()
        self.names()

    def empty_and_binary(self) -> None:
        self.add("empty", [self.write("empty.txt", b"")], {"empty": 1}, "zero bytes")
        self.add("whitespace_only", [self.write("whitespace.txt", " \t\n\r\n  \u00a0\u3000\n\n")], {"empty": 1},
                 "spaces, tabs, newlines, no-break and ideographic spaces")
        png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"
               + zlib.compress(bytes(self.rng.randrange(256) for _ in range(3000))))
        self.add("binary_image", [self.write("photo.txt", png)], {"binary": 1}, "PNG bytes named .txt")
        elf = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(40) + self.rng.randbytes(4000)
        self.add("binary_executable", [self.write("tool", elf)], {"binary": 1}, "ELF executable bytes")

    def encodings(self) -> None:
        def body(case: str) -> str:
            # Each case its own body, so no two are duplicates of each other.
            return f"{KEEP}\n\nThe jury met twice in the old market hall ({case}) before it gave its verdict.\n"

        broken = (b"Shoppers lined the street before the doors opened at nine.\n\n" + KEEP.encode("utf-8")
                  + b"\n\nThe owner said a stray \xff\x80 byte and a cut \xe2\x80 sequence would not stop "
                  b"the sale.\n")
        self.add("invalid_utf8", [self.write("broken-utf8.txt", broken)], {ARTICLE: 1},
                 "UTF-8 with a few invalid bytes (a scraper cut a sequence): the text around them is kept",
                 contains=["Shoppers lined the street"])
        self.add("invalid_utf8_with_bom", [self.write("broken-bom.txt", b"\xef\xbb\xbf" + broken)],
                 {"undecodable": 1}, "a UTF-8 BOM, then bytes that are not UTF-8: the BOM is authoritative")
        utf16_crlf = ("\ufeff" + body("utf16 bom")).replace("\n", "\r\n").encode("utf-16-le")
        self.add("utf16_bom", [self.write("utf16-bom.txt", utf16_crlf)],
                 {ARTICLE: 1}, "UTF-16 LE with a BOM and CRLF", contains=[KEEP])
        self.add("utf16_no_bom", [self.write("utf16-nobom.txt", body("utf16 le").encode("utf-16-le"))],
                 {ARTICLE: 1}, "UTF-16 LE without a BOM", contains=[KEEP])
        self.add("utf16be_no_bom", [self.write("utf16be-nobom.txt", body("utf16 be").encode("utf-16-be"))],
                 {ARTICLE: 1}, "UTF-16 BE without a BOM", contains=[KEEP])
        self.add("latin1", [self.write("latin1.txt", body("latin1").encode("latin-1"))], {ARTICLE: 1},
                 "ISO-8859-1 text", contains=[KEEP])
        cp = ("\u201cWe sold out by noon,\u201d the stall holder said \u2013 prices rose by 5 \u20ac.\n\n"
              + body("cp1252"))
        self.add("cp1252", [self.write("cp1252.txt", cp.encode("cp1252"))], {ARTICLE: 1},
                 "Windows-1252 with curly quotes, an en dash and a euro sign",
                 contains=[KEEP, "\u201cWe sold out by noon,\u201d"])
        mixed = ("First paragraph ends with a Windows line break.\r\n\r\n"
                 "Second paragraph ends with a Unix line break.\n\n"
                 "Third paragraph ends with an old Mac line break.\r\r"
                 "Fourth paragraph has all of them.\r\n\n\r")
        self.add("mixed_line_endings", [self.write("mixed-eol.txt", mixed)], {ARTICLE: 1},
                 "CRLF, LF and lone CR in one file", contains=["Third paragraph ends with an old Mac line break."])

    def sizes(self) -> None:
        line_bytes = (self.max_file_bytes + (1 << 19)) if self.small else 100 * 1000 * 1000
        words = b"the river rose slowly past the mill and the bakery "
        with open(self.input / "huge-line.txt", "wb") as handle:
            left = line_bytes
            while left > 0:
                chunk = words * min(20000, left // len(words) + 1)
                handle.write(chunk[:left])
                left -= len(chunk[:left])
        self.add("single_100mb_line", ["huge-line.txt"], {"too_large": 1},
                 f"one line of {line_bytes} bytes, over --max_file_bytes={self.max_file_bytes}: not read")
        para_bytes = (256 << 10) if self.small else (8 << 20)
        sentence = ("the ferry crossed the bay again while the harbour master counted the boats, "
                    "and nobody on the quay paid it any attention ")
        lines, size, n = [], 0, 0
        while size < para_bytes:
            line = f"{sentence}{n}"
            lines.append(line)
            size += len(line) + 1
            n += 1
        self.add("paragraph_8mb", [self.write("big-paragraph.txt", "\n".join(lines) + "\n")], {ARTICLE: 1},
                 f"one hard-wrapped paragraph of {para_bytes} bytes")
        # Markdown signs that never close: each '[' and '**' once read on to the line's end.
        signs_bytes = (256 << 10) if self.small else (4 << 20)
        signs = "# Signs\n\n" + ("**a [b __c ![d ](e " * (signs_bytes // 19 + 1))[:signs_bytes] + "\n"
        self.add("unclosed_markdown_signs", [self.write("unclosed-signs.md", signs)], {ARTICLE: 1},
                 f"a markdown line of {signs_bytes} bytes of '[', '**', '__', '](' that none closes")

    def markup(self) -> None:
        depth = 10000
        nested = ("<!DOCTYPE html><html><head><title>Deep</title></head><body>" + "<div>" * depth
                  + "<p>The lighthouse keeper logged every ship that passed during the storm.</p>"
                  + "</div>" * depth + "<p>After the storm the harbour reopened for the fishing fleet.</p>"
                  "</body></html>")
        self.add("nested_html_10000", [self.write("nested.html", nested)], {ARTICLE: 1},
                 f"{depth} nested <div>s around the text", contains=["harbour reopened"])
        no_text = ("<!DOCTYPE html><html><head><title></title><script>var a = 1;</script></head><body>"
                   "<nav><a href='/'></a></nav><div><img src='a.jpg'><img src='b.jpg'></div>"
                   "<style>p{color:red}</style></body></html>")
        self.add("html_no_text", [self.write("no-text.html", no_text)], {"no_article_text": 1},
                 "an HTML page with images, a script and a style but no text")
        control = ("<!DOCTYPE html><html><body><article><p>The tide tables were reprinted after a misprint "
                   "in the March edition.</p><nav>Home</nav>\x0b<p>A vertical tab follows the menu.</p>"
                   "</article></body></html>")
        self.add("html_control_char", [self.write("control-char.html", control)], {ARTICLE: 1},
                 "an HTML page with a vertical tab (a control character) after a menu",
                 contains=["The tide tables were reprinted"])

    def feeds(self) -> None:
        secret = (self.out / "secret.txt").resolve()
        item = ("<item><title>Harbour fees</title><link>https://example.org/fees</link>"
                "<description>&lt;p&gt;The harbour board voted to keep mooring fees unchanged this year."
                "&lt;/p&gt;&lt;p&gt;Owners of small boats had asked for the freeze.&lt;/p&gt;</description>"
                "<category>&xxe;</category></item>")
        xxe = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
               f'<rss version="2.0"><channel><title>&xxe;</title>{item}</channel></rss>\n')
        self.add("feed_xxe_file", [self.write("xxe-file.xml", xxe)], {"unsafe_xml": 1},
                 "RSS whose DTD declares an external entity naming the local secret file")
        # Also reached through a URL: a harness listening on loopback sees any fetch.
        xxe_net = xxe.replace(f"file://{secret}", "http://127.0.0.1:{PORT}/xxe").replace(
            "<!ENTITY xxe", '<!ENTITY % remote SYSTEM "http://127.0.0.1:{PORT}/dtd"> %remote; <!ENTITY xxe')
        self.add("feed_xxe_network", [self.write("xxe-net.rss", xxe_net)], {"unsafe_xml": 1},
                 "RSS with external entities (general and parameter) on a loopback URL",
                 notes="{PORT} is left as written unless the harness rewrites it")
        xxe_atom = ('<?xml version="1.0"?>\n'
                    f'<!DOCTYPE feed [<!ENTITY s SYSTEM "file://{secret}">]>\n'
                    '<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><entry><title>&s;</title>'
                    '<content type="html">&lt;p&gt;The quay was repaved over the winter months.&lt;/p&gt;'
                    '&lt;p&gt;&amp;s;&lt;/p&gt;</content><summary>&s;</summary></entry></feed>\n')
        self.add("feed_xxe_atom", [self.write("xxe.atom", xxe_atom)], {"unsafe_xml": 1},
                 "Atom feed using an external entity in title and summary")
        lol = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", '<!ENTITY lol0 "lol">']
        for i in range(1, 10):
            lol.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
        lol.append("]>")
        lol.append("<rss version='2.0'><channel><title>Laughs</title><item><title>&lol9;</title>"
                   "<description>&lol9;</description></item></channel></rss>")
        def item(n: int, date: str) -> str:
            return (f"<item><title>Lock {n}</title><link>https://example.org/lock/{n}</link><pubDate>{date}"
                    f"</pubDate><description>&lt;p&gt;The keeper opened lock {n} for the barges at dawn."
                    "&lt;/p&gt;</description></item>")

        huge_date = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Canal</title>"
                     + item(1, "Mon, 02 Mar 2026 10:00:00 GMT")
                     + item(2, "Mon, 02 Mar 99999999999999999999 10:00:00 GMT") + "</channel></rss>")
        self.add("feed_item_huge_date", [self.write("huge-date.rss", huge_date)], {ARTICLE: 2},
                 "an RSS item whose pubDate has a 20-digit year, after a good item",
                 notes="found by scripts/fuzz.py --target feed")
        self.add("billion_laughs", [self.write("laughs.xml", "\n".join(lol))], {"unsafe_xml": 1},
                 "nested entity expansion to 10^9 'lol's")

    def containers(self) -> None:
        text = good_dump(101).encode()
        full = gzip.compress(text)
        self.add("truncated_gzip", [self.write("cut.txt.gz", full[: len(full) * 6 // 10])], {"truncated": 1},
                 "a gzip of a dump cut at 60%")
        bomb_bytes = (4 << 30) if not self.small else (self.max_member_bytes * 4)
        self._gzip_bomb(self.input / "bomb.txt.gz", bomb_bytes)
        self.add("gzip_bomb", ["bomb.txt.gz"], {"decompression_limit": 1},
                 f"{(self.input / 'bomb.txt.gz').stat().st_size} bytes of gzip expanding to {bomb_bytes} "
                 f"bytes of zeros, over --max_member_bytes={self.max_member_bytes}")
        escaped = self.out / "escaped-absolute.txt"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("../../x"), good_dump(102))
            archive.writestr(zipfile.ZipInfo(str(escaped)), good_dump(103))
            archive.writestr(zipfile.ZipInfo("fine/inner.txt"), good_dump(104))
        self.add("zip_traversal", [self.write("slip.zip", buf.getvalue())], {ARTICLE: 3},
                 "zip members named ../../x and an absolute path: read as members, never extracted",
                 notes=f"must not exist after the run: {escaped} and any 'x' two levels up")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as archive:
            for name, payload in (("../../x", good_dump(105).encode()), ("ok.txt", good_dump(106).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
            link = tarfile.TarInfo("secret-link.txt")
            link.type, link.linkname = tarfile.SYMTYPE, str((self.out / "secret.txt").resolve())
            archive.addfile(link)
        self.add("tar_traversal_and_symlink", [self.write("slip.tar", buf.getvalue())], {ARTICLE: 2},
                 "tar members named ../../x and a symlink member to the secret file (not followed)")

    def _gzip_bomb(self, path: Path, size: int) -> None:
        """A gzip stream of `size` zero bytes, compressed chunk by chunk (never held in memory)."""
        chunk = bytes(1 << 20)
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
        with open(path, "wb") as handle:
            left = size
            while left > 0:
                piece = chunk if left >= len(chunk) else chunk[:left]
                handle.write(compressor.compress(piece))
                left -= len(piece)
            handle.write(compressor.flush())

    def filesystem(self) -> None:
        loops = self.input / "loops"
        loops.mkdir()
        os.symlink("loop-b.txt", loops / "loop-a.txt")
        os.symlink("loop-a.txt", loops / "loop-b.txt")
        self.add("symlink_loop_files", ["loops/loop-a.txt", "loops/loop-b.txt"], {"unreadable": 2},
                 "two symlinks pointing at each other (ELOOP)")
        os.symlink("..", loops / "parent")
        self.add("symlink_loop_dir", [], {}, "a directory symlink back to its parent: matching must not "
                 "recurse through it (no file may be read twice)")
        os.symlink("nowhere/does-not-exist.txt", self.input / "dangling.txt")
        self.add("dangling_symlink", ["dangling.txt"], {"unreadable": 1}, "a symlink to nothing")
        self.add("deleted_after_match", [self.write("deleted.txt", good_dump(107))], {ARTICLE: 1},
                 "a file the harness deletes between matching and reading",
                 expect_deleted={"unreadable": 1})
        path = self.input / "unreadable.txt"
        path.write_text(good_dump(108))
        path.chmod(0)
        try:
            path.read_bytes()
            readable = True
        except PermissionError:
            readable = False
        self.add("unreadable_chmod", ["unreadable.txt"], {ARTICLE: 1} if readable else {"unreadable": 1},
                 "a file with mode 000",
                 notes=("generated as a privileged user (root, CAP_DAC_OVERRIDE): mode 000 does not stop "
                        "it from reading the file, so the dump is read as an article")
                 if readable else "generated as an unprivileged user: mode 000 makes it unreadable")

    def multi_record(self) -> None:
        good = [json.dumps({"url": f"https://example.org/{i}", "title": f"Item {i}",
                            "text": good_dump(110 + i)}) for i in range(3)]
        lines = [good[0], '{"text": "the line was cut in the midd', good[1], "not json at all",
                 '{"title": "a record without any text field"}', "", "[1, 2, 3]", good[2] + " trailing"]
        self.add("jsonl_broken_lines", [self.write("items.jsonl", "\n".join(lines) + "\n")],
                 {ARTICLE: 2, "invalid_json": 4, "missing_field": 1},
                 "JSONL: 2 good lines, a cut line, a non-JSON line, a line without text, a blank line, "
                 "an array and a good object with trailing junk")
        self.add("truncated_warc", [self.write("crawl.warc", self._warc()[:-300])],
                 {ARTICLE: 1, "truncated": 1}, "a WARC whose second response record is cut short")

    def _warc(self) -> bytes:
        html = [("<html><head><title>Quay works</title></head><body><article><h1>Quay works</h1>"
                 "<p>Work on the north quay finished a week early, the harbour board said.</p>"
                 "<p>Fishing boats can moor there again from Friday.</p></article></body></html>"),
                ("<html><head><title>Ferry fares</title></head><body><article><h1>Ferry fares</h1>"
                 "<p>Ferry fares will rise by a small amount from the first of next month.</p>"
                 + "<p>Season tickets keep their old price until the end of the year.</p>" * 20
                 + "</article></body></html>")]
        out = io.BytesIO()
        try:
            from warcio.statusandheaders import StatusAndHeaders
            from warcio.warcwriter import WARCWriter
        except ImportError:
            return self._warc_by_hand(html)
        writer = WARCWriter(out, gzip=False)
        for n, page in enumerate(html):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://example.org/page{n}", "response",
                                                          payload=io.BytesIO(page.encode()),
                                                          http_headers=headers))
        return out.getvalue()

    @staticmethod
    def _warc_by_hand(pages: list[str]) -> bytes:
        out = b""
        for n, page in enumerate(pages):
            body = page.encode()
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
            head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
                    f"WARC-Target-URI: https://example.org/page{n}\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n"
                    f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n")
            out += head.encode() + http + b"\r\n\r\n"
        return out

    def names(self) -> None:
        for case, name in (("name_with_spaces", "a dump with  spaces .txt"),
                           ("name_unicode", "Überschrift – café ✓ 新闻.txt"),
                           ("name_newline", "two\nlines.txt"),
                           ("name_glob_chars", "[draft]*?.txt"),
                           ("name_leading_dash", "-rf --help.txt")):
            n = 120 + len(self.cases)
            self.add(case, [self.write(f"names/{name}", good_dump(n))], {ARTICLE: 1}, f"a file named {name!r}")

    def save(self) -> dict:
        manifest = {
            "small": self.small,
            "secret_marker": self.marker,
            "secret_file": "secret.txt",
            "input": "input",
            "flags": self.flags,
            "cases": [asdict(c) for c in self.cases],
        }
        (self.out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        (self.out / "flags.txt").write_text(" ".join(self.flags) + "\n")
        return manifest


def _make_writable(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink():
                path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def build(out: str | Path, *, small: bool = False, good: int = 12) -> dict:
    """Writes the corpus under OUT and returns its manifest."""
    corpus = Corpus(Path(out), small, good)
    corpus.build()
    return corpus.save()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", metavar="OUT_DIR")
    parser.add_argument("--small", action="store_true", help="Every case at small sizes (for tests).")
    parser.add_argument("--good", type=int, default=12, help="Good dumps mixed in. Default 12.")
    args = parser.parse_args(argv)
    manifest = build(args.out, small=args.small, good=args.good)
    total = sum(1 for _ in Path(args.out, "input").rglob("*"))
    print(f"wrote {len(manifest['cases'])} cases ({total} paths) under {args.out}/input; "
          f"run with: --input {args.out}/input {' '.join(manifest['flags'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
