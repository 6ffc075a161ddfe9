"""Photo credits: recognising them, and cutting one off the caption it is glued to."""
from __future__ import annotations

import re

from transforms.rules import CreditVocabulary

__all__ = ["CJK", "is_credit", "is_labelled_credit", "split_credit", "unbracket"]

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")
# Inside a credit, '. ' may only follow an initial ('Jane F. Roe').
_SENTENCE_BREAK = re.compile(r"(?<![\s(/.][A-Z])(?<!^[A-Z])[.!?] ")
# 'an.Andreas': a sentence glued to the next, so this is a caption with a credit, not a credit.
_DOUBLED_WORD = re.compile(r"(?<!\S)(\w{3,})\1(?=\s)")
_GLUED_SENTENCE = re.compile(r"[a-z]{2}[.!?][\"'”’»)]*[A-Z]")
# Characters after which a credit may be glued without a space: sentence end, quotes, brackets
# (full-width ones too: '（東京で、３日）ＡＰ').
_GLUE_AFTER = set(".!?…\"'”“’»«)]）」』】〕。")
_FULL_WIDTH_CLOSE = set("）」』】〕。")
_QUOTES = set("\"'”“’»«")
_APOSTROPHES = set("'’")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CASE_GLUE = re.compile(r"[a-z][A-Z]")
_PUNCT_GLUE = re.compile(r"\w[.!?]\w")
# 'm.Jane' in 'p.m.Jane Roe/AP': a full stop glued to a capital; a web address ('site.is/Jane') is not.
_INITIAL_GLUE = re.compile(r"\w[.!?][A-Z]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]+")
_PAREN_CREDIT = re.compile(r"\s*[(（]([^()（）]{2,90})[)）]$")  # ASCII or full-width brackets
# Two letters in a row: a credit names someone ('dpa', '共同'); '(09/24/2018 - 19h22)' and
# '(12/3)' are a date and a count.
_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")
# The only characters _glue_points needs to look at, a superset of its glue points: a letter
# or digit not after a space (an ASCII lower-case one only after sentence punctuation, a
# closing bracket or quote, a CJK character, or between capitals as in 'EPVeThekwini'), '('
# not after a space, and '©'. Most of a caption is skipped unread.
_GLUE_CANDIDATE = re.compile(
    r"(?<=[.!?…\"'”“’»)\]\u3040-\U0010ffff])[a-z]|(?<=[A-Z])[a-z](?=[A-Z])"
    r"|(?<!\s)(?:[^\W_a-z]|\()|©")
