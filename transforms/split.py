"""Splits one dump's text into the parts of an article.

The anatomy of a dump (see docs/input-formats.md): an optional title line, an optional image
block (alt text line, caption line with the photo credit glued on), optional summary bullets,
body paragraphs separated by blank lines, and syndication boilerplate at the end; a byline or
a date line may stand above the body. Every line ends in exactly one part, is removed by a
named boilerplate rule, or is dropped for holding no text.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter

from schemas.record import Removed
from transforms.boilerplate import HeadLine, find_boilerplate, head_line
from transforms.credit import CJK, is_credit, is_labelled_credit, split_credit, unbracket
from transforms.lines import (
    BULLET,
    HEADING,
    IMAGE,
    MARKDOWN,
    TEXT,
    TEXT_LINE,
    Line,
    sniff_markup,
    strip_browser_marks,
    to_lines,
)
from transforms.rules import CreditVocabulary, RuleSet

__all__ = ["Parts", "split_dump", "LABELS"]

# The thresholds (how many lines an image block may have, how long a caption may be, when a
# block is a hard-wrapped paragraph) are in the rules data: `RuleSet.splitter`, [splitter].

# Markers that also start body paragraphs: dialogue dashes (see _demote_body_markers).
_DASHES = "-–—"

# Closing quotes include German '“' („…“) and '«' (»…«); CJK full stops and brackets too.
_ENDS_SENTENCE = re.compile(r"[.!?…:;。！？：；][\"'”“’»«)\]」』）】]*$")
# A word without a letter ('1 / 5' of a slideshow's counter has none).
_NO_LETTER = re.compile(r"[\W\d_]*")
# How a first line that is no title ends: a sentence (a question too: more often a lede's
# opening than a headline), a clause that goes on ('Ankara:', 'LONDON (Reuters) —'), or a
# tag ('<p>...</p>').
_NOT_TITLE_END = re.compile(r"(?:[.,!?…:;。，！？：；][\"'”“’»«)\]」』）】]*|[>\-–—])$")

# Labels of `Parts.labels`, one per input line, for `article-ingest inspect`.
LABELS = ("title", "alt", "caption", "credit", "bullet", "paragraph", "boilerplate")


@dataclasses.dataclass(frozen=True)
class Parts:
    """What the splitter found in one dump. `labels` maps each kept line's number to its part."""

    markup: str
    title: str | None
    image_alt: str | None
    caption: str | None
    caption_credit: str | None
    publisher: str | None
    bullets: tuple[str, ...]
    paragraphs: tuple[str, ...]
    boilerplate: tuple[Removed, ...]
    labels: tuple[tuple[int, str], ...]
    # What a byline and a date line above the body state.
    authors: tuple[str, ...] = ()
    published_at: dt.datetime | None = None


