#!/usr/bin/env python3
"""Writes N realistic article dumps in the reference text layout, deterministically.

    scripts/generate_dumps.py OUT_DIR N [--seed S]

Dump i depends only on (seed, i), so the same command always writes the same bytes, and a
larger N adds files without touching existing ones (a file whose bytes are already right
is not rewritten, so its mtime stays: `generate_dumps.py d 20000` then `generate_dumps.py
d 20200` gives an incremental run exactly 200 new inputs).

The mix, like a real landing folder: most dumps carry an image block (alt line, then the
caption glued to its credit, sometimes no alt or no credit), summary bullets in about two
thirds, 2-12 body paragraphs of news-like length, and a syndication footer in most. About
2% are the same article syndicated again with another publisher's footer (exact
duplicates by body), 1% are the same article with one paragraph edited (near-duplicates),
and 1% hold no article at all (only a footer, or blank). Every name is invented.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

TOWNS = ["Port Wendell", "Brackwater", "Lindqvist Falls", "Ostrava Bay", "Maribel", "Kettering Moor",
         "Sandhaven", "Velmora", "Quillon", "Ashby Reach", "Dunmarrow", "Feldspar Point", "Norrwick",
         "Tallis Cove", "Oakhurst Vale", "Corvane", "Elmstead", "Rivenhall", "Saltmere", "Hollin Cross"]
GIVEN = ["Lena", "Tomas", "Ilse", "Marta", "Jonah", "Priya", "Oskar", "Nadia", "Ruben", "Ada", "Keiko",
         "Samir", "Greta", "Bastien", "Yara", "Colm", "Ines", "Dario", "Halvard", "Mireille"]
FAMILY = ["Marsh", "Reyes", "Marrow", "Okafor", "Lindahl", "Brandt", "Castell", "Voss", "Tremaine",
          "Achterberg", "Quint", "Saltonstall", "Ferreira", "Nakamura", "Holm", "Duvall", "Kerrigan"]
BODIES = ["the harbour board", "the regional transport office", "the district council", "the water authority",
          "the teachers' union", "the ferry operator", "the hospital trust", "the chamber of commerce",
          "the parks department", "the university senate", "the housing cooperative", "the fishing guild"]
TOPICS = [("a new ferry route", "crossings"), ("the flood barrier", "repairs"), ("a school merger", "classes"),
          ("the night bus trial", "passengers"), ("a rent freeze", "tenants"), ("the harbour dredging", "berths"),
          ("a library extension", "readers"), ("the wind farm tender", "turbines"), ("a clinic closure", "patients"),
          ("the market relocation", "stalls"), ("a bridge inspection", "lanes"), ("the cycling network", "riders")]
PUBLISHERS = ["Coastal Daily", "Estuary Courier", "Valley Herald", "Metro Weekly", "Town Crier",
              "Northern Ledger", "Harbour Gazette", "Moorland Post", "Island Post", "Riverside Record"]
AGENCIES = ["AP", "Reuters", "AFP via Getty Images", "Tidewater Press", "Coastal Press Agency", "dpa"]
FOOTERS = ["Read the original article on {p}", "This article was originally published by {p}.",
           "Read more at {p}", "The post {t} appeared first on {p}."]
VERBS = ["confirmed", "announced", "warned", "argued", "insisted", "conceded", "estimated", "said"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def _sentence(rng: random.Random, town: str, topic: tuple[str, str]) -> str:
    thing, unit = topic
    n = rng.randint(2, 4000)
    forms = [
        (f"{rng.choice(BODIES).capitalize()} {rng.choice(VERBS)} on {rng.choice(DAYS)} that {thing} in {town} "
         f"would affect about {n:,} {unit}."),
        (f"\"We have waited {rng.randint(2, 19)} years for this,\" said {_person(rng)}, who has lived in "
         f"{town} since {rng.randint(1950, 2015)}."),
        (f"Critics say the plan for {thing} leaves {rng.randint(3, 60)} percent of {unit} without an "
         f"alternative during the {rng.choice(['summer', 'winter', 'spring', 'autumn'])} months."),
        (f"The cost is put at {rng.randint(2, 900)} million crowns, of which {rng.choice(BODIES)} "
         f"will pay roughly a {rng.choice(['third', 'quarter', 'half', 'fifth'])}."),
        (f"A public meeting is planned for {rng.randint(1, 28)} {rng.choice(MONTHS)} at the "
         f"{rng.choice(['town hall', 'old customs house', 'community centre', 'school gym'])} in {town}."),
        (f"{_person(rng)}, a spokesperson for {rng.choice(BODIES)}, declined to give a date for the "
         f"next vote on {thing}."),
        (f"Figures from last year show {n:,} {unit} on an average day, up from "
         f"{max(1, n - rng.randint(1, n)):,} a decade earlier."),
    ]
    return rng.choice(forms)


def _paragraph(rng: random.Random, town: str, topic) -> str:
    return " ".join(_sentence(rng, town, topic) for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])))


def _article(rng: random.Random) -> dict:
    town, topic = rng.choice(TOWNS), rng.choice(TOPICS)
    paragraphs = [_paragraph(rng, town, topic) for _ in range(rng.choice([2, 3, 4, 5, 5, 6, 7, 8, 10, 12]))]
    return {"town": town, "topic": topic, "paragraphs": paragraphs,
            "title": f"{town} weighs {topic[0]}",
            "bullets": [_sentence(rng, town, topic) for _ in range(rng.choice([0, 0, 2, 3, 3, 4]))]}


def _render(rng: random.Random, art: dict, publisher: str) -> str:
    lines: list[str] = []
    style = rng.random()
    if style < 0.8:  # image block
        caption = (f"{_person(rng).split()[0]} and neighbours look over {art['topic'][0]} in {art['town']}, "
                   f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2026)}.")
        credit = rng.choice([f"{_person(rng)}/{rng.choice(AGENCIES)}", "", f"{_person(rng)}/{publisher}"])
        if rng.random() < 0.85:
            lines.append(f"A view of {art['topic'][0]} in {art['town']}")
        lines.append(caption + credit)
    for bullet in art["bullets"]:
        lines.append(f"  • {bullet}")
    if lines:
        lines.append("")
    for paragraph in art["paragraphs"]:
        lines += [paragraph + (" " if rng.random() < 0.1 else ""), ""]
    if rng.random() < 0.9:
        lines.append(rng.choice(FOOTERS).format(p=publisher, t=art["title"]))
    return "\n".join(lines).rstrip("\n") + "\n"


def dump_text(seed: int, i: int) -> str:
    """The text of dump number i (0-based) for a seed."""
    rng = random.Random(f"{seed}:{i}")
    kind = rng.random()
    if kind < 0.01:
        return rng.choice(["", "\n\n", f"Read the original article on {rng.choice(PUBLISHERS)}\n"])
    if kind < 0.04 and i > 0:
        # Syndicated again (2%) or lightly edited (1%): an earlier dump's article.
        source = random.Random(f"{seed}:{rng.randrange(i)}")
        source.random()
        art = _article(source)
        if kind >= 0.03:
            k = rng.randrange(len(art["paragraphs"]))
            art["paragraphs"][k] = art["paragraphs"][k].replace(" the ", " that ", 1) + " Details remain unclear."
        return _render(rng, art, rng.choice(PUBLISHERS))
    return _render(rng, _article(rng), rng.choice(PUBLISHERS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for i in range(args.n):
        path = args.out_dir / f"dump-{i:06d}.txt"
        data = dump_text(args.seed, i).encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            continue
        path.write_bytes(data)
        written += 1
    print(f"{written} written, {args.n - written} unchanged in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
