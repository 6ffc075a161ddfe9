"""`article-ingest inspect FILE`: how one dump is split, line by line.

Every line of the decoded dump gets the label of the field it went to (title, alt, caption,
credit, bullet, paragraph), `boilerplate` with the name of the rule that removed it, or
`dropped` with the reason (blank, no text, ...). This is the tool for debugging a rule and
for writing a rules file. The labels come from `transforms.split.split_dump` and the record
from `transforms.ingest.ingest_file`, the very functions the pipeline runs.

Inputs in other formats (HTML, feeds, JSONL, WARC) are not split line by line; for them
`inspect` shows the resulting record(s) only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

from pipeline.cli.progress import counted
from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext, guarded
from transforms.decode import DecodeError, decode_dump
from transforms.formats import DUMP_FORMATS
from transforms.ingest import detect_format, ingest_file
from transforms.lines import MARKDOWN, join_wrapped_links, to_lines
from transforms.normalize import normalize_newlines
from transforms.rules import RuleSet
from transforms.split import Parts, split_dump

__all__ = ["Inspection", "LabelledLine", "inspect_bytes", "label_lines", "records_json", "render"]

_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")

# ANSI colours by label; dropped lines are dimmed.
_COLOURS = {
    "title": "1;35",
    "alt": "35",
    "caption": "36",
    "credit": "34",
    "bullet": "33",
    "paragraph": "32",
    "boilerplate": "31",
    "dropped": "2",
    "joined": "2",  # the rest of a wrapped link, read on the line it joined
}


@dataclasses.dataclass(frozen=True)
class LabelledLine:
    """One line of the dump as decoded (line endings normalized) and where it went."""

    number: int  # 1-based, as in an editor
    text: str
    label: str  # title, alt, caption, credit, bullet, paragraph, boilerplate, dropped, joined
    detail: str = ""  # the rule's name for boilerplate, the reason for dropped

    @property
    def tag(self) -> str:
        return f"{self.label}: {self.detail}" if self.detail else self.label


@dataclasses.dataclass(frozen=True)
class Inspection:
    """What `inspect` shows: labelled lines (None for non-text formats) and the outcome(s)."""

    source_uri: str
    format: str
    lines: tuple[LabelledLine, ...] | None
    outcomes: tuple[Article | Reject, ...]
    note: str = ""


def label_lines(text: str, parts: Parts) -> list[LabelledLine]:
    """Every line of `text` with the label `split_dump` gave it, or why it was dropped."""
    raw_lines = normalize_newlines(text).split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()  # the newline ending the last line opens no line of its own
    labels = dict(parts.labels)
    typed = {line.number: line for line in to_lines(text, parts.markup)[0]}
    glued = _glued_caption_line(parts)
    joined: dict[int, int] = {}  # a line of a wrapped markdown link -> the line it joined
    if parts.markup == MARKDOWN:
        copy = list(raw_lines)
        join_wrapped_links(copy)
        for index, raw in enumerate(copy):
            if raw is None:
                joined[index + 1] = joined.get(index, index)
    out = []
    for number, raw in enumerate(raw_lines, start=1):
        shown = raw.rstrip()
        label = labels.get(number)
        if number in joined:
            out.append(LabelledLine(number, shown, "joined", f"to line {joined[number]} (a wrapped link)"))
        elif number == glued:
            out.extend(_caption_and_credit(number, shown, parts.caption_credit))
        elif label is not None:
            name, _, rule = label.partition(":")
            out.append(LabelledLine(number, shown, name, rule))
        elif number in typed:
            # Kept as a line but placed in no field: a markdown image below the image block.
            reason = "image without alt text" if typed[number].kind == "image" else "not placed"
            out.append(LabelledLine(number, shown, "dropped", reason))
        elif not raw.strip():
            out.append(LabelledLine(number, shown, "dropped", "blank"))
        elif parts.markup == MARKDOWN and _MD_RULE.match(raw):
            out.append(LabelledLine(number, shown, "dropped", "markdown rule"))
        else:
            out.append(LabelledLine(number, shown, "dropped", "no text"))
    return out


def _glued_caption_line(parts: Parts) -> int | None:
    """The caption line that also held the credit, when the credit had no line of its own."""
    labels = dict(parts.labels)
    if parts.caption_credit is None or "credit" in labels.values():
        return None
    caption_lines = [n for n, label in parts.labels if label == "caption"]
    return caption_lines[-1] if caption_lines else None


def _caption_and_credit(number: int, shown: str, credit: str) -> list[LabelledLine]:
    """A caption line with its credit glued on ('...goes out.Sam Reed/PA'), as two labelled
    parts of the same line: the caption, then the credit."""
    cut = shown.rfind(credit)
    if cut <= 0:  # the credit as written differs from its normalized form: show it whole
        return [LabelledLine(number, shown, "caption", "with credit")]
    while cut > 0 and shown[cut - 1] in "([（【":  # '... at dawn (Photo: Jo Roe)'
        cut -= 1
    return [LabelledLine(number, shown[:cut].rstrip(), "caption"),
            LabelledLine(number, shown[cut:], "credit")]


def inspect_bytes(data: bytes, source_uri: str, rules: RuleSet, fmt: str = "auto",
                  jsonl_fields: tuple[tuple[str, str], ...] = ()) -> Inspection:
    """Split one file's bytes the way the pipeline does, keeping the per-line labels."""
    now = dt.datetime.now(dt.timezone.utc)
    ctx = IngestContext(rules, now, fmt, jsonl_fields=jsonl_fields)
    # As in the pipeline: an exception is an internal_error reject, not a crash.
    outcomes = tuple(guarded(source_uri, len(data), ctx, lambda: ingest_file(data, source_uri, ctx)))
    detected = detect_format(data, source_uri, fmt)
    if detected not in DUMP_FORMATS:
        note = (f"this input is {detected}; line labels are shown for text and markdown dumps "
                "only, so here is the record")
        return Inspection(source_uri, detected, None, outcomes, note)
    try:
        text, _ = decode_dump(data)
    except DecodeError:
        return Inspection(source_uri, detected, None, outcomes)
    if any(isinstance(o, Reject) and o.reason in (reasons.UNSUPPORTED_FORMAT, reasons.INTERNAL_ERROR)
           for o in outcomes):
        return Inspection(source_uri, detected, None, outcomes)
    markup = detected if detected in ("text", "markdown") else "auto"
    parts = split_dump(text, rules, markup)
    return Inspection(source_uri, parts.markup, tuple(label_lines(text, parts)), outcomes)