def split_dump(text: str, rules: RuleSet, markup: str = "auto") -> Parts:
    """Split a decoded dump into its parts. Never raises on any string."""
    front: list[tuple[int, str]] = []
    if text.startswith(("---\n", "---\r\n", "\ufeff---")):
        front, text = _front_matter(text)
    if markup == "auto":
        markup = sniff_markup(text)
    link_list: list[tuple[int, str]] = []  # a text browser's list of the page's links
    if markup == TEXT:
        text, link_list = strip_browser_marks(text)
    lines, leading_blank = to_lines(text, markup)
    if front:
        leading_blank = False  # the metadata block's blanked lines: no image without alt text
    verdict = find_boilerplate(lines, rules)
    labels: dict[int, str] = {}
    removed = [(lines[index], rule) for index, rule in verdict.removed.items()]
    kept = [line for index, line in enumerate(lines) if index not in verdict.removed
            ] if verdict.removed else lines

    kept = _demote_body_markers(kept)
    title_line = None
    plain = bool(kept) and kept[0].kind != HEADING and _plain_title(kept, leading_blank, rules, text)
    if kept and (kept[0].kind == HEADING or plain):
        title_line, kept = kept[0], kept[1:]
        labels[title_line.number] = "title"

    width = _wrap_width(kept, rules)
    head_lines: list[tuple[Line, HeadLine]] = []
    kept = _head_lines(kept, rules, width, head_lines)
    if title_line is not None and not head_lines and _may_be_dek(kept, rules):
        # 'Title / a standfirst / By Jane Roe / body': the byline under the standfirst is the
        # head's too; the standfirst stays the body's first paragraph.
        after = _head_lines(kept[1:], rules, width, head_lines)
        if head_lines:
            kept = [kept[0], *after]
    kept = _summary_label(kept, rules, head_lines)
    head, rest = _image_block(kept, markup, leading_blank, rules, text, width)
    alt, caption, credit, head_labels = _read_image_block(head, markup, rules, text)
    for line, label in zip(head, head_labels):
        labels[line.number] = label
    # Below the image block, a markdown image without alt text holds no text: dropped.
    rest = [line for line in rest if line.text]
    if verdict.in_body:  # below the image block: page clutter between paragraphs
        in_body = {lines[index].number: rule for index, rule in verdict.in_body.items()}
        removed += ((line, in_body[line.number]) for line in rest if line.number in in_body)
        rest = [line for line in rest if line.number not in in_body]
    listed = rest
    bullets, rest = _summary_bullets(rest, labels)
    listicle: list[str] = []
    if bullets and not rest:  # nothing but a list: the body itself (a listicle), no summary of it
        bullets, listicle = [], _summary_bullets(listed, labels, label="paragraph", marked=True)[0]
    rest = _head_lines(rest, rules, width, head_lines)
    if plain and not head and not bullets and not head_lines:
        # Nothing between the line and the body: a title, or a dek, a subheading or a lone
        # caption, which no layout tells apart. Read as the body's first paragraph, as before.
        title_line, rest = None, [title_line, *rest]
    paragraphs = [*_paragraphs(rest, labels, rules.splitter.wrap_min, width, rules.splitter.max_wrap_width),
                  *listicle]  # a listicle leaves no rest but a line read back from the title
    removed += ((line, hit.rule) for line, hit in head_lines)
    removed.sort(key=lambda pair: pair[0].number)  # in line order
    for line, rule in removed:
        labels[line.number] = f"boilerplate:{rule}"
    for number, _ in front:
        labels[number] = f"boilerplate:{_FRONT_MATTER}"
    for number, _ in link_list:
        labels.setdefault(number, f"boilerplate:{_LINK_LIST}")  # a line with marks taken out keeps its own
    stated_title = next((m.group(1).strip("\"' ") for _, raw in front if (m := _FRONT_TITLE.match(raw))), None)
    return Parts(
        markup=markup,
        title=title_line.text if title_line is not None else verdict.title or stated_title or None,
        image_alt=alt,
        caption=caption,
        caption_credit=credit,
        publisher=verdict.publisher,
        bullets=tuple(bullets),
        paragraphs=tuple(paragraphs),
        boilerplate=(*(Removed(rule=_FRONT_MATTER, text=raw) for _, raw in front),
                     *(Removed(rule=rule, text=line.text) for line, rule in removed),
                     *(Removed(rule=_LINK_LIST, text=taken) for _, taken in sorted(link_list))),
        labels=tuple(sorted(labels.items())),
        authors=tuple(dict.fromkeys(name for _, hit in head_lines for name in hit.authors)),
        published_at=next((hit.published_at for _, hit in head_lines if hit.published_at), None),
    )


# A markdown export's metadata block (Jekyll, Hugo, Obsidian, Notion): '---', lines of
# 'key: value' (or YAML's list items and continuations), '---' or '...'.
_FRONT_MATTER = "front_matter"
# A text browser's list of the page's links (transforms.lines.strip_browser_marks).
_LINK_LIST = "link_references"
_FRONT_KEY = re.compile(r"[A-Za-z_][\w -]{0,40}:(?:\s|$)|\s+\S|-\s")
_FRONT_TITLE = re.compile(r"title:\s*(.+)", re.IGNORECASE)
_FRONT_MAX_LINES = 60


