"""The pipeline over the hostile-input corpus (scripts/hostile_corpus.py --small) mixed with good
dumps: every case ends as the article or the reject reason it must, the run completes, nothing
is written outside the output directory, nothing is fetched, no secret leaks, memory stays small.

One run of the CLI in a child process serves every test here (module fixture); the full-size
corpus (100 MB line, 4 GiB gzip bomb) is the same check, marked slow.
"""
from __future__ import annotations

import collections
import importlib.util
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GIB = 1 << 30


def _corpus_module():
    """scripts/hostile_corpus.py (scripts/ is not a package)."""
    if "hostile_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("hostile_corpus", REPO / "scripts" / "hostile_corpus.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["hostile_corpus"] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
    return sys.modules["hostile_corpus"]


# Every hostile case of the corpus, and why it is expected to fail today (None: it must pass).
# Cases that fail because another module has a bug are xfail(strict=False): they turn green
# when that module is fixed. See docs/reliability.md for the table.
CASES: dict[str, str | None] = {
    "empty": None,
    "whitespace_only": None,
    "binary_image": None,
    "binary_executable": None,
    "invalid_utf8": None,
    "invalid_utf8_with_bom": None,
    "utf16_bom": None,
    "utf16_no_bom": None,
    "utf16be_no_bom": None,
    "latin1": None,
    "cp1252": None,
    "mixed_line_endings": None,
    "single_100mb_line": None,
    "paragraph_8mb": None,
    "unclosed_markdown_signs": None,
    "nested_html_10000": None,
    "html_no_text": None,
    "html_control_char": None,
    "feed_xxe_file": None,
    "feed_xxe_network": None,
    "feed_xxe_atom": None,
    "feed_item_huge_date": None,
    "billion_laughs": None,
    "truncated_gzip": None,
    "gzip_bomb": None,
    "zip_traversal": None,
    "tar_traversal_and_symlink": None,
    "symlink_loop_files": None,
    "symlink_loop_dir": None,
    "dangling_symlink": None,
    "deleted_after_match": None,
    "unreadable_chmod": None,
    "jsonl_broken_lines": None,
    "truncated_warc": None,
    "name_with_spaces": None,
    "name_unicode": None,
    "name_newline": None,
    "name_glob_chars": None,
    "name_leading_dash": None,
}


