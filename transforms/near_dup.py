"""Near-duplicate marking (--near-dup): MinHash over word shingles, LSH to find candidates.

Near-duplicates (an edited paragraph, an added sentence) are marked, never dropped: each
article in a cluster gets `near_dup_of` = the smallest article_id of its cluster, except
that representative itself, whose `near_dup_of` stays null. Clusters are connected
components of pairs whose estimated Jaccard similarity reaches the threshold, so the
result does not depend on the order in which a runner delivers articles.

The pipeline computes each article's signature (`signature_row`, in parallel on the
workers) and writes it to the run's staging directory; the launcher then finds the clusters
from disk (pipeline/near_dup.py), so memory does not grow with the run. `clusters` is the
same computation in memory, the reference the launcher's version is tested against.

Scope: the articles of one run (exact duplicates count once: an article_id is a hash of the
body, so every copy has the same signature). Uses `datasketch`, imported only when the flag
is on.
"""
from __future__ import annotations

import re

__all__ = ["NUM_PERM", "THRESHOLD", "clusters", "jaccard", "lsh_bands", "signature", "signature_row"]

THRESHOLD = 0.8
NUM_PERM = 128
_SHINGLE = 5
_WORD = re.compile(r"\w+")
# datasketch >= 2.0 names its permutation scheme; signatures travel between workers as plain
# integers, so the scheme is fixed here rather than left to the library's default. Its
# values are below 2**32, so a signature is stored as NUM_PERM 4-byte integers.
_SCHEME = "affine32"


def signature(body: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash values of the body's 5-word shingles (lower-cased); the same on every machine."""
    from datasketch import MinHash

    words = _WORD.findall(body.casefold())
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    minhash = MinHash(num_perm=num_perm, seed=1, scheme=_SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return [int(v) for v in minhash.hashvalues]


def signature_row(row: dict) -> dict:
    """The staged signature row of an article row: its id, its input and its MinHash."""
    import numpy as np

    # numpy raises OverflowError for a value past 32 bits: nothing is cut silently.
    return {"article_id": row["article_id"], "source_uri": row["source_uri"],
            "minhash": np.asarray(signature(row["body"]), dtype="<u4").tobytes()}


def jaccard(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two stored signatures estimate: the share of equal values."""
    import numpy as np

    x, y = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    return int(np.count_nonzero(x == y)) / len(x)


def lsh_bands(threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for this threshold: two
    signatures are candidates when all the values of one band are equal."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def clusters(signatures: list[tuple[str, list[int]]], threshold: float = THRESHOLD) -> dict[str, str]:
    """{article_id: representative article_id} for every article in a cluster of two or more,
    in memory, with datasketch's own LSH index."""
    import numpy as np
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    # One signature an id (a runner may deliver an element twice).
    signatures = sorted(dict(signatures).items())
    num_perm = len(signatures[0][1]) if signatures else NUM_PERM
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = {}
    for article_id, values in signatures:
        hashes[article_id] = LeanMinHash(MinHash(num_perm=num_perm, seed=1, scheme=_SCHEME,
                                                 hashvalues=np.array(values, dtype=np.uint64)))
        lsh.insert(article_id, hashes[article_id])
    parent = {article_id: article_id for article_id in hashes}
    for article_id, minhash in sorted(hashes.items()):
        for other in lsh.query(minhash):
            if other != article_id and minhash.jaccard(hashes[other]) >= threshold:
                union(parent, article_id, other)
    return representatives(parent)


def union(parent: dict[str, str], a: str, b: str) -> None:
    """Joins the clusters of `a` and `b` (union-find; the smaller id becomes the root)."""
    a, b = root(parent, a), root(parent, b)
    if a != b:
        parent[max(a, b)] = min(a, b)


def root(parent: dict[str, str], x: str) -> str:
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def representatives(parent: dict[str, str]) -> dict[str, str]:
    """{member: representative} for every cluster of two or more in a union-find forest."""
    groups: dict[str, list[str]] = {}
    for article_id in list(parent):
        groups.setdefault(root(parent, article_id), []).append(article_id)
    return {member: rep for rep, members in groups.items() if len(members) > 1 for member in members}
