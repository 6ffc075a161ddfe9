"""`article-ingest report DIR`: one self-contained HTML file about an output directory.

The numbers are computed with DuckDB over the Parquet files (`report_data`, pure data);
the charts are drawn with matplotlib and inlined as SVG (`render_html`), so the file opens
anywhere with no network: no scripts, no stylesheets, no fonts or images fetched.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import json
import math
import re
from pathlib import Path

from schemas.datasets import ARTICLES, DUPLICATES, REJECTS

__all__ = ["CHARTS", "Chart", "ReportData", "ReportError", "render_html", "report_data", "write_report"]

# Every chart the report draws, by id (the HTML element id of its <figure>).
CHARTS = ("publishers", "per_day", "word_counts", "fields", "boilerplate", "rejects")
_TOP_PUBLISHERS = 20
_EXAMPLES_PER_REASON = 3
_DUPLICATE_EXAMPLES = 10


class ReportError(Exception):
    """The directory is not an output directory of `article-ingest run`."""


@dataclasses.dataclass(frozen=True)
class Chart:
    """One bar chart: labels and values, in display order."""

    chart_id: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    x_label: str = ""
    note: str = ""
    horizontal: bool = True
    percent: bool = False


@dataclasses.dataclass(frozen=True)
class ReportData:
    directory: str
    articles: int
    rejects: int
    charts: tuple[Chart, ...]
    reject_examples: tuple[tuple[str, str, str], ...]  # (reason, source_uri, detail)
    duplicates: tuple[tuple[str, str], ...]  # (what, how many)
    run: dict
    duplicate_examples: tuple[tuple[str, str], ...] = ()  # (source_uri, kept source_uri)


def _parquet_files(directory: Path) -> list[str]:
    return sorted(str(p) for p in directory.rglob("*.parquet")) if directory.is_dir() else []


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _nice_width(top: int, bins: int = 20) -> int:
    """A round histogram bin width (1, 2, 5, 10, 20, 50, ...) giving about `bins` bins."""
    raw = max(top / bins, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


def _article_charts(con, columns: set[str], total: int) -> list[Chart]:
    publishers = _rows(con, f"""
        SELECT coalesce(publisher, '(none)') AS p, count(*) AS n FROM articles
        GROUP BY p ORDER BY n DESC, p LIMIT {_TOP_PUBLISHERS}""")
    charts = [Chart("publishers", "Articles per publisher", tuple(p for p, _ in publishers),
                    tuple(n for _, n in publishers), "articles",
                    note=f"Top {_TOP_PUBLISHERS}; '(none)' is articles without a syndication footer.")]

    dated = 0
    if "published_at" in columns:
        dated = _rows(con, "SELECT count(published_at) FROM articles")[0][0]
    day_column, day_note = ("coalesce(published_at, ingested_at)", "By publication date (UTC).") if dated else (
        "ingested_at", ("By ingest date (UTC): no article in this output has a publication date "
                        "(text and markdown dumps carry none)."))
    days = _rows(con, f"""
        SELECT strftime(CAST({day_column} AS DATE), '%Y-%m-%d') AS d, count(*) FROM articles
        WHERE {day_column} IS NOT NULL GROUP BY d ORDER BY d""")
    if dated and dated < total:
        day_note += f" Articles without a publication date ({total - dated}) are counted by their ingest date."
    charts.append(Chart("per_day", "Articles per day", tuple(d for d, _ in days),
                        tuple(n for _, n in days), "articles", note=day_note, horizontal=False))

    top = _rows(con, "SELECT coalesce(max(word_count), 0) FROM articles")[0][0]
    width = _nice_width(int(top))
    bins = _rows(con, f"""
        SELECT floor(word_count / {width})::BIGINT * {width} AS lo, count(*) FROM articles
        GROUP BY lo ORDER BY lo""")
    counts = dict(bins)
    # Empty bins between the shortest and the longest article are part of the shape.
    edges = range(min(counts), max(counts) + width, width) if counts else range(0)
    charts.append(Chart("word_counts", "Word-count distribution",
                        tuple(f"{lo}–{lo + width - 1}" for lo in edges),
                        tuple(counts.get(lo, 0) for lo in edges),
                        "articles", note=f"Words in the body, in bins of {width}.", horizontal=False))

    shares = _rows(con, """
        SELECT avg((image_alt IS NOT NULL)::INT), avg((caption IS NOT NULL)::INT),
               avg((caption_credit IS NOT NULL)::INT), avg((len(bullets) > 0)::INT),
               avg((publisher IS NOT NULL)::INT), avg((title IS NOT NULL)::INT)
        FROM articles""")[0]
    charts.append(Chart("fields", "Share of articles with each part",
                        ("image alt", "caption", "caption credit", "bullets", "publisher", "title"),
                        tuple(round(100 * (s or 0), 1) for s in shares), "% of articles", percent=True))

    rules = _rows(con, """
        SELECT b.rule, count(*) AS n FROM (SELECT unnest(boilerplate) AS b FROM articles)
        GROUP BY b.rule ORDER BY n DESC, b.rule""")
    charts.append(Chart("boilerplate", "Boilerplate removed, by rule", tuple(r for r, _ in rules),
                        tuple(n for _, n in rules), "lines removed"))
    return charts


def report_data(directory: str | Path) -> ReportData:
    """Every number of the report, computed with DuckDB over DIR/articles and DIR/rejects."""
    import duckdb

    root = Path(directory)
    run_path = root / "run.json"
    article_files = _parquet_files(root / ARTICLES)
    reject_files = _parquet_files(root / REJECTS)
    if not article_files and not reject_files and not run_path.exists():
        raise ReportError(f"{str(root)!r} holds no articles/, rejects/ or run.json: "
                          "is it the --output directory of a run?")
    run = json.loads(run_path.read_text(encoding="utf-8")) if run_path.exists() else {}
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # days are UTC days, whatever the machine's zone
    except duckdb.Error:
        pass  # a DuckDB build without time zones already works in UTC
    charts: list[Chart] = []
    articles = rejects = 0
    near_dups = None
    if article_files:
        con.execute(f"CREATE VIEW articles AS SELECT * FROM read_parquet({_sql_list(article_files)}, "
                    "union_by_name = true)")
        columns = {row[0] for row in _rows(con, "DESCRIBE articles")}
        articles = _rows(con, "SELECT count(*) FROM articles")[0][0]
        charts += _article_charts(con, columns, articles)
        if "near_dup_of" in columns:
            near_dups = _rows(con, "SELECT count(near_dup_of) FROM articles "
                                   "WHERE near_dup_of <> article_id")[0][0]
    else:
        charts += [Chart(c, t, (), ()) for c, t in (
            ("publishers", "Articles per publisher"), ("per_day", "Articles per day"),
            ("word_counts", "Word-count distribution"), ("fields", "Share of articles with each part"),
            ("boilerplate", "Boilerplate removed, by rule"))]
    examples: list[tuple[str, str, str]] = []
    by_reason: list[tuple] = []
    if reject_files:
        con.execute(f"CREATE VIEW rejects AS SELECT * FROM read_parquet({_sql_list(reject_files)}, "
                    "union_by_name = true)")
        rejects = _rows(con, "SELECT count(*) FROM rejects")[0][0]
        by_reason = _rows(con, "SELECT reason, count(*) AS n FROM rejects GROUP BY reason "
                               "ORDER BY n DESC, reason")
        examples = [tuple(r) for r in _rows(con, f"""
            SELECT reason, source_uri, detail FROM (
              SELECT *, row_number() OVER (PARTITION BY reason ORDER BY source_uri) AS k FROM rejects)
            WHERE k <= {_EXAMPLES_PER_REASON} ORDER BY reason, source_uri""")]
    charts.append(Chart("rejects", "Rejects, by reason", tuple(r for r, _ in by_reason),
                        tuple(n for _, n in by_reason), "inputs rejected"))
    duplicate_files = _parquet_files(root / DUPLICATES)
    dup_examples: list[tuple[str, str]] = []
    if duplicate_files:
        # One row per input dropped as an exact duplicate (same article_id) of a kept record.
        dup_examples = [(uri, kept or "(committed by an earlier run)") for uri, kept in _rows(con, f"""
            SELECT source_uri, kept_source_uri FROM read_parquet({_sql_list(duplicate_files)},
            union_by_name = true) ORDER BY source_uri LIMIT {_DUPLICATE_EXAMPLES}""")]
    return ReportData(str(root), articles, rejects, tuple(charts), tuple(examples),
                      _duplicate_rows(run.get("duplicates"), near_dups), run, tuple(dup_examples))


def _duplicate_rows(from_run, near_dups: int | None) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    if isinstance(from_run, (int, float)) and not isinstance(from_run, bool):
        rows.append(("inputs the last run dropped as exact duplicates of another article (run.json)",
                     f"{from_run:,}"))
    elif isinstance(from_run, dict):
        rows += [(f"duplicates in the last run: {k} (run.json)", f"{v:,}" if isinstance(v, (int, float)) else str(v))
                 for k, v in from_run.items()]
    if near_dups:
        rows.append(("articles marked as near-duplicates (near_dup_of)", f"{near_dups:,}"))
    return tuple(rows)


# ---------------------------------------------------------------------------------------
# Rendering

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#1d2430}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dde}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .7em;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}.empty{color:#777;font-style:italic}
.muted{color:#666}code{font-size:.92em}svg{max-width:100%;height:auto}
"""


