"""Find texts that are nearly the same: FAQ near-duplicates and clusters of user questions.

Near-duplicate search must stay fast for 10,000 entries, so it never compares all n² pairs.
Texts identical after normalisation are grouped with a dictionary. Otherwise only texts that
share one of their few *rarest* character bigrams are scored with rapidfuzz's ``ratio``
(near-identical texts share almost all bigrams, rare ones included), bigrams common to many
texts are never used to pair them, and the number of scored pairs has a hard cap; when the
cap is hit the result says the check was incomplete.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from knowledge.faq import FaqEntry

NEAR_DUPLICATE_SCORE = 90.0
_KEYS_PER_TEXT = 4  # rarest bigrams of each text used to find its partners
_MAX_KEY_DF = 24  # a bigram in more texts than this says little about near-duplication
_MAX_CHECKS = 300_000  # hard cap on scored pairs
_MAX_REPORTED = 200  # warnings beyond this are summarised


@dataclass(frozen=True, slots=True)
class SimilarPair:
    """Indexes of two similar texts and their rapidfuzz ratio (0–100)."""

    a: int
    b: int
    score: float


@dataclass(slots=True)
class SimilarSearch:
    """The pairs found, and whether the search covered every candidate pair."""

    pairs: list[SimilarPair]
    complete: bool = True


def bigrams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similar_pairs(
    texts: Sequence[str],
    threshold: float = NEAR_DUPLICATE_SCORE,
    owners: Sequence[Hashable] | None = None,
    max_checks: int = _MAX_CHECKS,
) -> SimilarSearch:
    """Pairs of texts with ``fuzz.ratio >= threshold``; texts of the same owner are skipped."""
    owner = owners if owners is not None else range(len(texts))
    pairs: list[SimilarPair] = []
    seen: set[tuple[int, int]] = set()
    identical: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        if text:
            identical[text].append(i)
    for members in identical.values():
        first = members[0]
        for other in members[1:]:
            if owner[first] != owner[other]:
                pairs.append(SimilarPair(first, other, 100.0))
                seen.add((first, other))
    grams = [bigrams(t) for t in texts]
    df = Counter(g for gs in grams for g in gs)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, gs in enumerate(grams):
        rare = sorted((g for g in gs if df[g] <= _MAX_KEY_DF), key=lambda g: (df[g], g))
        for g in rare[:_KEYS_PER_TEXT]:
            postings[g].append(i)
    checks = 0
    for members in postings.values():
        for a, b in combinations(members, 2):
            if (a, b) in seen or owner[a] == owner[b] or texts[a] == texts[b]:
                continue
            seen.add((a, b))
            checks += 1
            if checks > max_checks:
                return SimilarSearch(pairs, complete=False)
            score = fuzz.ratio(texts[a], texts[b], score_cutoff=threshold)
            if score:
                pairs.append(SimilarPair(a, b, score))
    return SimilarSearch(pairs)


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Two FAQ entries the matcher may confuse, with the two texts that are close."""

    first: FaqEntry
    second: FaqEntry
    first_text: str
    second_text: str
    score: float
    folded: bool = False  # alike only once normalised (dictionary, paraphrases, wording)

    def message(self) -> str:
        why = "。表記ゆれ辞書や言い換え、言い回しをそろえると同じ文になります" if self.folded else ""
        return (
            f"{self.second.location}: 「{self.second_text}」({self.second.id}) と "
            f"「{self.first_text}」({self.first.id}, {self.first.location}) がよく似ています "
            f"(類似度 {self.score:.0f}{why})。ボットが取り違えるおそれがあります"
        )


def near_duplicates(
    entries: Sequence[FaqEntry],
    synonyms: Sequence[Sequence[str]] = (),
    threshold: float = NEAR_DUPLICATE_SCORE,
) -> tuple[list[NearDuplicate], bool]:
    """Pairs of enabled entries whose questions or alternates normalise to near-equal text.

    Returns the pairs (best-scoring texts per entry pair) and whether the search was complete.
    Two entries with one id are left out: the duplicated id is already an error.
    """
    from knowledge.normalize import TermFolder, fold_chars, normalize

    folder = TermFolder(synonyms)
    texts: list[str] = []
    originals: list[str] = []
    owners: list[int] = []
    live = [e for e in entries if e.enabled]
    for n, entry in enumerate(live):
        for text in (entry.question, *entry.alternates):
            texts.append(normalize(text, folder))
            originals.append(text)
            owners.append(n)
    search = similar_pairs(texts, threshold, owners)
    best: dict[tuple[int, int], SimilarPair] = {}
    for pair in search.pairs:
        key = (min(owners[pair.a], owners[pair.b]), max(owners[pair.a], owners[pair.b]))
        if key not in best or pair.score > best[key].score:
            best[key] = pair
    result = []
    for (x, y), pair in sorted(best.items()):
        if live[x].id == live[y].id:
            continue
        a, b = (pair.a, pair.b) if owners[pair.a] == x else (pair.b, pair.a)
        folded = texts[a] == texts[b] and fold_chars(originals[a]) != fold_chars(originals[b])
        result.append(NearDuplicate(live[x], live[y], originals[a], originals[b], pair.score, folded))
    return result, search.complete


def near_duplicate_warnings(
    entries: Sequence[FaqEntry], synonyms: Sequence[Sequence[str]] = ()
) -> list[str]:
    """Validation warnings for near-duplicate entries (summarised beyond a few hundred)."""
    pairs, complete = near_duplicates(entries, synonyms)
    warnings = [d.message() for d in pairs[:_MAX_REPORTED]]
    if len(pairs) > _MAX_REPORTED:
        warnings.append(f"似すぎた FAQ はほかにも {len(pairs) - _MAX_REPORTED} 組あります "
                        "(python -m knowledge lint で全件を表示)")
    if not complete:
        warnings.append("似た質問が非常に多いため、似すぎた FAQ の確認は途中で打ち切りました")
    return warnings


# ---------------------------------------------------------------- clustering


@dataclass(slots=True)
class Cluster:
    """Similar texts grouped under the most frequent one."""

    representative: str
    members: list[int]


def cluster_texts(keys: Sequence[str], threshold: float = 80.0) -> list[Cluster]:
    """Greedy clustering: the most frequent keys seed clusters, the rest join the closest seed.

    ``keys`` are normalised texts (one per item); returned members are item indexes.
    """
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        by_key[key].append(i)
    ordered = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    seeds: list[str] = []
    clusters: list[Cluster] = []
    for key in ordered:
        hit = process.extractOne(key, seeds, scorer=fuzz.ratio, score_cutoff=threshold)
        if hit is None:
            seeds.append(key)
            clusters.append(Cluster(key, list(by_key[key])))
        else:
            clusters[hit[2]].members.extend(by_key[key])
    clusters.sort(key=lambda c: -len(c.members))
    return clusters
