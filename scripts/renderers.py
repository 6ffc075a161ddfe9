#!/usr/bin/env python3
"""Real pages rendered to text by other tools, then split: how much of each rendering's body
the splitter keeps, and whether its paragraphs come out whole.

    pip install trafilatura==2.3.1 lxml_html_clean html2text inscriptis   # the renderers
    scripts/renderers.py BENCH_DIR [--renderers traf,h2t,insc]

BENCH_DIR holds html/*.html.gz and ground-truth.json ({id: {"articleBody": ...}}), such as
`../shared/data/html-benchmark`. Each page's main region (trafilatura's HTML) is rendered by
html2text (markdown wrapped at 78 columns, `h2t`), inscriptis (`insc`) and, where they are
installed, the text browsers lynx (`lynx -dump -nolist`, and `lynx_refs` with its numbered list
of links), links and elinks, at 80 columns; trafilatura's own text output (`traf`) is a
paragraph a line with no blank lines. Each rendering is split as a
run splits a dump (transforms.formats.text: decoding, then split_dump), and compared with the
page's true body by token F1 (lower-cased words, counted with repeats), the rendering's own
F1 beside the paragraphs' (what the splitter loses or drops against its input). Then, of the
true paragraphs the rendering holds whole: the share that come out as one paragraph, and the
share glued into a longer one. `link residue` counts markdown link targets ('](') and text
browsers' link numbers and image marks ('[12]', '[IMG]') left in paragraphs. A renderer that
is not installed is skipped. Everything runs in this process, but for the text browsers.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_WORDS = re.compile(r"\w+")
# A text browser's link numbers and image marks left in a paragraph ('[12]', '[IMG]').
_BROWSER_MARKS = re.compile(r"\[(?:\d{1,5}|IMG|INLINE)\]")


def _region(html: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, output_format="html", include_images=True, include_tables=True,
                               include_links=True, include_formatting=True)


def _h2t(html: str) -> str | None:
    import html2text

    region = _region(html)
    return html2text.HTML2Text().handle(region) if region else None


def _insc(html: str) -> str | None:
    import inscriptis

    region = _region(html)
    return inscriptis.get_text(region) if region else None


def _traf(html: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, output_format="txt", include_images=True, include_tables=True)


# Text browsers (Debian: apt-get install lynx links elinks), given the region as a local file:
# lynx with and without its numbered list of links, links, and elinks (which lists them too).
_LYNX = ["lynx", "-dump", "-force_html", "-assume_charset=utf-8", "-display_charset=utf-8", "-noredir", "-width=80"]
_BROWSERS = {
    "lynx": [*_LYNX, "-nolist"],
    "lynx_refs": _LYNX,
    "links": ["links", "-dump", "-width", "80", "-codepage", "utf-8", "-force-html"],
    "elinks": ["elinks", "-dump", "-force-html", "-dump-charset", "utf-8", "-dump-width", "80",
               "-no-connect", "1", "-no-home", "1"],
}


def _browser(command: list[str]):
    def render(html: str) -> str | None:
        import subprocess
        import tempfile

        region = _region(html)
        if not region:
            return None
        with tempfile.TemporaryDirectory() as home:
            page = Path(home) / "page.html"
            page.write_text(f'<meta charset="utf-8">{region}', encoding="utf-8")
            env = {"PATH": "/usr/bin:/bin", "HOME": home, "TERM": "dumb", "LANG": "C.UTF-8"}
            try:
                done = subprocess.run([*command, str(page)], capture_output=True, timeout=30, env=env,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                return None
        return done.stdout.decode("utf-8", "replace")
    return render


# name: (render, what it needs: a module, or 'bin:' and a program)
RENDERERS = {"traf": (_traf, "trafilatura"), "h2t": (_h2t, "html2text"), "insc": (_insc, "inscriptis"),
             **{name: (_browser(command), f"bin:{command[0]}") for name, command in _BROWSERS.items()}}


def _installed(need: str) -> bool:
    import importlib.util
    import shutil

    return bool(shutil.which(need[4:])) if need.startswith("bin:") else importlib.util.find_spec(need) is not None


def f1(pred: Counter, truth: Counter) -> float:
    common = sum((pred & truth).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def _words(text: str) -> str:
    return " " + " ".join(_WORDS.findall(text.lower())) + " "


def whole_paragraphs(truth: str, rendering: str, paragraphs: tuple[str, ...]) -> Counter:
    """Of the true paragraphs (three words or more) the rendering holds: how many come out
    as one paragraph ('exact') and how many inside a longer one ('glued')."""
    rendered, outs = _words(rendering), [_words(p) for p in paragraphs]
    counts = Counter()
    for paragraph in truth.split("\n"):
        key = _words(paragraph)
        if len(key.split()) < 3 or key not in rendered:
            continue
        counts["held"] += 1
        counts["exact"] += key in outs
        counts["glued"] += key not in outs and any(key in out for out in outs)
    return counts


def measure(bench: Path, names: list[str]) -> dict[str, dict]:
    from schemas.record import Article
    from transforms.context import IngestContext
    from transforms.formats.text import read
    from transforms.rules import load_rules

    ctx = IngestContext(load_rules(), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    truth = {key: entry.get("articleBody") or "" for key, entry in
             json.loads((bench / "ground-truth.json").read_text(encoding="utf-8")).items()}
    report = {}
    for name in names:
        render, need = RENDERERS[name]
        if not _installed(need) or not _installed("trafilatura"):
            print(f"{name}: {need.removeprefix('bin:')} (or trafilatura) is not installed; skipped", file=sys.stderr)
            continue
        totals, pages, render_f1, para_f1, residue = Counter(), 0, 0.0, 0.0, 0
        for key, body in sorted(truth.items()):
            html = gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
            text = render(html)
            if not text or not body:
                continue
            outcome = next(iter(read(text.encode("utf-8"), f"mem://{key}", ctx)))
            paragraphs = outcome.paragraphs if isinstance(outcome, Article) else ()
            wanted = Counter(_WORDS.findall(body.lower()))
            pages += 1
            render_f1 += f1(Counter(_WORDS.findall(text.lower())), wanted)
            para_f1 += f1(Counter(_WORDS.findall(" ".join(paragraphs).lower())), wanted)
            residue += sum(p.count("](") + len(_BROWSER_MARKS.findall(p)) for p in paragraphs)
            totals += whole_paragraphs(body, text, paragraphs)
        held = totals["held"] or 1
        report[name] = {"pages": pages, "rendering_f1": round(render_f1 / pages, 3),
                        "paragraphs_f1": round(para_f1 / pages, 3), "true_paragraphs_held": totals["held"],
                        "whole": round(totals["exact"] / held, 3), "glued": round(totals["glued"] / held, 3),
                        "link_residue": residue}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", type=Path, help="html/*.html.gz and ground-truth.json")
    parser.add_argument("--renderers", default=",".join(RENDERERS))
    args = parser.parse_args(argv)
    report = measure(args.bench, args.renderers.split(","))
    print("| renderer | pages | rendering F1 | paragraphs F1 | true paragraphs whole | glued | link residue |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, row in report.items():
        print(f"| {name} | {row['pages']} | {row['rendering_f1']} | {row['paragraphs_f1']} | {row['whole']} | "
              f"{row['glued']} | {row['link_residue']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