def _front_matter(text: str) -> tuple[list[tuple[int, str]], str]:
    """(line number, line) of a metadata block opening the dump, and the dump with those
    lines left blank (so that every other line keeps its number); no block: ([], text)."""
    text = text.lstrip("\ufeff")
    raw = text.split("\n", _FRONT_MAX_LINES + 1)
    for end in range(1, min(len(raw), _FRONT_MAX_LINES + 1)):
        line = raw[end].rstrip("\r")
        if line in ("---", "..."):
            break
        if line.strip() and not _FRONT_KEY.match(line):
            return [], text
    else:
        return [], text
    if end == 1:
        return [], text  # '---' twice: a rule, not a block
    block = [(number, raw[number - 1].rstrip("\r")) for number in range(1, end + 2)]
    return [(n, line) for n, line in block if line.strip()], "\n" * (end + 1) + "\n".join(raw[end + 1:])


def _plain_title(lines: list[Line], leading_blank: bool, rules: RuleSet, context: str) -> bool:
    """Whether the dump's first line reads as a title: a line standing alone (a block of its
    own, with more after it) of two to [splitter] max_title_words words with letters, that
    does not end like a sentence, a question or a clause, is no short credit line and holds
    no credit (a caption with its credit glued on is an image block of one line), and does
    not start as a byline or a date line does. Not after a leading blank line: a text
    browser prints an image without alt text so, and the line after it is a caption.
    split_dump keeps it as the title only when something stands between it and the body."""
    if leading_blank or len(lines) < 2:
        return False
    first = lines[0]
    text = first.text
    if first.kind != TEXT_LINE or first.indent or (
            lines[1].block == first.block and not _head_line_under(lines, rules)):
        return False
    if len(text) > 16 * rules.splitter.max_title_words:
        return False  # a first paragraph: not split into words to be counted
    # In Chinese, Japanese or Korean (no spaces) a word for three characters.
    words = sum(not _NO_LETTER.fullmatch(word) for word in text.split()) + len(CJK.findall(text)) // 3
    if not 2 <= words <= rules.splitter.max_title_words or _NOT_TITLE_END.search(text):
        return False
    return (not _lone_credit(text, rules)
            and split_credit(text, rules.credits, context=context)[1] is None
            # 'By Jane Roe Updated March 3': what starts as a byline or a date is none, and
            # neither is 'Jane Roe · 5 min read'; one that starts as a label may be ('Summary
            # judgment ends ...').
            and ((hit := head_line(text, rules, start=True)) is None or hit.rule == _SUMMARY_LABEL))


def _head_line_under(lines: list[Line], rules: RuleSet) -> bool:
    """Whether the second line is a byline or a date line (with the first one not): a
    headline copied with its byline or date right under it, no blank line between."""
    second = lines[1]
    if second.kind != TEXT_LINE or len(lines) < 3 or len(second.text) > rules.splitter.max_head_line_chars:
        return False
    hit = head_line(second.text, rules) or _name_over_date(second, lines[2], lines[3:4], rules)
    return hit is not None and head_line(lines[0].text, rules) is None


def _head_lines(lines: list[Line], rules: RuleSet, width: int | None,
                found: list[tuple[Line, HeadLine]]) -> list[Line]:
    """`lines` without the bylines and date lines at their top ([[boilerplate]] rules with
    `where = "head"`), each a line of its own (the next line does not continue it), which go
    into `found`. At least one line is left: a dump's last line is no byline. A line longer
    than [splitter] max_head_line_chars is not tried."""
    index = 0
    while index < len(lines) - 1:
        line, after = lines[index], lines[index + 1]
        if line.kind != TEXT_LINE or len(line.text) > rules.splitter.max_head_line_chars or (
                after.block == line.block and _continues(line, after, rules.splitter.wrap_min, width)):
            break
        hit = head_line(line.text, rules)
        if hit is None:
            hit = _name_over_date(line, after, lines[index + 2:index + 3], rules)
            if hit is None:
                break
        elif hit.rule == _SUMMARY_LABEL and after.kind != BULLET:
            break  # a label over no list: a subheading ('Highlights' over paragraphs)
        found.append((line, hit))
        index += 1
    return lines[index:] if index else lines


