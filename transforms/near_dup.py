"""Near-duplicate marking (--near-dup): MinHash over word shingles, LSH to find candidates.

Near-duplicates (an edited paragraph, an added sentence) are marked, never dropped: each
article in a cluster gets `near_dup_of` = the smallest article_id of its cluster, except
that representative itself, whose `near_dup_of` stays null. Clusters are connected
components of pairs whose estimated Jaccard similarity reaches the threshold, so the
result does not depend on the order in which a runner delivers articles.

Scope: the articles of one run (exact duplicates count once: an id's signature is that of
its record from the smallest source_uri, the one exact deduplication keeps). Uses `datasketch`, imported
only when the flag is on.
"""
from __future__ import annotations

import re

import apache_beam as beam

__all__ = ["NUM_PERM", "THRESHOLD", "MarkNearDuplicates", "clusters", "signature"]

THRESHOLD = 0.8
NUM_PERM = 128
_SHINGLE = 5
_WORD = re.compile(r"\w+")
# datasketch >= 2.0 names its permutation scheme; signatures travel between workers as plain
# integers, so the scheme is fixed here rather than left to the library's default.
_SCHEME = "affine32"


def signature(body: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash values of the body's 5-word shingles (lower-cased); the same on every machine."""
    from datasketch import MinHash

    words = _WORD.findall(body.casefold())
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    minhash = MinHash(num_perm=num_perm, seed=1, scheme=_SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return [int(v) for v in minhash.hashvalues]


def clusters(signatures: list[tuple[str, list[int]]], threshold: float = THRESHOLD) -> dict[str, str]:
    """{article_id: representative article_id} for every article in a cluster of two or more."""
    import numpy as np
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    # One signature an id (a runner may deliver an element twice: Beam's Dask runner does here).
    signatures = sorted(dict(signatures).items())
    num_perm = len(signatures[0][1]) if signatures else NUM_PERM
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = {}
    for article_id, values in signatures:
        hashes[article_id] = LeanMinHash(MinHash(num_perm=num_perm, seed=1, scheme=_SCHEME,
                                                 hashvalues=np.array(values, dtype=np.uint64)))
        lsh.insert(article_id, hashes[article_id])
    parent = {article_id: article_id for article_id in hashes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for article_id, minhash in sorted(hashes.items()):
        for other in lsh.query(minhash):
            if other != article_id and minhash.jaccard(hashes[other]) >= threshold:
                a, b = root(article_id), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)  # the smallest id becomes the root
    groups: dict[str, list[str]] = {}
    for article_id in hashes:
        groups.setdefault(root(article_id), []).append(article_id)
    return {member: rep for rep, members in groups.items() if len(members) > 1 for member in members}


def _kept_signatures(entries: list[tuple[str, str, list[int]]]) -> list[tuple[str, list[int]]]:
    """(article_id, signature) of the smallest source_uri per id, whatever the order."""
    best: dict[str, tuple[str, list[int]]] = {}
    for article_id, source_uri, values in entries:
        if article_id not in best or source_uri < best[article_id][0]:
            best[article_id] = (source_uri, values)
    return [(article_id, values) for article_id, (_, values) in best.items()]


def _cluster(entries: list[tuple[str, str, list[int]]], threshold: float) -> dict[str, str]:
    return clusters(_kept_signatures(entries), threshold)


def _mark(row: dict, representatives: dict[str, str]) -> dict:
    rep = representatives.get(row["article_id"])
    return row if rep is None or rep == row["article_id"] else {**row, "near_dup_of": rep}


class MarkNearDuplicates(beam.PTransform):
    """Article rows in, the same rows out with `near_dup_of` set for near-duplicates."""

    def __init__(self, threshold: float = THRESHOLD):
        super().__init__()
        self._threshold = threshold

    def expand(self, articles):
        representatives = (
            articles
            | "Signatures" >> beam.Map(
                lambda row: (row["article_id"], row["source_uri"], signature(row["body"])))
            | "AllSignatures" >> beam.combiners.ToList()
            | "Cluster" >> beam.Map(_cluster, self._threshold)
        )
        return articles | "SetNearDupOf" >> beam.Map(
            _mark, representatives=beam.pvalue.AsSingleton(representatives))
