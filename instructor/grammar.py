"""A small probabilistic grammar that writes the committed toy corpus (data/toy/).

Why a made-up corpus?  Every word belongs to a known class (animal, room, food,
colour, ...), and the grammar only lets words of one class appear in that class's
own frames: animals sleep on furniture in rooms, people travel to places by vehicle,
people cut food with tools, and so on.  Words of the same class therefore share
their contexts, words of different classes do not, and a trained word2vec model can
be scored objectively: the share of each word's nearest neighbours that belong to
its own class ("neighbour purity").

The grammar is a set of rewrite rules.  In a rule's right-hand side,

* an UPPERCASE token is a nonterminal, rewritten by one of its own rules,
* ``$name`` is a word drawn from the class ``name``,
* anything else is a literal function word (class ``function`` in classes.tsv).

Rules are picked with their weights; within a class, words are drawn with Zipf-like
probabilities (the first word listed is the most frequent), like real text.  All
randomness comes from one ``numpy.random.Generator`` seeded with ``--seed``, using
only ``Generator.random()`` so the output stays byte-identical across numpy versions.

Run ``python -m instructor.grammar --help`` for the command line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------- the lexicon
# Each class has at least 12 words, so that a word's 10 nearest neighbours can all
# come from its own class.  Order matters: earlier words are more frequent.
CLASSES: dict[str, tuple[str, ...]] = {
    "animal": (
        "cat", "dog", "horse", "cow", "sheep", "goat", "pig", "rabbit", "mouse", "fox",
        "wolf", "bear", "duck", "goose", "hen", "owl", "deer", "donkey", "lion", "tiger",
    ),
    "person": (
        "teacher", "doctor", "farmer", "baker", "nurse", "pilot", "student", "painter",
        "singer", "soldier", "sailor", "lawyer", "driver", "butcher", "hunter", "miner",
        "dentist", "tailor", "banker", "poet",
    ),
    "room": (
        "bedroom", "kitchen", "bathroom", "garage", "attic", "cellar", "hallway",
        "basement", "pantry", "closet", "nursery", "lounge", "parlour", "laundry",
    ),
    "place": (
        "park", "forest", "market", "village", "beach", "city", "harbour", "station",
        "museum", "hospital", "school", "church", "castle", "island", "mountain", "river",
    ),
    "furniture": (
        "table", "chair", "bed", "sofa", "shelf", "desk", "bench", "cupboard", "fence",
        "door", "cabinet", "stool",
    ),
    "food": (
        "bread", "cheese", "apple", "soup", "rice", "meat", "cake", "carrot", "potato",
        "banana", "pear", "egg", "butter", "honey", "tomato", "onion", "cherry", "pizza",
        "pasta", "grape",
    ),
    "tool": (
        "hammer", "knife", "saw", "brush", "shovel", "axe", "drill", "rake", "wrench",
        "pencil", "needle", "ladder", "rope", "scissors", "chisel",
    ),
    "vehicle": (
        "car", "bus", "train", "bicycle", "truck", "boat", "taxi", "tram", "van",
        "motorcycle", "ship", "tractor", "scooter",
    ),
    "colour": (
        "red", "blue", "green", "yellow", "black", "white", "brown", "orange", "purple",
        "pink", "grey", "golden",
    ),
    "month": (
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    ),
    "number": (
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "twenty", "thirty", "forty", "fifty", "hundred",
    ),
    "mood": (
        "hungry", "sleepy", "happy", "angry", "tired", "lazy", "brave", "clever", "quiet",
        "noisy", "friendly", "lonely",
    ),
    "taste": (
        "fresh", "sweet", "ripe", "salty", "sour", "spicy", "bitter", "crispy", "juicy",
        "stale", "tasty", "creamy",
    ),
    "animal_action": (
        "walking", "sleeping", "running", "hiding", "playing", "resting", "sniffing",
        "scratching", "yawning", "digging", "wandering", "napping",
    ),
    "person_action": (
        "working", "reading", "writing", "talking", "singing", "studying", "shopping",
        "dancing", "waiting", "laughing", "whistling", "praying",
    ),
    "food_verb": (
        "ate", "cooked", "bought", "sliced", "tasted", "peeled", "baked", "washed",
        "chopped", "boiled", "fried", "served",
    ),
    "tool_verb": (
        "fixed", "built", "repaired", "painted", "carved", "cleaned", "polished",
        "measured", "mended", "sanded", "moved", "scrubbed",
    ),
}

FUNCTION_CLASS = "function"

# --------------------------------------------------------------------------- the rules
# nonterminal -> [(weight, right-hand side), ...]
RULES: dict[str, list[tuple[float, str]]] = {
    "S": [
        (4, "ANIMAL_CLAUSE"),
        (4, "PERSON_CLAUSE"),
        (3, "FOOD_CLAUSE"),
        (3, "TOOL_CLAUSE"),
        (3, "TRAVEL_CLAUSE"),
        (2, "NUMBER_CLAUSE"),
        (1, "ANIMAL_CLAUSE and ANIMAL_CLAUSE"),
        (1, "PERSON_CLAUSE and then FOOD_CLAUSE"),
    ],
    # animals: moods, actions, furniture, rooms
    "ANIMAL_NP": [(3, "DET $animal"), (2, "DET $mood $animal")],
    "ANIMAL_CLAUSE": [
        (4, "ANIMAL_NP AUX $animal_action in DET $room"),
        (3, "ANIMAL_NP AUX $animal_action on DET $furniture in DET $room"),
        (2, "ANIMAL_NP AUX $animal_action under DET $furniture"),
        (1, "ANIMAL_NP AUX $animal_action in DET $room WHEN"),
        (1, "ANIMAL_NP seems $mood today"),
    ],
    # people: moods, actions, places
    "PERSON_NP": [(3, "DET $person"), (1, "DET $mood $person")],
    "PERSON_CLAUSE": [
        (4, "PERSON_NP AUX $person_action at DET $place"),
        (2, "PERSON_NP AUX $person_action near DET $place WHEN"),
        (1, "PERSON_NP likes $person_action at DET $place"),
        (1, "PERSON_NP went to DET $place to meet DET $person"),
    ],
    # food: tastes, food verbs, rooms where it is cooked
    "FOOD_NP": [(2, "DET $food"), (2, "DET $taste $food"), (1, "some $food")],
    "FOOD_CLAUSE": [
        (4, "DET $person $food_verb FOOD_NP"),
        (2, "DET $person $food_verb FOOD_NP in DET $room"),
        (1, "DET $food tastes $taste"),
        (1, "DET $food was very $taste"),
        (1, "DET $person $food_verb FOOD_NP with DET $tool"),
        (1, "ANIMAL_NP ate FOOD_NP"),
    ],
    # tools: colours, tool verbs, furniture
    "TOOL_NP": [(2, "DET $tool"), (1, "DET $colour $tool")],
    "FURNITURE_NP": [(2, "DET $furniture"), (1, "DET $colour $furniture")],
    "TOOL_CLAUSE": [
        (4, "DET $person $tool_verb FURNITURE_NP with TOOL_NP"),
        (2, "DET $person $tool_verb FURNITURE_NP"),
        (1, "DET $person borrowed TOOL_NP from DET $person"),
        (1, "DET $person painted FURNITURE_NP $colour"),
    ],
    # vehicles: colours, places, months
    "VEHICLE_NP": [(2, "DET $vehicle"), (1, "DET $colour $vehicle")],
    "TRAVEL_CLAUSE": [
        (3, "DET $person travelled to DET $place by $vehicle"),
        (2, "VEHICLE_NP stopped at DET $place"),
        (1, "DET $person drove VEHICLE_NP to DET $place in $month"),
        (1, "VEHICLE_NP left DET $place in $month"),
    ],
    # numbers and months
    "NUMBER_CLAUSE": [
        (2, "DET $animal is $number years old"),
        (2, "DET $person waited $number minutes"),
        (1, "DET $person bought $number kilos of $food"),
        (1, "ANIMAL_NP slept for $number hours"),
    ],
    "WHEN": [(3, "in $month"), (1, "every $month")],
    "DET": [(3, "the"), (1, "a"), (1, "this")],
    "AUX": [(3, "is"), (2, "was")],
}

ZIPF_EXPONENT = 0.9  # class-internal frequencies fall off like 1 / rank ** ZIPF_EXPONENT
DEFAULT_SEED = 0
DEFAULT_SENTENCES = 30_000


class GrammarError(ValueError):
    """The grammar tables above are inconsistent (a maintainer's bug)."""


def _compile(rules: dict[str, list[tuple[float, str]]], classes: dict[str, Sequence[str]]):
    """Check the rules and precompute cumulative probabilities for fast sampling."""
    compiled = {}
    for lhs, alternatives in rules.items():
        weights = np.array([w for w, _ in alternatives], dtype=np.float64)
        if len(alternatives) == 0 or (weights <= 0).any():
            raise GrammarError(f"rule {lhs!r} needs alternatives with positive weights")
        bodies = []
        for _, rhs in alternatives:
            body = rhs.split()
            for tok in body:
                if tok.startswith("$") and tok[1:] not in classes:
                    raise GrammarError(f"rule {lhs!r} uses unknown class {tok!r}")
                if tok.isupper() and tok not in rules:
                    raise GrammarError(f"rule {lhs!r} uses undefined nonterminal {tok!r}")
            bodies.append(body)
        compiled[lhs] = (np.cumsum(weights / weights.sum()), bodies)
    return compiled


def _zipf_cumulative(n: int) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** ZIPF_EXPONENT
    return np.cumsum(p / p.sum())


def _pick(cumulative: np.ndarray, u: float) -> int:
    # min() guards against the last cumulative value rounding to just below 1.0
    return min(int(np.searchsorted(cumulative, u, side="right")), len(cumulative) - 1)


def generate(n_sentences: int, seed: int = DEFAULT_SEED) -> list[list[str]]:
    """``n_sentences`` sentences (lists of lowercase tokens) from the grammar."""
    if n_sentences < 1:
        raise ValueError(f"n_sentences must be at least 1, got {n_sentences}")
    rng = np.random.default_rng(seed)
    rules = _compile(RULES, CLASSES)
    zipf = {name: _zipf_cumulative(len(words)) for name, words in CLASSES.items()}

    def expand(symbol: str, out: list[str]) -> None:
        cumulative, bodies = rules[symbol]
        for tok in bodies[_pick(cumulative, rng.random())]:
            if tok.isupper():
                expand(tok, out)
            elif tok.startswith("$"):
                words = CLASSES[tok[1:]]
                out.append(words[_pick(zipf[tok[1:]], rng.random())])
            else:
                out.append(tok)

    sentences = []
    for _ in range(n_sentences):
        sentence: list[str] = []
        expand("S", sentence)
        sentences.append(sentence)
    return sentences


def word_classes() -> dict[str, str]:
    """Every word the grammar can produce -> its class (literals -> ``function``)."""
    classes: dict[str, str] = {}
    for name, words in CLASSES.items():
        for w in words:
            if w in classes:
                raise GrammarError(f"word {w!r} is in two classes: {classes[w]} and {name}")
            classes[w] = name
    for alternatives in RULES.values():
        for _, rhs in alternatives:
            for tok in rhs.split():
                if not tok.isupper() and not tok.startswith("$"):
                    if classes.get(tok, FUNCTION_CLASS) != FUNCTION_CLASS:
                        continue  # a content word used literally (e.g. "kitchen") keeps its class
                    classes[tok] = FUNCTION_CLASS
    return classes


def corpus_text(sentences: list[list[str]]) -> str:
    return "".join(" ".join(s) + "\n" for s in sentences)


def classes_text(classes: dict[str, str]) -> str:
    """``word<TAB>class`` lines: content classes in table order, then function words."""
    content = [(w, c) for w, c in classes.items() if c != FUNCTION_CLASS]
    content.sort(key=lambda wc: list(CLASSES).index(wc[1]))  # stable: keeps frequency order
    function = sorted((w, c) for w, c in classes.items() if c == FUNCTION_CLASS)
    return "".join(f"{w}\t{c}\n" for w, c in content + function)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder + os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; these are ordinary data files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_toy_corpus(out: Path, seed: int = DEFAULT_SEED, n_sentences: int = DEFAULT_SENTENCES):
    """Write ``out/corpus.txt`` and ``out/classes.tsv``; return their sha256 digests."""
    out = Path(out)
    corpus = corpus_text(generate(n_sentences, seed))
    classes = classes_text(word_classes())
    write_atomic(out / "classes.tsv", classes)
    write_atomic(out / "corpus.txt", corpus)
    return {
        name: hashlib.sha256(text.encode("utf-8")).hexdigest()
        for name, text in (("corpus.txt", corpus), ("classes.tsv", classes))
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor.grammar",
        description="Generate the toy corpus (corpus.txt) and the gold word classes "
        "(classes.tsv) from a probabilistic grammar over word classes.",
        epilog="The committed data/toy/ was made with: "
        f"python -m instructor.grammar --out data/toy --seed {DEFAULT_SEED} "
        f"--sentences {DEFAULT_SENTENCES}",
    )
    parser.add_argument("--out", required=True, type=Path,
                        help="folder to write corpus.txt and classes.tsv into (created if missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES,
                        help=f"number of sentences (default {DEFAULT_SENTENCES})")
    args = parser.parse_args(argv)
    if args.sentences < 1:
        parser.error(f"--sentences must be a positive whole number, got {args.sentences}.")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder. Pass a folder path "
                     "(it is created if missing).")
    try:
        digests = write_toy_corpus(args.out, args.seed, args.sentences)
    except OSError as e:
        print(f"error: could not write into {args.out}: {e}. Check that the folder is "
              "writable and the disk is not full.", file=sys.stderr)
        return 2
    for name, digest in digests.items():
        print(f"{digest}  {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