def _name_over_date(line: Line, after: Line, beyond: list[Line], rules: RuleSet) -> HeadLine | None:
    """A byline without its 'By': a line that is only people's names ('Jane Roe', 'Jane Roe
    and Jo Berg': two to four words each, none of a section label's, [bylines] sections),
    right above a date line of its block that names no one ('04/03/2025', 'March 4, 2025'),
    with more below it; not the dump's first line (a headline above its date). The names
    are the authors."""
    if (line.number == 1 or after.block != line.block or after.kind != TEXT_LINE or not beyond
            or len(after.text) > rules.splitter.max_head_line_chars):
        return None
    below = head_line(after.text, rules)
    if below is None or below.authors or below.rule != _DATE_LINE:
        return None
    named = head_line(f"By {line.text}", rules)
    if named is None or not named.authors or named.published_at:
        return None
    if any(not 2 <= len(name.split()) <= 4 or rules.byline_sections.intersection(name.lower().split())
           for name in named.authors):
        return None
    return named


# The head rule of date lines (schemas/rules/default.toml): the line a byline without its
# 'By' stands over.
_DATE_LINE = "dateline"


def _summary_label(lines: list[Line], rules: RuleSet, found: list[tuple[Line, HeadLine]]) -> list[Line]:
    """`lines` without the label right over the summary bullets under an image block ('Key
    points:', rule summary_label), which goes into `found`: with it, the image block's lines
    and the bullets read as they do without it."""
    limit = rules.splitter.max_head_lines + 2
    bullet = next((i for i, line in enumerate(lines[:limit]) if line.kind == BULLET), None)
    if not bullet or bullet < 2 or lines[bullet - 1].kind not in (TEXT_LINE, HEADING):
        return lines
    label = lines[bullet - 1]
    if len(label.text) > _MAX_LABEL_CHARS:  # a caption, most often: not read by the head rules
        return lines
    hit = head_line(label.text, rules)
    if hit is None or hit.rule != _SUMMARY_LABEL:
        return lines
    found.append((label, hit))
    return [*lines[:bullet - 1], *lines[bullet:]]


# The head rule of labels over summary bullets (schemas/rules/default.toml), and the
# longest line it is tried on.
_SUMMARY_LABEL = "summary_label"
_MAX_LABEL_CHARS = 40


def _may_be_dek(lines: list[Line], rules: RuleSet) -> bool:
    """Whether the first line could be a standfirst between the title and a byline: one line
    standing alone (a block of its own) of at most twice [splitter] max_title_words words."""
    return (len(lines) >= 3 and lines[0].kind == TEXT_LINE and lines[1].block != lines[0].block
            and len(lines[0].text.split()) <= 2 * rules.splitter.max_title_words)


def _marker_class(line: Line) -> str | None:
    """'-', '–', '—' or '1.' for a bullet-like line at the left margin whose marker also
    starts body paragraphs: dialogue dashes ('– Yes, she said.'), numbered steps."""
    if line.kind != BULLET or line.indent:
        return None
    if line.marked[:1] in _DASHES:
        return line.marked[:1]
    return "1." if line.marked[:1].isdigit() else None