def _paint(text: str, label: str, color: bool) -> str:
    code = _COLOURS.get(label)
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _outcome_line(outcome: Article | Reject) -> str:
    if isinstance(outcome, Reject):
        return f"result: rejected, {outcome.reason}: {outcome.detail}"
    parts = [f"result: article {outcome.article_id}", f"format {outcome.source_format}"]
    if outcome.publisher:
        parts.append(f"publisher {outcome.publisher!r}")
    if outcome.authors:
        parts.append(f"by {', '.join(outcome.authors)}")
    if outcome.published_at:
        parts.append(f"published {outcome.published_at.isoformat()}")
    parts += [
        counted(len(outcome.bullets), "bullet"),
        counted(len(outcome.paragraphs), "paragraph"),
        counted(outcome.word_count, "word"),
        counted(len(outcome.boilerplate), "boilerplate line") + " removed",
    ]
    return ", ".join(parts)


def render(inspection: Inspection, color: bool = False) -> str:
    """The labelled lines and the outcome as text; ANSI colours when `color`."""
    out = [f"{inspection.source_uri} ({inspection.format})"]
    if inspection.note:
        out.append(f"note: {inspection.note}")
    if inspection.lines is not None:
        width = max((len(line.tag) for line in inspection.lines), default=0)
        digits = len(str(len(inspection.lines)))
        for line in inspection.lines:
            tag = _paint(line.tag.ljust(width), line.label, color)
            text = _paint(line.text, "dropped", color) if line.label == "dropped" and line.text else line.text
            out.append(f"{str(line.number).rjust(digits)}  {tag}  {text}".rstrip())
    for outcome in inspection.outcomes:
        out.append(_outcome_line(outcome))
    if inspection.lines is None and inspection.outcomes and inspection.note:
        out.append(records_json(inspection.outcomes))
    return "\n".join(out) + "\n"


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def records_json(outcomes, *, source_file: str | None = None, pipeline_version: str | None = None,
                 rules_fingerprint: str | None = None) -> str:
    """The record as the pipeline writes it (an article or a reject row), as JSON: one object
    for a file holding one input, an array for a file holding several. The provenance a run
    stamps on each row is filled in too, but `run_id` (no run) and `near_dup_of`."""
    provenance = {"source_file": source_file, "pipeline_version": pipeline_version,
                  "rules_fingerprint": rules_fingerprint}
    rows = [{**o.to_row(), **provenance} for o in outcomes]
    value = rows[0] if len(rows) == 1 else rows
    return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default)
