"""The end-of-run summary table printed by `article-ingest run`, from the run.json summary.

Pure formatting over the dict that `pipeline.run.summarise` builds from Beam's metrics, so
the table and run.json never disagree.
"""
from __future__ import annotations

__all__ = ["format_duration", "format_summary", "print_summary", "summary_rows"]

_NOT_RECONCILED = (
    "WARNING: inputs != articles + duplicates + rejects: some input was neither written nor "
    "rejected; see run.json"
)


def format_duration(seconds: float | None) -> str:
    """'0.8 s', '42.0 s', '3 min 05 s', '2 h 04 min'."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _rate(count: int, seconds: float | None, unit: str) -> str:
    if not seconds or seconds <= 0:
        return f"- {unit}/s"
    return f"{count / seconds:,.1f} {unit}/s"


def _duplicate_rows(duplicates) -> list[tuple[str, str]]:
    """run.json's 'duplicates' (written by the dedupe step) as rows: a count or counts by kind."""
    if isinstance(duplicates, bool) or duplicates is None:
        return []
    if isinstance(duplicates, (int, float)):
        return [("duplicates", f"{duplicates:,}")]
    if isinstance(duplicates, dict):
        numbers = {k: v for k, v in duplicates.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        rows = [("duplicates", f"{sum(numbers.values()):,}")] if numbers else []
        return rows + [(f"  {kind}", f"{n:,}") for kind, n in numbers.items()]
    return []


def summary_rows(summary: dict) -> list[tuple[str, str]]:
    """(label, value) rows of the table, in display order; indented labels are breakdowns."""
    duration = summary.get("duration_seconds")
    matched = int(summary.get("files_matched", 0))
    inputs = summary.get("inputs")
    rows: list[tuple[str, str]] = [("files matched", f"{matched:,}")]
    unchanged = int(summary.get("files_unchanged") or 0)
    if unchanged:
        # An --incremental run skips inputs it has already committed.
        rows.append(("  unchanged, skipped", f"{unchanged:,}"))
        rows.append(("  processed", f"{int(summary.get('files_processed', matched - unchanged)):,}"))
    replaced = summary.get("replaced") or {}
    if replaced.get("inputs"):
        # Committed inputs read again (changed, stale, or other copies of an article whose
        # kept record went): their old rows were replaced (docs/maintenance.md).
        rows.append(("  replaced", f"{int(replaced['inputs']) + int(replaced.get('reread', 0)):,}"))
        removed = sum(int(replaced.get(k, 0)) for k in ("articles", "rejects", "duplicates"))
        rows.append(("  old rows removed", f"{removed:,}"))
        if replaced.get("kept"):
            rows.append(("  old records kept", f"{int(replaced['kept']):,}"))
    if inputs is not None and inputs != matched:
        # Feeds, JSONL and archives hold many inputs a file.
        rows.append(("inputs", f"{int(inputs):,}"))
    rows.append(("articles", f"{int(summary.get('articles', 0)):,}"))
    rows += _duplicate_rows(summary.get("duplicates"))
    if summary.get("near_duplicates") is not None:  # --near-dup: marked, not dropped
        rows.append(("near-duplicates marked", f"{int(summary['near_duplicates']):,}"))
    rows.append(("rejects", f"{int(summary.get('rejects', 0)):,}"))
    rows += [(f"  {reason}", f"{n:,}") for reason, n in summary.get("rejects_by_reason", {}).items()]
    boilerplate = summary.get("boilerplate_by_rule", {})
    if summary.get("metrics_available") is False:
        rows.append(("boilerplate removed", "- (this runner reports no metrics)"))
        boilerplate = None
    if boilerplate is not None:
        rows.append(("boilerplate removed", f"{sum(boilerplate.values()):,}"))
        rows += [(f"  {rule}", f"{n:,}") for rule, n in boilerplate.items()]
    furniture = summary.get("furniture_by_rule") or {}
    if furniture:  # only runs over full HTML pages drop furniture
        rows.append(("html furniture dropped", f"{sum(furniture.values()):,}"))
        rows += [(f"  {rule}", f"{n:,}") for rule, n in furniture.items()]
    if summary.get("html_pages_read_twice"):
        rows.append(("html pages read twice", f"{summary['html_pages_read_twice']:,}"))
    articles = int(summary.get("articles", 0))
    processed = int(summary.get("files_processed", matched))  # an incremental run skips some
    rows.append(("throughput", f"{_rate(processed, duration, 'files')}, {_rate(articles, duration, 'articles')}"))
    rows.append(("duration", format_duration(duration)))
    rows.append(("output", str(summary.get("output", ""))))
    return rows


def format_summary(summary: dict) -> str:
    """The summary as an aligned two-column table (numbers right-aligned), one row a line."""
    rows = summary_rows(summary)
    label_width = max(len(label) for label, _ in rows)
    numeric = [value for _, value in rows if value.replace(",", "").isdigit()]
    number_width = max((len(v) for v in numeric), default=0)
    lines = []
    for label, value in rows:
        shown = value.rjust(number_width) if value.replace(",", "").isdigit() else value
        lines.append(f"{label.ljust(label_width)}  {shown}".rstrip())
    if summary.get("reconciled") is False:
        lines.append(_NOT_RECONCILED)
    return "\n".join(lines) + "\n"


def print_summary(summary: dict, stream) -> None:
    stream.write(format_summary(summary))
    stream.flush()