def _demote_body_markers(lines: list[Line]) -> list[Line]:
    """Marked lines that are body paragraphs. Where paragraphs starting with a marker and
    ordinary paragraphs alternate ('– A quote.' / 'Text.' / '– Another.'), the marker is the
    body's own style (dialogue dashes, a numbered list in the text), not a summary list: each
    paragraph starting with it is a paragraph, the first one included."""
    if not any(line.kind == BULLET and not line.indent for line in lines):
        return lines  # the common case: no marked line at the margin
    blocks: dict[int, list[Line]] = {}
    for line in lines:
        blocks.setdefault(line.block, []).append(line)
    # Per block: its marker class when it is one marked paragraph (a line, maybe wrapped),
    # 'text' when it is ordinary text, None otherwise (a list, an image, a heading).
    kinds: list[str | None] = []
    for block in blocks.values():
        first, rest = block[0], block[1:]
        if first.kind == TEXT_LINE:
            kinds.append("text")
        elif (marker := _marker_class(first)) and all(x.kind == TEXT_LINE and not x.indent for x in rest):
            kinds.append(marker)
        else:
            kinds.append(None)
    body_style = set()
    for marker in {kind for kind in kinds if kind not in (None, "text")}:
        seen = kinds.index(marker)
        after_text = "text" in kinds[seen:] and marker in kinds[kinds.index("text", seen):]
        if after_text:
            body_style.add(marker)
    if not body_style:
        return lines
    demoted = {block[0].block for block, kind in zip(blocks.values(), kinds) if kind in body_style}
    return [line._replace(kind=TEXT_LINE, text=line.marked, marked="")
            if line.block in demoted and line.kind == BULLET else line for line in lines]


def _first_bullet(lines: list[Line], max_head_lines: int, wrap_min: int,
                  width: int | None) -> int | None:
    for index, line in enumerate(lines[: max_head_lines + 2]):
        if line.kind == BULLET:
            prev = lines[index - 1] if index else None
            if (prev is not None and prev.block == line.block and not line.indent
                    and _continues(prev, line, wrap_min, width)):
                continue  # a wrapped line that starts like a list item ('28. April ...')
            return index
    return None


def _is_wrapped(block: list[Line], wrap_min: int, width: int | None = None) -> bool:
    """A paragraph hard-wrapped over several lines rather than separate short lines."""
    if width is not None and all(_wraps(prev, line, width) for prev, line in zip(block, block[1:])):
        return True  # every break in a body wrapped at `width` is a wrap
    return all(len(line.text) >= wrap_min for line in block[:-1]) and all(
        line.text[:1].islower() or not line.text[:1].isalpha() for line in block[1:]
    )


def _wrap_width(lines: list[Line], rules: RuleSet) -> int | None:
    """The width the dump was hard-wrapped at (email and text exports, `w3m -dump` at its
    default width), or None when it was not: the greatest length, at most [splitter]
    max_wrap_width and at least wrap_min, that wrap_peak_lines of the lines going on in
    their block have, when at least half of those lines (and wrap_min_lines) end within
    wrap_slack of it. A line or two longer than that (an unwrapped alt text) is not the
    wrapper's."""
    limits = rules.splitter
    # The lengths of the lines that go on in their block. List items are measured by no one:
    # a block of bullets of even length is no wrap.
    lengths = [prev.width for prev, line in zip(lines, lines[1:])
               if line.block == prev.block and prev.kind != BULLET and line.kind != BULLET]
    if len(lengths) < limits.wrap_min_lines:
        return None  # most dumps: a paragraph a line
    counts = Counter(n for n in lengths if n <= limits.max_wrap_width)
    width = max((n for n, seen in counts.items() if seen >= limits.wrap_peak_lines), default=0)
    near = sum(seen for n, seen in counts.items() if width - limits.wrap_slack <= n <= width)
    # Narrower than wrap_min is no wrapper's width but a block of short lines (a fact box:
    # 'Date: ...', 'Place: ...'), each a paragraph of its own.
    if width < limits.wrap_min or near < limits.wrap_min_lines or 2 * near < len(lengths):
        return None
    return width


def _wraps(prev: Line, line: Line, width: int | None) -> bool:
    """In a dump wrapped at `width`, whether the break before `line` is the wrapper's: `prev`
    is no wider, and `line`'s first word would not have fitted on it."""
    return width is not None and prev.width <= width and prev.width + 1 + len(
        line.body_text.split(" ", 1)[0]) > width