class _Listener:
    """A loopback TCP listener that counts connections: an XXE fetch would show up here."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _tree(root: Path, skip: Path) -> dict[str, tuple]:
    """Every path under ROOT but SKIP, with what identifies its content (lstat, not following links)."""
    found = {}
    for directory, subdirs, files in os.walk(root):
        if Path(directory) == skip or skip in Path(directory).parents:
            subdirs[:] = []
            continue
        for name in subdirs + files:
            path = Path(directory) / name
            st = path.lstat()
            kind = stat.S_IFMT(st.st_mode)
            # A directory's own size and mtime change with its entries, which are listed anyway.
            found[str(path)] = (kind,) if kind == stat.S_IFDIR else (kind, st.st_size, st.st_mtime_ns)
    return found


def run_corpus(cli, root: Path, *, small: bool) -> dict:
    """Builds the corpus under ROOT/corpus, runs the CLI over it, returns what the tests check."""
    corpus_dir = root / "corpus"
    manifest = _corpus_module().build(corpus_dir, small=small, good=6)
    listener = _Listener()
    try:
        net_feed = corpus_dir / "input" / "xxe-net.rss"
        net_feed.write_text(net_feed.read_text().replace("{PORT}", str(listener.port)))
        output = root / "out"
        victim = corpus_dir / "input" / "deleted.txt"
        before = _tree(root, output)
        result = cli.run(["run", "--input", str(corpus_dir / "input"), "--output", str(output),
                          "--progress", "off", *manifest["flags"]],
                         root / "work", inject={"delete_after_match": str(victim)}, timeout=1800)
        after = _tree(root, output)
    finally:
        listener.close()
    deleted = any(e["event"] == "injected:deleted" for e in result.audit)
    return {"root": root, "corpus": corpus_dir, "manifest": manifest, "result": result, "output": output,
            "before": before, "after": after, "connections": listener.connections, "deleted": deleted,
            "rows": {name: cli.rows(output, name) for name in ("articles", "rejects", "duplicates")}}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, cli):
    return run_corpus(cli, tmp_path_factory.mktemp("hostile"), small=True)


def outcomes_by_case(run: dict) -> dict[str, collections.Counter]:
    """For each case, the outcomes of the inputs its files hold: 'article', 'duplicate' or a reason."""
    base = str(run["corpus"] / "input") + "/"
    records = [("article", r) for r in run["rows"]["articles"]]
    records += [("duplicate", r) for r in run["rows"]["duplicates"]]
    records += [(r["reason"], r) for r in run["rows"]["rejects"]]
    found: dict[str, collections.Counter] = {}
    for case in run["manifest"]["cases"]:
        files = [base + f for f in case["files"]]
        counter = collections.Counter()
        for outcome, row in records:
            uri = row["source_uri"]
            if any(uri == f or uri.startswith((f + "!/", f + "#")) for f in files):
                counter[outcome] += 1
        found[case["name"]] = counter
    return found


def _expected(case: dict, run: dict) -> dict[str, int]:
    if case["expect_deleted"] is not None and run["deleted"]:
        return case["expect_deleted"]
    return case["expect"]


def check_case(run: dict, name: str) -> None:
    case = next(c for c in run["manifest"]["cases"] if c["name"] == name)
    got = outcomes_by_case(run)[name]
    assert dict(got) == _expected(case, run), f"{name}: {case['why']}"
    if case["contains"]:
        base = str(run["corpus"] / "input") + "/"
        texts = " ".join(r["body"] for r in run["rows"]["articles"]
                         if any(r["source_uri"].startswith(base + f) for f in case["files"]))
        for needle in case["contains"]:
            assert needle in texts, f"{name}: {needle!r} missing from the article text"


def test_run_completes(hostile):
    result = hostile["result"]
    assert result.code == 0, result.stderr[-3000:]
    summary = json.loads((hostile["output"] / "run.json").read_text())
    assert summary["status"] == "succeeded"
    assert summary["reconciled"] is True
    assert summary["inputs"] == summary["articles"] + summary.get("duplicates", 0) + summary["rejects"]


def test_every_case_is_listed(hostile):
    names = {c["name"] for c in hostile["manifest"]["cases"] if not c["name"].startswith("good_")}
    assert names == set(CASES)


def test_good_dumps_are_articles(hostile):
    found = outcomes_by_case(hostile)
    for name, counter in found.items():
        if name.startswith("good_"):
            assert dict(counter) == {"article": 1}, name


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=why, strict=False)) if why else name
    for name, why in CASES.items()
])
def test_case_outcome(hostile, name):
    check_case(hostile, name)


def test_deleted_file_was_deleted_after_matching(hostile):
    """The harness hook ran: the file was matched, then deleted before it was read."""
    assert hostile["deleted"], "pipeline.run._matched_files is gone: the deletion was not injected"
    assert not (hostile["corpus"] / "input" / "deleted.txt").exists()


def test_symlink_loop_dir_reads_nothing_twice(hostile):
    uris = [r["source_uri"] for rows in hostile["rows"].values() for r in rows]
    assert not [u for u in uris if "/loops/parent/" in u]
    firsts = [u for u in uris if "#" not in u and "!/" not in u]
    assert len(firsts) == len(set(firsts))


def test_nothing_written_outside_output(hostile):
    """Every file the child wrote, renamed or removed is under the output directory or its TMPDIR
    (Beam's and tempfile's scratch), and the scratch is gone afterwards."""
    output, root = str(hostile["output"]), hostile["root"]
    victim = str(hostile["corpus"] / "input" / "deleted.txt")
    allowed = (output + "/", str(root / "work" / "tmp") + "/")
    changes = [e for e in hostile["result"].audit if e["event"] not in (
        "socket.connect", "socket.getaddrinfo", "injected:deleted")]
    outside = [e for e in changes
               if not (e["event"] == "os.remove" and e["paths"] == [victim])
               and any(not (p + "/").startswith(allowed) and p != "/dev/null" for p in e["paths"])]
    assert not outside, outside[:10]
    assert not list((root / "work" / "tmp").iterdir()), "scratch files left behind"
    # And on disk: outside the output directory only the injected deletion changed anything.
    before, after = dict(hostile["before"]), dict(hostile["after"])
    before.pop(victim, None)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)
               and not p.startswith(str(root / "work")) and p != output}
    assert not changed, sorted(changed)
    # Archive members named ../../x or with an absolute path were never extracted anywhere.
    input_dir = hostile["corpus"] / "input"
    for base in (input_dir, hostile["output"], root / "work" / "cwd"):
        assert not (base / "../../x").exists() and not (base.parent / "x").exists()
    assert not (hostile["corpus"] / "escaped-absolute.txt").exists()
    assert not list((root / "work" / "cwd").iterdir())


def test_no_network_access(hostile):
    assert hostile["connections"] == 0, "something fetched the XXE URL on the loopback listener"
    sockets = [e for e in hostile["result"].events("socket.connect", "socket.getaddrinfo")
               if e.get("family") != socket.AF_UNIX]
    assert not sockets, sockets[:10]


def test_no_secret_in_output(hostile):
    marker = hostile["manifest"]["secret_marker"]
    assert marker not in hostile["result"].stdout + hostile["result"].stderr
    for directory, _, files in os.walk(hostile["output"]):
        for name in files:
            data = (Path(directory) / name).read_bytes()
            assert marker.encode() not in data, name
    # Parquet pages are compressed: look at the decoded rows too.
    decoded = json.dumps(hostile["rows"], default=str, ensure_ascii=False)
    assert marker not in decoded
    assert "do-not-leak" not in decoded


def test_peak_memory_under_1_gib(hostile):
    assert 0 < hostile["result"].max_rss_bytes < GIB, hostile["result"].max_rss_bytes


def test_unreadable_file_for_an_unprivileged_user(cli):
    """As root, mode 000 does not stop a read; run as 'nobody' it must be an `unreadable` reject."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the CLI as an unprivileged user")
    corpus = _corpus_module()
    # Not under pytest's tmp_path (nor the tests' TMPDIR within it): its parents are mode 700,
    # closed to 'nobody'. The test needs Linux (setpriv) anyway.
    top = Path(tempfile.mkdtemp(prefix="ai-unreadable-", dir="/tmp"))
    try:
        inputs, output = top / "in", top / "out"
        inputs.mkdir()
        output.mkdir()
        (inputs / "good.txt").write_text(corpus.good_dump(1))
        (inputs / "locked.txt").write_text(corpus.good_dump(2))
        (inputs / "locked.txt").chmod(0)
        (inputs / "closed").mkdir()
        (inputs / "closed" / "inside.txt").write_text(corpus.good_dump(3))
        (inputs / "closed").chmod(0o700)  # root's: 'nobody' cannot list it
        for path in (top, inputs, output):
            path.chmod(0o777)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
        env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(top), "TMPDIR": str(top)}
        probe = subprocess.run([*nobody, "-c", "import apache_beam, pipeline.cli"], check=False, capture_output=True,
                               env=env, cwd=top)
        if probe.returncode != 0:
            pytest.skip(f"the venv is not usable by uid 65534: {probe.stderr[-300:]!r}")
        proc = subprocess.run([*nobody, "-m", "pipeline", "run", "--input", str(inputs), "--output", str(output),
                               "--progress", "off"], capture_output=True, text=True, cwd=top, timeout=600, env=env,
                              check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        rejects = {Path(r["source_uri"]).name: r for r in cli.rows(output, "rejects")}
        assert rejects["locked.txt"]["reason"] == "unreadable"
        assert "Permission denied" in rejects["locked.txt"]["detail"]
        assert rejects["closed"]["reason"] == "unreadable"  # before: skipped without a word
        assert rejects["closed"]["detail"].startswith("a directory that cannot be listed")
        assert [Path(r["source_uri"]).name for r in cli.rows(output, "articles")] == ["good.txt"]
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_fifo_in_input_dir_does_not_hang(tmp_path, cli):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(_corpus_module().good_dump(3))
    os.mkfifo(inputs / "pipe")
    result = cli.run(["run", "--input", str(inputs), "--output", str(tmp_path / "out"), "--progress", "off"],
                     tmp_path / "work", timeout=25)
    assert result.code == 0, "the run did not finish within 25 s"
    reasons = {Path(r["source_uri"]).name: r["reason"] for r in cli.rows(tmp_path / "out", "rejects")}
    assert reasons == {"pipe": "unreadable"}


@pytest.mark.slow
def test_full_size_corpus(tmp_path, cli):
    """The same checks at full size: a 100 MB line, an 8 MB paragraph, a 4 GiB gzip bomb."""
    run = run_corpus(cli, tmp_path, small=False)
    assert run["result"].code == 0, run["result"].stderr[-3000:]
    assert run["result"].max_rss_bytes < GIB, run["result"].max_rss_bytes
    failures = []
    for name, why in CASES.items():
        try:
            check_case(run, name)
        except AssertionError as err:
            if why is None:
                failures.append(f"{name}: {err}")
    assert not failures, failures
    marker = run["manifest"]["secret_marker"]
    assert marker not in json.dumps(run["rows"], default=str, ensure_ascii=False)
    assert run["connections"] == 0
