"""Similar submissions: pairs (and clusters) of students whose own code is nearly the same.

A lead for the instructor, never a grade: two students may share code for good reasons (the
lecture's worked example, a study group the course allows). What is compared is what the grader
graded, the source :mod:`autograder.grading.extraction` takes from the notebook, so prints, plots
and the check cells never count, with the released stub removed.

The method is winnowing (Schleimer, Wilkerson and Aiken, *Winnowing: local algorithms for
document fingerprinting*, SIGMOD 2003; what MOSS and copydetect use) over normalised Python
tokens from the standard library's :mod:`tokenize`:

1. tokens, not characters: comments, blank lines and spacing vanish; every identifier a student
   chooses becomes ``V`` (so renaming variables, functions or ``self.`` attributes changes
   nothing), numbers become ``N``, strings ``S`` (docstrings too); keywords, operators, builtins,
   the header's modules (``torch``, ``nn``, ``F``, ``math``) and the attributes read from
   anything other than ``self`` (``x.shape``, ``torch.zeros``, ``.unfold``) stay as written;
2. every run of :data:`K` tokens is hashed (blake2b: stable across runs, unlike Python's
   ``hash()``, so the same class always gives the same report), and in every window of
   :data:`WINDOW` hashes the smallest is kept: any shared run of ``K + WINDOW - 1`` tokens is
   guaranteed a shared fingerprint;
3. fingerprints of the released notebook (the stub every student starts from) are removed, and
   so are fingerprints common to more than a fifth of a class of ten or more (the lecture's
   idiom, e.g. the output-size formula, is nobody's copy);
4. a pair's similarity is the share of the smaller submission's fingerprints found in the other;
   pairs at or above ``report.similarity_threshold`` (course.yaml) are listed, and pairs that
   chain together form a cluster. Pairs are counted through an inverted index (fingerprint ->
   students), so 200 students take well under a second once their code is read.

copydetect was considered: it hashes with Python's salted ``hash()`` (its scores change from run
to run), works on characters of a Pygments-filtered text and renames attributes too. Example::

    fingerprints = {s: fingerprint(code) for s, code in own_code.items()}
    similar_pairs(fingerprints, threshold=0.8, stub=fingerprint(stub_code))
    # [SimilarPair(a='ana', b='bruno', similarity=0.97, shared=212, sizes=(220, 230))]
"""
from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import token
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Iterable

#: Tokens in one hashed run (k-gram); with WINDOW, any shared run of K + WINDOW - 1 = 20 tokens
#: (about two lines of code) gives a shared fingerprint, and runs shorter than K never do.
K = 12
WINDOW = 9
#: Names the method and its settings: fingerprints cached under another are recomputed.
METHOD = f"winnow-v1-k{K}-w{WINDOW}"
#: A submission with fewer fingerprints than this (after the stub is removed) wrote too little
#: of its own for a comparison to mean anything (an untouched notebook has none).
MIN_FINGERPRINTS = 8
#: In a class of at least COMMON_MIN_CLASS, a fingerprint in more than this share of the
#: submissions is common idiom, not a copy.
COMMON_SHARE = 0.2
COMMON_MIN_CLASS = 10

#: Names kept as written: they are the language and the course's libraries, not a student's choice.
KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) | {
    "torch", "nn", "F", "math", "np", "numpy", "self", "super"}
_SKIPPED = {token.COMMENT, token.NL, token.ENCODING, token.ENDMARKER, token.TYPE_COMMENT}


@dataclass(frozen=True)
class SimilarPair:
    """Two students, ``a`` < ``b``, their shared fingerprints and each one's count."""

    a: str
    b: str
    similarity: float
    shared: int
    sizes: tuple[int, int]


def normalised_tokens(source: str) -> list[str]:
    """The token stream winnowing compares (see the module doc); a file that stops tokenizing
    (an unclosed bracket) gives the tokens read until then."""
    out: list[str] = []
    previous: list[str] = ["", ""]  # the last two raw token strings, to tell attributes apart
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in _SKIPPED:
                continue
            text = tok.string
            if tok.type == token.NAME:
                is_attribute = previous[-1] == "."
                if text in KEPT_NAMES and not is_attribute:
                    out.append(text)
                elif is_attribute and previous[-2] != "self":
                    out.append(text)  # .shape, .unfold, torch.zeros: the API, not a chosen name
                else:
                    out.append("V")
            elif tok.type == token.NUMBER:
                out.append("N")
            elif tok.type == token.STRING or tok.type in _FSTRING_TYPES:
                if not out or out[-1] != "S":
                    out.append("S")
            elif tok.type == token.NEWLINE:
                out.append(";")
            elif tok.type == token.INDENT:
                out.append("{")
            elif tok.type == token.DEDENT:
                out.append("}")
            else:
                out.append(text)
            previous = [previous[-1], text]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


_FSTRING_TYPES = {getattr(token, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(token, name)}


def fingerprint(source: str) -> frozenset[int]:
    """The winnowed fingerprints of ``source``: in every window of WINDOW k-gram hashes, the
    smallest (the rightmost on ties, as the paper's robust winnowing)."""
    tokens = normalised_tokens(source)
    hashes = [_hash(" ".join(tokens[i:i + K])) for i in range(len(tokens) - K + 1)]
    if len(hashes) <= WINDOW:
        return frozenset(hashes)
    chosen = set()
    for start in range(len(hashes) - WINDOW + 1):
        window = hashes[start:start + WINDOW]
        smallest = min(window)
        chosen.add(smallest)
    return frozenset(chosen)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def similar_pairs(fingerprints: dict[str, frozenset[int]], threshold: float,
                  stub: Iterable[int] = ()) -> list[SimilarPair]:
    """Every pair at or above ``threshold``, most similar first (see the module doc)."""
    stub = frozenset(stub)
    own = {student: prints - stub for student, prints in fingerprints.items()}
    own = {student: prints for student, prints in own.items() if len(prints) >= MIN_FINGERPRINTS}
    holders: dict[int, list[str]] = defaultdict(list)
    for student in sorted(own):
        for value in own[student]:
            holders[value].append(student)
    common_above = max(1, int(COMMON_SHARE * len(own))) if len(own) >= COMMON_MIN_CLASS else len(own)
    common = {value for value, students in holders.items() if len(students) > common_above}
    sizes = {student: len(prints - common) for student, prints in own.items()}
    shared: Counter[tuple[str, str]] = Counter()
    for value, students in holders.items():
        if value not in common and len(students) > 1:
            shared.update(combinations(students, 2))  # students are sorted: a < b
    pairs = []
    for (a, b), count in shared.items():
        smaller = min(sizes[a], sizes[b])
        if smaller >= MIN_FINGERPRINTS and count / smaller >= threshold:
            pairs.append(SimilarPair(a, b, round(count / smaller, 4), count, (sizes[a], sizes[b])))
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def clusters(pairs: Iterable[SimilarPair]) -> list[list[str]]:
    """Students linked by similar pairs (union-find), larger groups first; each group sorted."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = defaultdict(list)
    for student in parent:
        groups[root(student)].append(student)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))