def _continues(prev: Line, line: Line, wrap_min: int, width: int | None = None,
               blank_separated: bool = True, unwrapped: int | None = None) -> bool:
    """Within one block of the body, whether `line` continues `prev` (a hard wrap). In a body
    wrapped at `width`, a break before a word that would have fitted on `prev` is no wrap;
    one before a word that would not is, and before a line that only looks like a list item
    ('15. Juni ...', '– ...') when `prev` reads on. After a sentence's end it is a wrap only
    where blank lines part the paragraphs (`blank_separated`): without them, a paragraph
    whose last line is nearly full looks the same, and a new sentence in capitals after a
    sentence's end is read as a new paragraph, as in a dump that is not wrapped. In a block
    not wrapped (a paragraph a line, one of them longer than `unwrapped` characters, more
    than any wrapper makes), a line goes on only where it starts in lower case, mid-sentence,
    or after a line longer than that which ends no sentence (a text browser cuts a very
    long line); after a shorter one that ends no sentence, it is a subheading's section."""
    if unwrapped is not None:
        return line.text[:1].islower() or (len(prev.text) > unwrapped
                                           and not _ENDS_SENTENCE.search(prev.text))
    wrapped = _wraps(prev, line, width)
    if line.kind == BULLET:
        return wrapped and not _ENDS_SENTENCE.search(prev.text)
    if wrapped and (blank_separated or line.text[:1].islower() or not _ENDS_SENTENCE.search(prev.text)):
        return True
    if prev.width < wrap_min:
        return False
    return line.text[:1].islower() or not _ENDS_SENTENCE.search(prev.text)


def _image_block(
    lines: list[Line], markup: str, leading_blank: bool, rules: RuleSet, context: str,
    width: int | None = None,
) -> tuple[list[Line], list[Line]]:
    """The lines of the image block at the top of the dump (possibly none), and the rest.
    `context` is the whole dump, which tells a word from a credit glued at a case change."""
    if not lines:
        return [], lines
    limits = rules.splitter
    max_chars = limits.max_head_chars
    if markup == MARKDOWN and not any(line.kind == IMAGE for line in lines[: limits.max_head_lines + 2]):
        # Markdown told by a heading or a link only ('# Title', a linked footer): an image
        # block above the body is plain text lines, read as in a text dump.
        markup = TEXT
    bullet = _first_bullet(lines, limits.max_head_lines, limits.wrap_min, width)
    if bullet is not None and bullet <= limits.max_head_lines and not _body_before_list(
            lines, bullet, leading_blank, rules, context):
        head = lines[:bullet]
        if all(line.kind in (TEXT_LINE, IMAGE) and len(line.text) <= max_chars for line in head):
            if markup != MARKDOWN or not head or head[0].kind == IMAGE:
                return head, lines[bullet:]
    if markup == MARKDOWN:
        if lines[0].kind != IMAGE:
            return [], lines
        end = 1
        # A caption right under the image (no blank line between, as text extractors print
        # an image over the first paragraph) is one only when short, as a lone caption is.
        limit = limits.max_lone_caption_chars if len(lines) > 1 and lines[1].block == lines[0].block else max_chars
        if len(lines) > 2 and lines[1].kind == TEXT_LINE and len(lines[1].text) <= limit:
            end = 2
            if lines[2].kind == TEXT_LINE and is_credit(lines[2].text, rules.credits, weak_ok=True):
                end = 3
        return lines[:end], lines[end:]
    first = [line for line in lines if line.block == lines[0].block]
    if any(line.kind != TEXT_LINE or len(line.text) > max_chars for line in first):
        return [], lines
    if len(first) == len(lines):
        return [], lines  # the whole dump is one block: no body would be left
    if 2 <= len(first) <= limits.max_head_lines and (
            not _is_wrapped(first, limits.wrap_min, width)
            or split_credit(first[-1].text, rules.credits, context=context)[1] is not None):
        # Lines that read on like a wrapped paragraph ('"Fair pay now": ...' after an alt
        # line) are still an image block when the last one ends in a glued credit.
        return first, lines[len(first):]
    if len(first) == 1 and not _introduces(first[0]):
        _, credit = split_credit(first[0].text, rules.credits, context=context)
        # A text browser prints an image without alt text as an empty first line; a short
        # first line after it is that image's caption.
        lone_caption = leading_blank and len(first[0].text) <= limits.max_lone_caption_chars
        # An image printed with its credit only ('Photograph: AP' above the body).
        if credit is not None or lone_caption or is_labelled_credit(first[0].text, rules.credits):
            return first, lines[1:]
    return [], lines