def _svg(chart: Chart) -> str:
    """The chart as an inline <svg> element; every bar carries the id '<chart>-bar-<i>'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    n = len(chart.values)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.chart_id,
                                "font.size": 9}):
        if chart.horizontal:
            fig, ax = plt.subplots(figsize=(8, max(1.6, 0.32 * n + 0.9)))
            bars = ax.barh(range(n), chart.values, color="#3b6ea8")
            ax.set_yticks(range(n), labels=chart.labels)
            ax.invert_yaxis()
            ax.set_xlabel(chart.x_label)
            if chart.percent:
                ax.set_xlim(0, 100)
            ax.bar_label(bars, fmt="%.1f%%" if chart.percent else "%d", padding=3, fontsize=8)
        else:
            fig, ax = plt.subplots(figsize=(8, 3.2))
            bars = ax.bar(range(n), chart.values, color="#3b6ea8")
            step = max(1, math.ceil(n / 24))  # a year of days: label every few bars
            ticks = range(0, n, step)
            ax.set_xticks(ticks, labels=[chart.labels[i] for i in ticks],
                          rotation=45 if n > 6 else 0, ha="right" if n > 6 else "center")
            ax.set_ylabel(chart.x_label)
            pad = (max(n, 6) - n) / 2 + 0.5  # one day's bar is not as wide as the chart
            ax.set_xlim(-pad, n - 1 + pad)
        if not chart.percent:
            value_axis = ax.xaxis if chart.horizontal else ax.yaxis
            value_axis.set_major_locator(MaxNLocator(integer=True))
        for index, bar in enumerate(bars):
            bar.set_gid(f"{chart.chart_id}-bar-{index}")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    svg = buffer.getvalue()
    # Inline in HTML: drop the XML prolog and the DOCTYPE (which names an external DTD).
    svg = re.sub(r"^.*?(?=<svg)", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    # Several charts share one document: give every id (and reference to it) the chart's prefix.
    prefix = chart.chart_id + "-"
    svg = re.sub(rf' id="(?!{prefix})([^"]+)"', rf' id="{prefix}\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf"url(#{prefix}\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)


def _figure(chart: Chart) -> str:
    body = (_svg(chart) if chart.values
            else '<p class="empty">Nothing to show: no data for this chart in this output.</p>')
    note = f"<figcaption>{html.escape(chart.note)}</figcaption>" if chart.note else ""
    return (f'<figure id="{chart.chart_id}" data-points="{len(chart.values)}">'
            f"<h3>{html.escape(chart.title)}</h3>{body}{note}</figure>")


def _table(rows, header: tuple[str, ...], numeric_last: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = [f"<td>{html.escape(str(c))}</td>" for c in row]
        if numeric_last:
            cells[-1] = f'<td class="n">{html.escape(str(row[-1]))}</td>'
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_html(data: ReportData, generated_at: dt.datetime | None = None) -> str:
    """The whole report as one HTML document with inline CSS and inline SVG charts."""
    when = (generated_at or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    charts = {c.chart_id: c for c in data.charts}
    run = data.run
    facts = [("articles", f"{data.articles:,}"), ("rejects", f"{data.rejects:,}")]
    # The counts above are the whole output's; these are the last run's (run.json), which
    # for an incremental output is one of many.
    for key, label in (("files_matched", "files matched by the last run"), ("input", "last run's input"),
                       ("started_at", "last run started"), ("duration_seconds", "last run's duration (s)"),
                       ("runner", "last run's runner")):
        if key in run:
            facts.append((label, str(run[key])))
    if run.get("reconciled") is False:
        facts.append(("reconciled", "NO: files matched != articles + rejects; see run.json"))
    dup = (_table(data.duplicates, ("what", "how many"), numeric_last=True) if data.duplicates
           else '<p class="empty">No duplicate information in this output: run.json has no '
                "'duplicates' entry and no article has <code>near_dup_of</code> set.</p>")
    examples = (_table(data.reject_examples, ("reason", "input", "detail")) if data.reject_examples
                else '<p class="empty">No rejects.</p>')
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>article-ingest report: {html.escape(data.directory)}</title>",
        f"<style>{_CSS}</style></head><body>",
        (f"<h1>article-ingest report</h1><p class=\"muted\">{html.escape(data.directory)} · "
         f"generated {when}</p>"),
        _table(facts, ("", ""), numeric_last=False),
        "<h2>Articles</h2>",
        _figure(charts["publishers"]), _figure(charts["per_day"]), _figure(charts["word_counts"]),
        "<h2>Parts of the articles</h2>",
        _figure(charts["fields"]), _figure(charts["boilerplate"]),
        "<h2>Rejects</h2>",
        _figure(charts["rejects"]),
        f"<h3>Examples (up to {_EXAMPLES_PER_REASON} a reason)</h3>",
        examples,
        '<h2 id="duplicates">Duplicates</h2>',
        dup,
        (f"<h3>Examples (up to {_DUPLICATE_EXAMPLES})</h3>"
         + _table(data.duplicate_examples, ("input dropped", "same article as")))
        if data.duplicate_examples else "",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Writes the report (default DIR/report.html) and returns its path."""
    data = report_data(directory)
    target = Path(out) if out else Path(directory) / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(data), encoding="utf-8")
    return target
