"""Conservation on a mixed corpus of thousands of inputs: every input (a file, a JSONL line, an
archive member) ends in exactly one of articles, duplicates or rejects; run.json says so, and the
Parquet files hold exactly the rows run.json counts."""
from __future__ import annotations

import collections
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from pipeline.cli import main

PLACES = ["Alder Creek", "Birch Hollow", "Cobble Row", "Dune End", "Eel Marsh", "Flint Gap", "Gorse Hill",
          "Heron Pool", "Iron Wharf", "Jay Common"]


def article(n: int) -> str:
    """A distinct article for every n (its body names n), in the reference layout."""
    place = PLACES[n % len(PLACES)]
    return (f"Lanterns along the canal in {place}\n"
            f"Lanterns were hung along the towpath for the festival.Ines Varga/Canal Press\n"
            f"  • The festival returns after a gap of {n % 9 + 2} years.\n\n"
            f"The {place} canal festival drew visitor number {n} through the lock gates on Saturday.\n\n"
            f"Boat owners in {place} decorated {n % 40 + 3} barges with paper lanterns for the parade.\n\n"
            "Read the original article on Canal Press\n")


def build(root: Path) -> collections.Counter:
    """~2,000 inputs in ~1,950 files; returns the outcomes they must have."""
    expect = collections.Counter()
    inputs = root / "in"
    for sub in ("good", "bad", "multi"):
        (inputs / sub).mkdir(parents=True)
    n = 0
    for n in range(1700):
        (inputs / "good" / f"a{n:05d}.txt").write_text(article(n))
    expect["article"] += 1700
    for k in range(100):  # the same article as a good file, another footer: a duplicate
        (inputs / "good" / f"dup{k:03d}.txt").write_text(article(k * 7).replace("Canal Press\n", "Lock News\n"))
    expect["duplicate"] += 100
    for k in range(40):
        (inputs / "bad" / f"empty{k:02d}.txt").write_text("" if k % 2 else " \n\t\n")
    expect["empty"] += 40
    for k in range(30):
        (inputs / "bad" / f"blob{k:02d}.bin").write_bytes(b"\x00\x01\x02PK" + bytes(range(256)) * (k + 1))
    expect["binary"] += 30
    for k in range(30):
        (inputs / "bad" / f"footer{k:02d}.txt").write_text("Read the original article on Canal Press\n")
    expect["no_article_text"] += 30
    # Files holding many inputs: JSONL (per line), zip and tar.gz (per member).
    for k in range(5):
        lines = [json.dumps({"url": f"https://example.org/{k}/{i}", "text": article(5000 + 20 * k + i)})
                 for i in range(16)]
        lines += ['{"text": "cut short', '{"headline": "no text here"}']
        (inputs / "multi" / f"feed{k}.jsonl").write_text("\n".join(lines) + "\n")
    expect["article"] += 5 * 16
    expect["invalid_json"] += 5
    expect["missing_field"] += 5
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for i in range(25):
            archive.writestr(f"dumps/z{i:02d}.txt", article(6000 + i))
        archive.writestr("dumps/empty.txt", "")
    (inputs / "multi" / "bundle.zip").write_bytes(buf.getvalue())
    expect["article"] += 25
    expect["empty"] += 1
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for i in range(20):
            data = article(7000 + i).encode()
            info = tarfile.TarInfo(f"t{i:02d}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (inputs / "multi" / "bundle.tar.gz").write_bytes(gzip.compress(buf.getvalue()))
    expect["article"] += 20
    return expect


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory, cli):
    root = tmp_path_factory.mktemp("reconcile")
    expect = build(root)
    output = root / "out"
    code = main(["run", "--input", str(root / "in"), "--output", str(output), "--progress", "off"])
    summary = json.loads((output / "run.json").read_text())
    rows = {name: cli.rows(output, name) for name in ("articles", "rejects", "duplicates")}
    return {"code": code, "summary": summary, "rows": rows, "expect": expect, "root": root}


def test_run_json_proves_conservation(reconciled):
    summary = reconciled["summary"]
    assert reconciled["code"] == 0
    assert summary["reconciled"] is True
    assert summary["inputs"] == summary["articles"] + summary.get("duplicates", 0) + summary["rejects"]
    assert summary["rejects"] == sum(summary["rejects_by_reason"].values())
    assert summary["files_matched"] == sum(1 for p in (reconciled["root"] / "in").rglob("*") if p.is_file())


def test_parquet_rows_agree_with_run_json(reconciled):
    summary, rows = reconciled["summary"], reconciled["rows"]
    assert len(rows["articles"]) == summary["articles"]
    assert len(rows["duplicates"]) == summary.get("duplicates", 0)
    assert len(rows["rejects"]) == summary["rejects"]
    by_reason = collections.Counter(r["reason"] for r in rows["rejects"])
    assert dict(by_reason) == summary["rejects_by_reason"]


def test_every_input_lands_exactly_once(reconciled):
    rows, expect = reconciled["rows"], reconciled["expect"]
    got = collections.Counter({"article": len(rows["articles"]), "duplicate": len(rows["duplicates"])})
    got.update(r["reason"] for r in rows["rejects"])
    assert got == expect
    assert reconciled["summary"]["inputs"] == sum(expect.values())
    uris = [r["source_uri"] for dataset in rows.values() for r in dataset]
    assert len(uris) == len(set(uris)), "an input landed twice"