def _introduces(line: Line) -> bool:
    """A line that ends in a colon introduces what follows ('The plan brings three
    changes:' over a list): body text, never a caption."""
    return line.text.endswith((":", "\uff1a"))


def _body_before_list(lines: list[Line], bullet: int, leading_blank: bool, rules: RuleSet,
                      context: str) -> bool:
    """Whether the lines above the first marked line are the body's start rather than an
    image block, so that the marked lines are the body's own, not summary bullets:
    - the one line above introduces them (it ends in a colon, or a question mark with no
      blank line between);
    - paragraphs parted by blank lines stand above them;
    - or one plain line, with no credit in it and no empty line before it (a text browser's
      image without alt text), stands over lines marked with a dash: dialogue in the body
      ('\u2013 It is a fine day, she said.'), as in French, Spanish or Russian news."""
    if bullet == 0:
        return False
    if bullet == 1 and (_introduces(lines[0]) or (lines[0].text.endswith(("?", "\uff1f"))
                                                  and lines[1].block == lines[0].block)):
        # Under an image block, a line ending in a colon labels the summary ('At a glance:').
        # A question right over a list (no blank line between) asks what the list answers:
        # no image's alt text or caption ('What changes in the new version?' over a
        # changelog). Parted by a blank line, it may be a headline over summary bullets.
        return True
    if lines[0].block != lines[bullet - 1].block and all(line.kind == TEXT_LINE for line in lines[:bullet]):
        # Paragraphs parted by blank lines: an image block's alt text and caption stand on
        # adjacent lines (a text browser's and a feed renderer's alike), a markdown image
        # has its own kind. A list under paragraphs is the body's own.
        return True
    if bullet != 1 or leading_blank or lines[0].kind != TEXT_LINE:
        return False
    if _marker_class(lines[1]) not in ("\u2013", "\u2014"):
        return False
    text = lines[0].text
    return (split_credit(text, rules.credits, context=context)[1] is None
            and not is_labelled_credit(text, rules.credits))


def _read_image_block(
    head: list[Line], markup: str, rules: RuleSet, context: str
) -> tuple[str | None, str | None, str | None, list[str]]:
    """(alt, caption, credit, one label a line) from the image block's lines."""
    vocab = rules.credits
    alt = None
    texts = [line.text for line in head]
    head_labels: list[str] = []
    if head and head[0].kind == IMAGE:
        alt = head[0].text or None
        texts = texts[1:]
        head_labels.append("alt")
    elif len(texts) >= 2:
        first, second = texts[0], texts[1]
        caption_then_credit = (
            len(texts) == 2
            and second != first
            and not second.startswith(first)
            and is_credit(second, vocab, weak_ok=False)
            and split_credit(second, vocab, context=context)[1] is None
        )
        if not caption_then_credit:
            alt = first
            texts = texts[1:]
            head_labels.append("alt")
    if not texts:
        return alt, None, None, head_labels
    if len(texts) == 1 and is_labelled_credit(texts[0], vocab) and split_credit(
            texts[0], vocab, alt=alt, context=context)[1] is None:
        # A credit and no caption ('Photograph: AP'); not 'Foto: Jane Roe | Vídeo: EPVJane
        # Roe/Vídeo: EPV', a caption with its credit glued on.
        return alt, None, unbracket(texts[0]), [*head_labels, "credit"]
    if alt is not None and _credit_first(texts, vocab, context):
        # The credit printed above its caption (an image's overlay before the figure's caption).
        # Not without an alt line: 'Hendrik Streeck / Drogenbeauftragter' over a caption is
        # an alt text as often as a credit.
        return (alt, " ".join(texts[1:]), unbracket(texts[0]),
                [*head_labels, "credit", *["caption"] * (len(texts) - 1)])
    caption_lines = ["caption"] * (len(texts) - 1)
    if len(texts) >= 2 and is_credit(texts[-1], vocab, weak_ok=True):
        # The credit on a line of its own, without the brackets around it ('(Photo: Jane
        # Roe)'), as a credit in brackets after the caption comes.
        return alt, " ".join(texts[:-1]), unbracket(texts[-1]), [*head_labels, *caption_lines, "credit"]
    # A caption over several lines is one caption, never lost; a line holding a caption and
    # its glued credit is labelled by its caption.
    caption, credit = split_credit(" ".join(texts), vocab, alt=alt, context=context)
    last = "caption" if caption else "credit"
    return alt, caption or None, credit, [*head_labels, *caption_lines, last]


