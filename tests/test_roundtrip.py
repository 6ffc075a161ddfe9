"""scripts/roundtrip.py: an HTML page's record rendered as dumps and split back, on invented pages."""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "roundtrip", Path(__file__).resolve().parent.parent / "scripts" / "roundtrip.py")
roundtrip = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(roundtrip)

BODY = (
    "<p>The council voted on Monday to rebuild the old quay before the winter storms, after two "
    "years of talks with the harbour board.</p>"
    "<p>Work crews start in March and finish in the autumn, weather permitting.</p>"
)
FIGURE = ('<figure><img src="q.jpg" alt="Fishing boats at the old quay">'
          "<figcaption>Boats wait out the storm at the old quay on Monday. "
          '<span class="credit">Ada Lind/Harbour Press</span></figcaption></figure>')
ALT_ONLY = '<figure><img src="q.jpg" alt="Fishing boats at the old quay"></figure>'


def _page(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    html = f"<html><head><title>Quay</title></head><body><article><h1>Quay</h1>{body}</article></body></html>"
    path.write_bytes(gzip.compress(html.encode()))
    return path


def test_a_page_with_its_figure_splits_back_in_every_layout(tmp_path, capsys):
    [(name, truth)] = list(roundtrip.truths([_page(tmp_path, "quay.html.gz", FIGURE + BODY)]))
    assert (truth["image_alt"], truth["caption_credit"]) == ("Fishing boats at the old quay", "Ada Lind/Harbour Press")
    assert roundtrip.main([str(tmp_path / "quay.html.gz")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "/1 |" in line]
    assert [row.split(" | ")[1] for row in rows] == ["1/1", "1/1", "1/1"]


def test_an_image_with_alt_text_alone_is_counted_wrong_in_a_text_dump(tmp_path, capsys):
    # Its alt line standing alone reads as a first paragraph; in markdown, the first paragraph
    # under the image reads as its caption. Neither layout tells.
    page = _page(tmp_path, "alt.html.gz", ALT_ONLY + BODY)
    assert roundtrip.main([str(page), "--list"]) == 0
    out = capsys.readouterr().out
    assert "seedlike\talt.html.gz\timage_alt,paragraphs" in out
    assert "markdown\talt.html.gz\tcaption,paragraphs" in out
    assert "| seedlike | 0/1 |" in out


def test_each_item_of_a_feed_is_an_article_of_its_own(tmp_path, capsys):
    items = "".join(
        f"<item><title>Quay {n}</title><link>https://news.example/quay-{n}</link>"
        f"<description><![CDATA[{FIGURE}<p>Story {n}: the council voted on Monday to rebuild the old quay "
        f"before the winter storms.</p><p>Work crews start in March, weather permitting.</p>]]></description></item>"
        for n in (1, 2))
    feed = tmp_path / "harbour.rss"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour</title>{items}'
                    "</channel></rss>", encoding="utf-8")
    names = [name for name, _ in roundtrip.truths([feed])]
    assert names == ["harbour.rss#1", "harbour.rss#2"]
    assert roundtrip.main([str(feed)]) == 0
    assert "| seedlike | 2/2 |" in capsys.readouterr().out
