"""Turns a dump's text into typed lines: the one view of a dump that the splitter reads.

Plain text dumps (scraped or rendered feed items, `w3m -dump` output) and markdown dumps
become the same sequence of `Line`s, so the splitter has one set of rules for both.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from transforms.normalize import line_normalizer, normalize_newlines

__all__ = ["Line", "join_wrapped_links", "to_lines", "sniff_markup", "strip_browser_marks", "TEXT", "MARKDOWN"]

TEXT = "text"
MARKDOWN = "markdown"

TEXT_LINE, BULLET, IMAGE, HEADING = "text", "bullet", "image", "heading"

# '•', '*', '-', '–', '1.', '2)' followed by a space. A bare '-' needs the space so that
# '-5 degrees' stays text.
_BULLET = re.compile(r"^(?:[•●▪‣◦·■□➤►▸*+\-–—]|\d{1,2}[.)])\s+(?=\S)")
# What a bullet line starts with besides a digit (\d: str.isdecimal()): a line starting with
# neither is no bullet, told without the regex.
_BULLET_MARKS = frozenset("•●▪‣◦·■□➤►▸*+-–—")
_MD_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)$")
# An image inside a link, as html2text and pandoc write an image that links to its full size.
_MD_LINKED_IMAGE = re.compile(
    r"^\[!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.+?)\s*#*$")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_MD_EM = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
# A blockquote's marks: '> ' (nested: '> > ').
_MD_QUOTE = re.compile(r"(?:>\s?)+")
_MD_RULE = re.compile(r"^(?:[-*_]\s*){3,}$")
_MD_LINE_SIGNS = re.compile(r"^(?:!\[[^\]]*\]\(|#{1,6} )", re.MULTILINE)
_ADDRESS_RUN = re.compile(r"(?<![^)\s])[^)\s]++(?=\))")  # whole runs only: each read once
# The end of a link address, and what may follow it before its ')': a title in quotes.
_ADDRESS = re.compile(r"[^)\s]*")
_LINK_CLOSE = re.compile(r"(?:\s+\"[^\"]*\")?\)")


class Line(NamedTuple):
    """One non-blank line of a dump (a named tuple: immutable, and cheap to make, as a
    dump has dozens).

    kind: 'text', 'bullet' (marker removed), 'image' (markdown image; text is its alt),
    or 'heading' (markdown heading). block: index of the blank-line separated block.
    indent: leading spaces in the raw line (a wrapped bullet continues indented).
    """

    kind: str
    text: str
    block: int
    indent: int
    number: int  # 1-based line number in the dump, for `inspect`
    marked: str = ""  # a bullet line's text with its marker, used when it is body text
    # Where a wrapped markdown link joined lines: the length of the last of them as written,
    # link syntax included (what the wrapper measured); 0 for a line of its own.
    tail: int = 0

    @property
    def width(self) -> int:
        """The length of the line as wrapped: of its last physical line where lines joined."""
        return self.tail or len(self.text)

    @property
    def body_text(self) -> str:
        return self.marked or self.text


def sniff_markup(text: str) -> str:
    """'markdown' when the dump uses markdown images, headings or links; else 'text'."""
    head = text[:20000]
    # Every markdown sign holds '](' or '#': without them the (slow, anchored) search is moot.
    if "](" not in head and "#" not in head:
        return TEXT
    if _MD_LINE_SIGNS.search(head):
        return MARKDOWN
    # A link's '](address)': a run of characters a link address may hold, closed by ')',
    # with '](' and at least one character of address in it. Each run is read once, where
    # searching '](' then the address from every '](' read a line of '](](](' quadratically.
    return MARKDOWN if any("](" in run[:-1] for run in _ADDRESS_RUN.findall(head)) else TEXT


# What text browsers print besides the text. `lynx -dump` and `elinks -dump` number each link
# ('the [3]council said') and list the addresses after the page ('References' or 'Visible
# links', then '1. https://...', to the end); lynx prints an image with no alt text as its file
# name ('[pier-at-dusk.jpg]'), elinks as '[IMG]'.
_LINK_LIST_STARTS = ("References", "Visible links", "Visible links:")  # where the list begins
_LINK_LIST_HEADS = (*_LINK_LIST_STARTS, "Hidden links:")
_LINK_LIST_ENTRY = re.compile(r"\d{1,5}\. [A-Za-z][A-Za-z0-9+.-]{0,15}:\S.*")  # lynx may print spaces in it
_LINK_NUMBER = re.compile(r"\[\d{1,5}\]")
_IMAGE_MARK = re.compile(
    r"(?<!\[)\[(?:IMG|INLINE|[^\]\[\s]{1,300}?\.(?:jpe?g|png|gif|webp|svg|avif|bmp)(?:\?[^\]\[\s]{0,300})?)\](?!\])",
    re.IGNORECASE)


def strip_browser_marks(text: str) -> tuple[str, list[tuple[int, str]]]:
    """A plain-text dump without the list of links a text browser prints after the page, and
    without the marks it put in the text (link numbers, image marks); and what was taken out,
    as (line number, text): the list's lines, then the marks of each line that held some. Only
    a dump that ends in such a list (a header, then numbered addresses) is changed: '[1]' is a
    citation elsewhere, and '[diagram.png]' text. Every line keeps its number (the list's
    lines are left blank; newlines are normalized first)."""
    if "References" not in text and "Visible links" not in text:
        return text, []
    text = normalize_newlines(text)
    lines = text.split("\n")
    index, entries = len(lines) - 1, 0
    while index >= 0:  # back from the end, over the list's entries, blank lines and headers
        line = lines[index].strip()
        if line and line not in _LINK_LIST_HEADS:
            if not _LINK_LIST_ENTRY.fullmatch(line):
                break
            entries += 1
        index -= 1
    start = index + 1
    while start < len(lines) and lines[start].strip() not in _LINK_LIST_STARTS:
        start += 1  # the list starts at its header
    if not entries or start == len(lines):
        return text, []
    taken = [(number + 1, line.strip()) for number, line in enumerate(lines[start:], start) if line.strip()]
    for number, line in enumerate(lines[:start]):
        marks = _LINK_NUMBER.findall(line) + _IMAGE_MARK.findall(line) if "[" in line else ()
        if marks:
            lines[number] = _IMAGE_MARK.sub("", _LINK_NUMBER.sub("", line))
            taken.append((number + 1, " ".join(marks)))
    return "\n".join(lines[:start]) + "\n" * (len(lines) - start), taken


def _markdown_inline(text: str) -> str:
    # Each pattern needs its sign: most lines have none of them and skip the four passes.
    if "[" not in text and "*" not in text and "_" not in text and "\\" not in text:
        return text
    text = _strip_links(text)
    text = _strip_strong(text)
    text = _MD_EM.sub(lambda m: m.group(1) or m.group(2), text)
    return _MD_ESCAPE.sub(r"\1", text)


def _strip_links(text: str) -> str:
    r"""Markdown links as their text: what `re.sub(r'!?\[([^\]]*)\]\([^)\s]*(?:\s+"[^"]*")?\)',
    r'\1', text)` gives, in time linear in the text's length.

    The regex tries every '[' and reads on to its ']' and the address after it, so a line of
    many '[' (or of '[a](b' with no ')') took time quadratic in its length: minutes for a
    line of a few hundred KB. Here each '[' that fails is skipped with every '[' before the
    same ']' (they would fail the same way), and an address is read once however many links
    try it."""
    if "](" not in text:
        return text
    find, out = text.find, []
    start = pos = 0  # text[start:] is not written yet; '[' is looked for from pos
    address_end = close_at = -1  # the last address read: where it ends, and its close's end
    while (opening := find("[", pos)) != -1 and (closing := find("]", opening + 1)) != -1:
        pos = closing + 1
        if not text.startswith("(", pos):
            continue
        if pos + 1 > address_end:  # no ')' nor space between: the address ends where it did
            address_end = _ADDRESS.match(text, pos + 1).end()
            close = _LINK_CLOSE.match(text, address_end)
            close_at = close.end() if close else -1
        if close_at == -1:
            continue
        first = opening - 1 if opening > start and text[opening - 1] == "!" else opening
        out += (text[start:first], text[opening + 1:closing])
        start = pos = close_at
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def _strip_strong(text: str) -> str:
    r"""Strong emphasis as its text: what `re.sub(r'(\*\*|__)(?=\S)(.+?)(?<=\S)\1', r'\2', text)`
    gives, in time linear in the text's length.

    The regex reads on from every '**' (or '__') to a closing one, so a line of many that
    none closes took quadratic time. When one finds no closing, none after it of the same
    kind can (its closing would close the first), so that kind is not tried again."""
    if "**" not in text and "__" not in text:
        return text
    if "\n" in text:  # the regex's '.' matches no newline: no match spans one
        return "\n".join(map(_strip_strong, text.split("\n")))
    find, out, end = text.find, [], len(text)
    start = 0
    nexts = {mark: find(mark) for mark in ("**", "__")}  # where each kind may open next
    while live := [(at, mark) for mark, at in nexts.items() if at != -1]:
        at, mark = min(live)
        if at + 2 >= end or text[at + 2].isspace():  # opens nothing: look on from the next
            nexts[mark] = find(mark, at + 1)
            continue
        closing = find(mark, at + 3)
        while closing != -1 and text[closing - 1].isspace():
            closing = find(mark, closing + 1)
        if closing == -1:
            del nexts[mark]  # none closes this one: none would close a later one either
            continue
        out += (text[start:at], text[at + 2:closing])
        start = closing + 2
        # A kind's next one past the closing (or none at all: -1) is still its next.
        nexts = {mark: find(mark, start) if -1 < at < start else at for mark, at in nexts.items()}
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def to_lines(text: str, markup: str) -> tuple[list[Line], bool]:
    """Typed, normalized, non-blank lines, and whether the dump starts with a blank line
    (a text browser prints an image without alt text as an empty first line)."""
    text = normalize_newlines(text)
    normalize_line = line_normalizer(text)  # every line below is made of the text's characters
    raw_lines = text.split("\n")
    tails = join_wrapped_links(raw_lines) if markup == MARKDOWN and "](" in text else {}
    del text  # a copy when newlines were normalized: not held while the lines are read
    leading_blank = bool(raw_lines) and not normalize_line(raw_lines[0]) and len(raw_lines) > 1
    lines: list[Line] = []
    append = lines.append
    block = 0
    in_block = False
    for number, raw in enumerate(raw_lines, start=1):
        if raw is None:  # joined to the line above (a wrapped link): not a blank line
            continue
        if not raw or raw.isspace():  # blank in any markup: ends the block, nothing to read
            if in_block:
                block += 1
                in_block = False
            continue
        stripped = raw.lstrip(" \t\u00a0")
        indent = len(raw) - len(stripped)
        kind = TEXT_LINE
        marked = ""
        if markup == MARKDOWN:
            if stripped[:1] == ">":
                stripped = stripped[_MD_QUOTE.match(stripped).end():]
            if m := (_MD_IMAGE.match(stripped.strip()) or (
                    stripped[:3] == "[![" and _MD_LINKED_IMAGE.match(stripped.strip()))):
                kind, stripped = IMAGE, m.group("alt")
            elif m := _MD_HEADING.match(stripped):
                kind, stripped = HEADING, m.group("text")
            elif _MD_RULE.match(stripped.strip()):
                stripped = ""
        if kind == TEXT_LINE and (stripped[:1] in _BULLET_MARKS or stripped[:1].isdecimal()) and (
                m := _BULLET.match(stripped)):
            kind, marked, stripped = BULLET, stripped, stripped[m.end():]
        if markup == MARKDOWN and kind != IMAGE:
            stripped = _markdown_inline(stripped)
            marked = _markdown_inline(marked) if marked else ""
        text_ = normalize_line(stripped)
        if not text_ and kind != IMAGE:
            if in_block:
                block += 1
                in_block = False
            continue
        if not _has_text(text_) and kind != IMAGE:
            continue  # a line of only punctuation or symbols, e.g. a lone NBSP paragraph
        # Line(...) without the named tuple's Python-level __new__ (a line of a dump each).
        tail = len(tails[number - 1].strip()) if tails and number - 1 in tails else 0
        append(_new_line(Line, (kind, text_, block, indent, number,
                                normalize_line(marked) if marked else "", tail)))
        in_block = True
    return lines, leading_blank


_new_line = tuple.__new__


def join_wrapped_links(raw_lines: list) -> dict[int, str]:
    """Joins, in place, the lines of a markdown link a wrapper broke, as html2text does at 78
    columns: its text at a space ('[the new north\npier](https://...)', joined with a space)
    or its address after a hyphen ('(https://quay.example/north-\npier)', joined with
    nothing). The first line takes the next ones, each of which becomes None (no line, and no
    blank line either), so that the link reads as one and every other line keeps its number.
    Returns the last physical line of each joined one, by index."""
    tails: dict[int, str] = {}
    done = -1  # the last line joined to one above
    for index in [i for i, raw in enumerate(raw_lines) if "[" in raw]:  # a link opens on its line
        if index <= done or index == len(raw_lines) - 1:
            continue
        line, last = raw_lines[index], index
        if line.rfind("[") > line.rfind("]"):
            end = _link_end(raw_lines, index)
            if end is not None:
                line = " ".join([line.rstrip(), *(raw_lines[i].strip() for i in range(index + 1, end + 1))])
                last = end
        if line.rfind("](") > line.rfind(")"):
            end = _target_end(raw_lines, last)
            if end is not None:
                line = "".join([line.rstrip(), *(raw_lines[i].strip() for i in range(last + 1, end + 1))])
                last = end
        if last != index:
            tails[index] = raw_lines[last]
            raw_lines[index] = line
            raw_lines[index + 1:last + 1] = [None] * (last - index)
            done = last
    return tails


def _target_end(raw_lines: list, index: int) -> int | None:
    """The line below `index`, within _MAX_TARGET_LINES and its block, whose ')' closes the
    link address the line `index` leaves open; None when there is none."""
    for end in range(index + 1, min(index + _MAX_TARGET_LINES, len(raw_lines))):
        line = raw_lines[end]
        if not line or line.isspace() or " " in line.strip().split(")", 1)[0]:
            return None  # an address holds no space
        if ")" in line:
            return end
    return None


def _link_end(raw_lines: list, index: int) -> int | None:
    """The line below `index`, within _MAX_LINK_LINES and its block, whose '](' closes the
    link the line `index` opens; None when there is none."""
    for end in range(index + 1, min(index + _MAX_LINK_LINES, len(raw_lines))):
        line = raw_lines[end]
        if not line or line.isspace():
            return None
        close, opening = line.find("]("), line.find("[")
        if close != -1 and (opening == -1 or close < opening):
            return end
        if opening != -1 or "]" in line:
            return None
    return None


# How many lines a link's text, and its address, may be broken over.
_MAX_LINK_LINES = 6
_MAX_TARGET_LINES = 10


def _has_text(text: str) -> bool:
    return text[:1].isalnum() or any(ch.isalnum() for ch in text)