def _lone_credit(text: str, rules: RuleSet) -> bool:
    """Whether a first line is a photo credit rather than a title: a credit by its own words
    (an agency, a label, 'Name/Agency') of at most six words, or a labelled one of names and
    agencies only. A longer line may hold a slash or an agency's name and still be a
    headline ('Bonn/Paris – talks on ...')."""
    if len(text.split()) <= 6:
        return is_credit(text, rules.credits, weak_ok=False)
    return is_labelled_credit(text, rules.credits)


def _credit_first(texts: list[str], vocab: CreditVocabulary, context: str) -> bool:
    """Whether the first of an image block's caption lines is its credit, printed above the
    caption: a credit by its own words (an agency, a label, 'Name/Agency'; a bare name is
    not enough, as an alt text may be one), over a caption that is no credit and has none
    glued on."""
    if len(texts) < 2 or not is_credit(texts[0], vocab, weak_ok=False):
        return False
    caption = " ".join(texts[1:])
    return not is_credit(texts[-1], vocab, weak_ok=True) and split_credit(caption, vocab, context=context)[1] is None


def _summary_bullets(lines: list[Line], labels: dict[int, str], label: str = "bullet",
                     marked: bool = False) -> tuple[list[str], list[Line]]:
    """The run of bullet lines at the start of `lines` (wrapped bullet lines joined), with
    their markers where `marked` (a list that is the body), and the lines after it."""
    bullets: list[list[str]] = []  # each bullet's lines, joined once at the end (not quadratic)
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.kind == BULLET:
            bullets.append([line.body_text if marked else line.text])
        elif bullets and line.kind == TEXT_LINE and line.indent >= 2 and line.block == lines[index - 1].block:
            bullets[-1].append(line.text)
        else:
            break
        labels[line.number] = label
        index += 1
    return [" ".join(pieces) for pieces in bullets], lines[index:]


def _paragraphs(lines: list[Line], labels: dict[int, str], wrap_min: int,
                width: int | None = None, max_wrap_width: int | None = None) -> list[str]:
    """Body paragraphs: one per block, or one per line where a block holds separate lines.
    A block of a dump not wrapped at all holding a line longer than twice max_wrap_width
    is a paragraph a line (see _continues)."""
    paragraphs: list[str] = []
    # Each paragraph's pieces, joined once: re-concatenating a growing string for every
    # wrapped line made an 8 MB hard-wrapped paragraph take minutes (quadratic).
    pieces: list[str] = []
    prev = None
    # Paragraphs parted by blank lines: the body (footers are gone by now) is two blocks or more.
    blank_separated = width is not None and len({line.block for line in lines}) >= 2
    long_line = 2 * max_wrap_width if width is None and max_wrap_width else None
    # A long line of prose, not one long token (a bare address): words a wrapper would break.
    unwrapped = {line.block for line in lines if len(line.text) > long_line and line.text.count(" ") >= 10
                 } if long_line else ()
    for line in lines:
        labels[line.number] = "paragraph"
        if (prev is not None and line.block == prev.block and _continues(
                prev, line, wrap_min, width, blank_separated, long_line if line.block in unwrapped else None)):
            pieces.append(line.body_text)
        else:
            if pieces:
                paragraphs.append(" ".join(pieces))
            pieces = [line.body_text]
        prev = line
    if pieces:
        paragraphs.append(" ".join(pieces))
    return paragraphs