# A bare name glued at a case change ('came inJana Novak'): capitalised words, initials
# ('J.'), hyphenated parts ('Zuma-Sambudla'); particles are checked against the vocabulary.
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_A-Z]*(?:[-'’][^\W\d_][^\W\d_A-Z]*)*|[A-Z]\.")
# A credit introduced by a dash glued to the caption's last word: 'quay– Jane Roe'.
_GLUED_DASH = re.compile(r"(?<=\w)([–—]) (?=\S)")
# A name or term, then maybe a note in brackets: 'Midjourney (a painting of a quay/2024)'.
_NAME_THEN_NOTE = re.compile(r"(?P<name>[^()]+?)(?:\s*\([^()]{1,80}\))?")
# A photographer working for a publication: 'Jane Roe for The Harbour Post'.
_FOR_PUBLICATION = re.compile(r"(?:[A-Z][\w'’.-]*\s){1,4}for\s(?:the\s)?[A-Z]")
# A sentence end and the space after it, where an unlabelled credit may begin.
_AFTER_SENTENCE = re.compile(r"[.!?…][\"'”’»)]*\s+(?=\S)")
# Standalone separators between the parts of a credit: 'Jane Roe | Harbour Post'.
_SEPARATORS = frozenset("|-–—·")
# Word starts after a space, where a labelled credit ('Photo: ...') may begin.
_WORD_START = re.compile(r"(?<=\s)\S")


def _strong(text: str, vocab: CreditVocabulary) -> bool:
    """Has a label ('Photo:'), an agency word, a leading '©', the slash of 'Name/Agency', or
    reads 'Name for Publication'."""
    return bool(
        vocab.label_re.match(text) or vocab.agency_re.search(text) or "/" in text
        or text.startswith("©") or _FOR_PUBLICATION.match(text)
    )


def _credit_words(text: str, vocab: CreditVocabulary) -> bool:
    """Every word could stand in a credit: holding a capital, a '/' or no cased letter, a
    name particle or an agency word. A case change inside a word ('iPhone', 'YouTube') is no glue
    when what follows it reads on as a sentence ('Phone shown at an AP event')."""
    if vocab.label_re.match(text):
        return True
    for word in vocab.agency_re.sub(" ", text).split():
        core = word.strip("().,:;-'’")
        if "/" in core or any(ch.isupper() for ch in core) or not any(ch.islower() for ch in core):
            continue  # 'REUTERS/Jane', 'i-Images', '2021', '©', '代表'
        lower = core.lower()
        if lower in vocab.name_particles or lower in vocab.label_words:
            continue  # 'van der', 'Daily Post photo'
        if not vocab.agency_re.fullmatch(core):
            return False
    return True


def _name_like(text: str, vocab: CreditVocabulary) -> bool:
    """A short run of capitalised words: 'Jane Roe', 'Montage', 'NPA', 'Jane Roe | Post'."""
    words = [word for word in text.split() if word not in _SEPARATORS]
    if not 1 <= len(words) <= vocab.max_name_words:
        return False
    capitalised = 0
    for word in words:
        core = word.strip("().,-'’")
        if not core:
            return False
        if core[0].isupper() or core[0].isdigit() and len(words) > 1:
            capitalised += 1
        elif core.lower() not in vocab.name_particles:
            return False
    return capitalised >= 1 and words[0].strip("(")[:1].isupper()


def is_credit(text: str, vocab: CreditVocabulary, *, weak_ok: bool) -> bool:
    """Whether `text` reads as a photo credit.

    Args:
        weak_ok: also accept a bare name ('Jane Roe') with no agency word or label;
            callers pass True only where the position already suggests a credit.
    """
    text = text.strip()
    if not text or len(text) > vocab.max_chars or len(text.split()) > vocab.max_words:
        return False
    if CJK.search(text):
        return bool(vocab.agency_re.search(text)) or (weak_ok and len(text) <= 12)
    if not text[0].isalnum() and text[0] not in "(©@+":
        return False
    if text[0].islower() and not _strong(text, vocab):
        return False
    label = vocab.label_re.match(text)
    body = text[label.end():] if label else text  # 'Fot. Jan Roe': the label's stop ends no sentence
    if _GLUED_SENTENCE.search(body) or text.count("(") != text.count(")"):
        return False
    if any(not _abbreviation(body, m.start(), vocab) for m in _SENTENCE_BREAK.finditer(body)):
        return False
    if _SENTENCE_END.search(text) and not re.search(r"(?:\b[A-Z]|\b(?:Inc|Ltd|Co|Jr|Sr))\.$", text):
        return False
    if _strong(text, vocab):
        return True
    return weak_ok and _name_like(text, vocab)


def is_labelled_credit(text: str, vocab: CreditVocabulary) -> bool:
    """Whether `text` is a credit that says so: a label or a leading '©', then only names
    and agencies ('Photograph: Ben Curtis/AP', '© Jane Roe', 'Foto: dpa'). Such a line is a
    credit wherever it stands, with or without a caption; 'Photo: the pier at dusk' is not."""
    text = unbracket(text.strip())
    label = vocab.label_re.match(text)
    if label is not None:
        rest = text[label.end():]
    elif text.startswith("©"):
        rest = text[1:].strip()
    else:
        return False
    return bool(rest) and is_credit(text, vocab, weak_ok=False) and _credit_words(rest, vocab)


# Kinds of glue point, from the strongest evidence to the weakest.
_AFTER_PUNCT = "punct"  # 'stellen.Jane Roe': any credit-like text, even a bare name
_NEEDS_STRONG = "strong"  # 'stellen.dpa', 'BerlinREUTERS/Jane': only a credit with an agency, label or '/'
_CJK_ONLY = "cjk"  # '石川共同通信社': only a CJK agency word
_DOUBLED = "doubled"  # 'eLangenieLangeni Council / Facebook': a strong credit
_LOWER_AFTER_PUNCT = "lower"  # 'roof.eLangeni Council / Facebook': a strong credit
_SCRIPT = "script"  # 'im Landtag代表': a short CJK run after another script


def _word_start(text: str, i: int) -> int:
    """Where the word holding position i starts (after a space or an opening bracket)."""
    start = i
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(（[/":
        start -= 1
    return start


def _may_double(caption: str) -> bool:
    """False when _DOUBLED_WORD cannot match: it matches a whole whitespace-delimited word
    that is one run of 3 or more characters written twice."""
    for word in caption.split():
        half = len(word) // 2
        if half >= 3 and word[:half] == word[half:]:
            return True
    return False


def _glue_points(caption: str, vocab: CreditVocabulary) -> list[tuple[int, str]]:
    """Positions where a credit may start without a space, with the kind of evidence."""
    # A credit that starts with the word the caption ends with: 'in eLangenieLangeni Council'.
    # It goes first: the case change inside the repeated word is no glue.
    points = [(m.start() + len(m.group(1)), _DOUBLED) for m in _DOUBLED_WORD.finditer(caption)
              ] if _may_double(caption) else []
    for candidate in _GLUE_CANDIDATE.finditer(caption, 1):
        i = candidate.start()
        prev, cur = caption[i - 1], caption[i]
        if not (cur.isalnum() or cur in "(©"):
            continue
        if cur == "©":
            points.append((i, _NEEDS_STRONG))
        elif prev in _GLUE_AFTER:
            if prev in _QUOTES and (i < 2 or caption[i - 2].isspace()):
                continue  # an opening quote: 'says "We', not a glue
            if prev in _APOSTROPHES and caption[i - 2].isalpha():
                # An apostrophe inside a word ("O'Neill", "Sha'Carri") is a case change within
                # a name: a glue only with the evidence a case change needs.
                if caption[_word_start(caption, i):i] not in vocab.name_prefixes:
                    points.append((i, _NEEDS_STRONG))
                continue
            # 'N.H.Robert': the suffix must not itself start with an initial ('H.Robert'),
            # unless the full stop ends a word ('harbour.U.S. Coast Guard/District 7').
            if (cur.isupper() and i + 1 < len(caption) and caption[i + 1] == "."
                    and not (i >= 3 and caption[i - 2].islower() and caption[i - 3].isalpha())):
                continue
            if cur.isdigit() and i >= 2 and caption[i - 2].isdigit():
                continue  # '6.12.2010', '4.5': a number, not a glue
            if prev in _FULL_WIDTH_CLOSE and CJK.match(cur):
                points.append((i, _CJK_ONLY))  # '（東京で、３日）共同': a CJK agency word
            elif not cur.islower():
                points.append((i, _AFTER_PUNCT))
            else:  # 'stellen.dpa', 'Berlin.picture alliance/dpa', '(Archivbild)dpa'
                points.append((i, _LOWER_AFTER_PUNCT))
        elif (prev.islower() or prev.isdigit()) and cur.isupper():
            left = caption[_word_start(caption, i):i]
            if left not in vocab.name_prefixes and left[0] not in "@#":
                points.append((i, _NEEDS_STRONG))  # not 'McDermid/Reuters', '@HarbourCam/PA'
        elif prev.isupper() and cur.islower():
            # An acronym, then a word with a lower-case prefix: 'EPVeThekwini Municipality'.
            if caption[i - 2:i - 1].isupper() and cur in vocab.lower_prefixes:
                points.append((i, _LOWER_AFTER_PUNCT))
        elif (prev.isupper() and cur.isupper() and caption[i - 2:i - 1].isupper()
              and vocab.caps_agency_re.match(caption, i)):
            points.append((i, _NEEDS_STRONG))  # an agency glued to an acronym: 'NATOAFP'
        elif prev.isupper() and cur.isupper() and caption[i - 2:i - 1].isupper() and caption[i + 1:i + 2].islower():
            points.append((i, _NEEDS_STRONG))  # an acronym ends and a name begins: 'EPVJane'
        elif cur >= "\u3040" and CJK.match(cur) and prev.isalpha() and not _CJK_RUN.search(caption, 0, i):
            points.append((i, _SCRIPT))  # a caption with no CJK at all, then CJK
        elif prev >= "\u3040" and CJK.match(prev):  # every CJK character is >= U+3040
            if CJK.match(cur):
                points.append((i, _CJK_ONLY))
            elif cur.isascii() and cur.isalpha():
                points.append((i, _NEEDS_STRONG))
    return points


def _without_trailer(text: str, vocab: CreditVocabulary) -> str | None:
    """`text` without the caption widget's words at its end ('Jane Roe Show more'), or None."""
    for trailer in vocab.credit_trailers:
        if text.endswith(trailer) and text[-len(trailer) - 1:-len(trailer)].isspace():
            return text[: -len(trailer)].rstrip()
    return None


def _glued_name(
    caption: str, i: int, tail: str, vocab: CreditVocabulary, alt: str | None, context: str | None
) -> bool:
    """A bare name glued at a case change ('children came inJana Novak', '石川Alexander Roe').

    The case change alone is weak evidence ('McCarthy', 'iPhone', 'TechCrunch Disrupt'), so
    the line as a whole must agree: the name is `case_glue_words` capitalised words at the
    line's end; the left part is a whole word (one that also stands alone in `context`, the
    whole dump, or in the caption; or the alt text ends in a credit), not a name prefix
    ('Mc'), a lower-case prefix ('i', 'kwa') or the head of a compound ('Tech'); no other
    word of the line has an inner capital; and the glued word stands neither in the alt text
    nor elsewhere in `context` (an article about 'ArcelorMittal South Africa' names it again).
    """
    low, high = vocab.case_glue_words
    words = tail.split()
    if not low <= len(words) <= high:
        return False
    for n, word in enumerate(words):
        if n and word.lower() in vocab.name_particles:
            continue  # 'Anna van der Berg'
        if not (_NAME_WORD.fullmatch(word) and word[0].isupper()):
            return False
        if n == len(words) - 1 and word.endswith("."):
            return False  # a name does not end in an initial
    if CJK.match(caption[i - 1]):
        return True  # a script change: '石川|Alexander Roe'
    start = _word_start(caption, i)
    left = caption[start:i]
    if len(left) < 2 or not left.isalpha() or _CASE_GLUE.search(left):
        return False
    if _CASE_GLUE.search(caption, 0, start):
        return False  # another word of the line has an inner capital: a style, not a glue
    if left in vocab.name_prefixes or left.lower() in vocab.lower_prefixes:
        return False
    if left[0].isupper() and (len(left) < 3 or left in vocab.compound_heads):
        return False  # 'TechCrunch Disrupt'
    glued = left + words[0]
    if alt and glued in alt or context and context.count(glued) > 1:
        return False
    # The left part is a whole word: it stands alone elsewhere in the dump ('in'; the
    # 'Johannesburg' of '...City of JohannesburgFouzia Roe'), which 'Arcelor' of
    # 'ArcelorMittal South Africa' or 'easy' of 'easyJet Holidays' seldom does. Or the alt
    # text carries a credit ('Firefighters march | Photo: Jane Roe'): this publisher credits
    # its images, so the caption most likely ends in one too.
    if re.search(rf"(?<!\w){re.escape(left)}(?!\w)", context or caption):
        return True
    return bool(alt) and _carries_credit(alt, vocab)


def _carries_credit(alt: str, vocab: CreditVocabulary) -> bool:
    """Whether an alt text ends in a credit: '... | Foto: TV / Jane Roe', '... (Photo: AP)'."""
    for sep in (" | ", "("):
        if sep in alt:
            tail = alt.rsplit(sep, 1)[1].rstrip(")").strip()
            if is_credit(tail, vocab, weak_ok=False):
                return True
    return False


def _glue_accepts(
    kind: str, caption: str, i: int, vocab: CreditVocabulary, alt: str | None = None,
    context: str | None = None,
) -> bool:
    tail = caption[i:].strip()
    if kind == _AFTER_PUNCT:
        if is_credit(tail, vocab, weak_ok=True):
            return True
        # 'at dawn.Harbour Police Show more': a caption widget's words after the credit.
        name = _without_trailer(tail, vocab)
        return bool(name) and is_credit(name, vocab, weak_ok=True)
    if kind == _CJK_ONLY:  # the agency word starts right here: '山田|共同通信社', not '山|田共同通信社'
        return (bool(_CJK_RUN.fullmatch(tail)) and vocab.agency_re.match(tail) is not None
                and is_credit(tail, vocab, weak_ok=False))
    if kind == _SCRIPT:  # a caption in another script, then a CJK credit: the script change is the glue
        return bool(_CJK_RUN.fullmatch(tail)) and len(tail) <= vocab.max_cjk_credit
    if kind == _LOWER_AFTER_PUNCT and not _INITIAL_GLUE.search(tail.split(" ", 1)[0]):
        # After a sentence end the credit starts here, even when its first word has a case
        # change inside ('eLangeni Council / Facebook').
        return _strong(tail, vocab) and _credit_words(tail, vocab) and is_credit(tail, vocab, weak_ok=False)
    # A case change inside a word ('iPhone') is no glue unless what follows is plainly a
    # credit: an agency, label or '/', made of credit words, or a name in capitals.
    if kind == _DOUBLED:
        return _strong(tail, vocab) and _credit_words(tail, vocab) and is_credit(tail, vocab, weak_ok=False)
    first_word = tail.split(" ", 1)[0]
    if _CASE_GLUE.search(first_word) and not vocab.agency_re.match(tail):
        return False  # 'e|LangeniBild: dpa': the glue is further on (but 'NurPhoto' is an agency)
    if tail[:1].islower() and _PUNCT_GLUE.search(first_word):
        return False  # 'p.|m.Jane Roe/AP': the glue is further on
    plain_credit = _strong(tail, vocab) and _credit_words(tail, vocab)
    # A name in capitals ('JANE ROE'), not a word's last capital and an acronym ('IntelliJ IDEA').
    shouted_name = tail.isupper() and len(tail.split()) >= 2 and len(first_word.rstrip(".")) >= 2
    if (plain_credit or shouted_name) and is_credit(tail, vocab, weak_ok=shouted_name):
        return True
    return caption[i - 1].isalpha() and _glued_name(caption, i, tail, vocab, alt, context)


def split_credit(
    caption: str, vocab: CreditVocabulary, *, alt: str | None = None, context: str | None = None
) -> tuple[str, str | None]:
    """Cut a photo credit off the end of a caption line. Returns (caption, credit or None).

    Handles a credit glued on without a separator ('...in Kyiv.Jane Doe/AP'), after a
    space when it carries a label ('... in Kyiv. Photo: Jane Doe') or follows a sentence
    and names an agency or has a slash ('... in Kyiv. Jane Doe/AP'), and in parentheses
    ('... (AP Photo/Jane Doe)'). `alt`, the image's alt text, helps where the
    caption repeats it: whatever is glued after the repeated part is the credit. `context`,
    the whole dump, holding the caption: a word glued at a case change that also stands
    elsewhere in it ('ArcelorMittal') is a word, not a caption and a credit.
    """
    caption = caption.strip()
    points = _glue_points(caption, vocab)  # read once, by both searches below
    if alt:
        hit = _split_after_alt(caption, alt, vocab, points)
        if hit:
            return hit
    # A credit is at most max_chars long (is_credit), so only the end of the caption is read
    # as one: a long caption with many glue points or sentence ends stays linear.
    start = len(caption) - vocab.max_chars
    for i, kind in points:
        if i < start:
            continue
        head = caption[:i].rstrip()
        if len(head) >= 2 and _glue_accepts(kind, caption, i, vocab, alt, context) and not _label_stub(head, vocab):
            return head, caption[i:].strip()
    # '...on the quay– Jane Roe': a dash glued to the caption's last word introduces the credit.
    if vocab.dash_introducers and (dash := _glued_dash(caption, start, vocab)):
        return dash
    # 'caption text. Photo: Jane Doe' / '... Foto: dpa' after a space (a label ends in ':' or '.').
    maybe_label = ":" in caption or "：" in caption or ". " in caption
    for m in _WORD_START.finditer(caption, max(0, start)) if maybe_label else ():
        tail = caption[m.start():]
        if vocab.label_re.match(tail) and is_credit(tail, vocab, weak_ok=True):
            return caption[: m.start()].rstrip(" |-–—,"), unbracket(tail)
    m = _PAREN_CREDIT.search(caption)
    if (m and m.start() > 0 and _strong(m.group(1), vocab) and _TWO_LETTERS.search(m.group(1))
            and is_credit(m.group(1), vocab, weak_ok=False)):
        return caption[: m.start()].rstrip(), m.group(1).strip()
    # 'caption text. Jane Doe/AP' after a space: only a plain credit (an agency, a '/').
    for m in _AFTER_SENTENCE.finditer(caption, max(0, start - 8)):
        tail = caption[m.end():]
        if len(tail) > vocab.max_chars or _abbreviation(caption, m.start(), vocab, initials=True):
            continue
        if (_strong(tail, vocab) and _credit_words(tail, vocab) and is_credit(tail, vocab, weak_ok=False)
                and not _label_stub(caption[: m.end()], vocab)):
            return caption[: m.end()].rstrip(), tail
    return caption, None


def _abbreviation(text: str, i: int, vocab: CreditVocabulary, *, initials: bool = False) -> bool:
    """Whether the full stop at text[i] ends an abbreviation ('Sgt.'; with `initials`, also a
    single capital: 'Jane F.') rather than a sentence."""
    if text[i] != ".":
        return False
    word = text[_word_start(text, i):i]
    return word in vocab.abbreviations or initials and len(word) == 1 and word.isupper()


def _label_stub(head: str, vocab: CreditVocabulary) -> bool:
    """A label and at most two words ('Photo: Robert F.', 'Photo: e'): no caption, but the
    start of a labelled credit a cut would break in two ('Photo: Robert F. Bukaty / AP')."""
    label = vocab.label_re.match(head)
    return label is not None and len(head[label.end():].split()) <= 2


def _glued_dash(caption: str, start: int, vocab: CreditVocabulary) -> tuple[str, str] | None:
    """(caption, credit) where a dash glued to a word, then a space, starts a credit: a label
    ('– Illustration: J. Doe'), or a name or plain credit, maybe with a note in brackets
    ('– Midjourney (a painting of a quay/2024)'). The dash stays, as the source wrote it."""
    for m in _GLUED_DASH.finditer(caption, max(0, start)):
        if m.group(1) not in vocab.dash_introducers:
            continue
        body = caption[m.end():].strip()
        name = _NAME_THEN_NOTE.fullmatch(body)
        if vocab.label_re.match(body):
            ok = is_credit(body, vocab, weak_ok=True)
        elif name:
            head = name.group("name")
            plain = _credit_words(head, vocab) or not _strong(head, vocab)
            ok = is_credit(head, vocab, weak_ok=True) and plain
        else:
            ok = False
        if ok and len(body) <= vocab.max_chars and len(caption[: m.start()].strip()) >= 2:
            return caption[: m.start()].rstrip(), caption[m.start():].strip()
    return None


def unbracket(credit: str) -> str:
    """A credit without the brackets around it: '(Photo: Jane Roe)' -> 'Photo: Jane Roe'
    (ASCII or full-width brackets)."""
    if len(credit) > 2 and credit[0] in "(（" and credit[-1] in ")）":
        return credit[1:-1].strip()
    return credit


def _split_after_alt(caption: str, alt: str, vocab: CreditVocabulary,
                     points: list[tuple[int, str]]) -> tuple[str, str] | None:
    """Caption = (text that also stands in the alt) + credit glued on. `points` are the
    caption's `_glue_points`."""
    if caption in alt:
        return None  # the caption repeats (part of) the alt text and adds nothing: no credit
    best = None
    start = len(caption) - vocab.max_chars  # a credit is at most max_chars long
    for i, kind in points:
        head = caption[:i]
        if i < start or len(head) < max(8, len(caption) // 2) or head not in alt:
            continue
        tail = caption[i:].strip()
        if kind in (_NEEDS_STRONG, _LOWER_AFTER_PUNCT) and not _credit_words(tail, vocab):
            continue
        if tail and is_credit(tail, vocab, weak_ok=True):
            best = (head.rstrip(), tail)  # the longest repeated head wins
    return best
