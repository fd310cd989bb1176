"""``make data``: prepare real text and word-similarity sets into data/real/.

Nothing is downloaded: everything comes from files that the ``gensim`` package ships
in ``gensim/test/test_data`` (install it with ``make install-dev`` or
``pip install -e '.[dev]'``).  Outputs, relative to ``--out`` (default: the repository's
``data/real``):

* ``enwiki/corpus.txt``  - gensim's shortened English Wikipedia dump, extracted with
  ``gensim.corpora.WikiCorpus``: one article per line, lowercase alphabetic tokens,
  not stemmed.
* ``head500/corpus.txt`` - gensim's ``head500.noblanks.cor`` (Porter-stemmed
  Wikipedia text), with CRLF line ends turned into LF.
* ``similarity/wordsim353.tsv`` and ``similarity/simlex999.txt`` - copied byte for byte.
* ``MANIFEST.sha256`` - the checksums, in ``sha256sum`` format (``cd data/real &&
  sha256sum -c MANIFEST.sha256``).

Re-running is cheap: a file that is present and matches its checksum is kept; a
missing or damaged one is rebuilt.  Every file is written to a temporary name in
its own folder first and then renamed, so an interrupted run never leaves a
half-written file behind.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hw3.atomic import replacing, write_text

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "real"
MANIFEST = "MANIFEST.sha256"

ENWIKI_SOURCE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
HEAD500_SOURCE = "head500.noblanks.cor"
WORDSIM_SOURCE = "wordsim353.tsv"
SIMLEX_SOURCE = "simlex999.txt"

# Checksums of the outputs made with gensim 4.4.0 (see data/README.md).  A different
# gensim version may tokenise the dump differently; that only earns a warning.
REFERENCE_SHA256 = {
    "enwiki/corpus.txt": "2fe1e3c365ab8a91a9ec31cb1858f01fb042d43930a89cd981820fb0d4b711f7",
    "head500/corpus.txt": "349576477a9879a887757a2c395efe67bf4d1f79978b2775e7548c2fee5295bf",
    "similarity/wordsim353.tsv": "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
    "similarity/simlex999.txt": "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
}

GENSIM_MISSING = (
    "make data needs the gensim package, which ships the Wikipedia text and the "
    "WordSim353/SimLex-999 files this step prepares (nothing is downloaded). Install the "
    "maintainer extras with `make install-dev` (or `pip install -e '.[dev]'`; the students' "
    "`make install` leaves gensim out), then run `make data` again."
)


class DataError(Exception):
    """A problem the user can fix; the message is one friendly paragraph."""


@dataclass(frozen=True)
class Target:
    relpath: str
    source: str
    build: Callable[[Path, Path, int], None]  # (source file, temp output file, processes)
    is_corpus: bool


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_lines(dest: Path, lines: Iterable[str]) -> None:
    with open(dest, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def build_enwiki(source: Path, dest: Path, processes: int) -> None:
    """One Wikipedia article per line, lowercase tokens (gensim's WikiCorpus defaults:
    alphabetic tokens of 2-15 characters, articles of at least 50 tokens)."""
    from gensim.corpora import WikiCorpus

    # dictionary={} stops WikiCorpus from scanning the whole dump to build a vocabulary.
    wiki = WikiCorpus(str(source), processes=processes, dictionary={})
    _write_lines(dest, (" ".join(tokens) for tokens in wiki.get_texts() if tokens))


def build_head500(source: Path, dest: Path, processes: int) -> None:
    """The stemmed corpus with CRLF -> LF, runs of whitespace collapsed, blank lines dropped."""
    with open(source, encoding="utf-8") as f:
        _write_lines(dest, (" ".join(line.split()) for line in f if line.strip()))


def copy_file(source: Path, dest: Path, processes: int) -> None:
    shutil.copyfile(source, dest)


TARGETS = (
    Target("enwiki/corpus.txt", ENWIKI_SOURCE, build_enwiki, True),
    Target("head500/corpus.txt", HEAD500_SOURCE, build_head500, True),
    Target("similarity/wordsim353.tsv", WORDSIM_SOURCE, copy_file, False),
    Target("similarity/simlex999.txt", SIMLEX_SOURCE, copy_file, False),
)


def gensim_datapath(name: str) -> Path:
    """The path of a file shipped in gensim's test data; DataError if gensim is missing."""
    try:
        from gensim.test.utils import datapath
    except ImportError as e:
        raise DataError(GENSIM_MISSING) from e
    path = Path(datapath(name))
    if not path.is_file():
        raise DataError(
            f"gensim is installed but its test data file {name} is missing (looked for "
            f"{path}). Reinstall gensim from a regular wheel (`pip install --force-reinstall "
            f"gensim`) and run `make data` again."
        )
    return path


def read_manifest(path: Path) -> dict[str, str]:
    """relpath -> sha256 from a sha256sum-format file; {} when missing or unreadable."""
    entries: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return entries
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if sep and len(digest) == 64:
            entries[name.lstrip("*")] = digest
    return entries


def write_manifest(path: Path, entries: dict[str, str]) -> None:
    write_text(path, "".join(f"{entries[name]}  {name}\n" for name in sorted(entries)))


def corpus_stats(path: Path) -> tuple[int, int, int, int]:
    """(lines, tokens, types, types seen at least 5 times)."""
    counts: Counter[str] = Counter()
    lines = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            lines += 1
            counts.update(line.split())
    return lines, sum(counts.values()), len(counts), sum(1 for c in counts.values() if c >= 5)


def prepare(out: Path, processes: int, force: bool = False, log=print) -> dict[str, str]:
    """Build or verify every target under ``out``; return relpath -> sha256."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create the output folder {out}: {e}. Pick a writable "
                        "folder with --out.") from e
    manifest = {} if force else read_manifest(out / MANIFEST)
    result: dict[str, str] = {}
    for target in TARGETS:
        dest = out / target.relpath
        known = {manifest.get(target.relpath), REFERENCE_SHA256.get(target.relpath)} - {None, ""}
        if not force and dest.is_file():
            digest = sha256_file(dest)
            if digest in known:
                log(f"  ok       {target.relpath} (present, checksum verified)")
                result[target.relpath] = digest
                continue
            log(f"  rebuild  {target.relpath} (checksum does not match the manifest)")
        source = gensim_datapath(target.source)
        started = time.perf_counter()
        with replacing(dest) as tmp:
            target.build(source, Path(tmp), processes)
        digest = sha256_file(dest)
        result[target.relpath] = digest
        log(f"  wrote    {target.relpath} from gensim's {target.source} "
            f"({time.perf_counter() - started:.1f} s)")
        reference = REFERENCE_SHA256.get(target.relpath)
        if reference and digest != reference:
            log(f"  note     {target.relpath} differs from the reference made with gensim "
                "4.4.0 (another gensim version?); counts and scores may differ slightly "
                "from data/README.md.")
        # keep the manifest current after each file, so an interrupted run resumes
        write_manifest(out / MANIFEST, {**manifest, **result})
    write_manifest(out / MANIFEST, result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hw3.prepare_data",
        description="Prepare real corpora and word-similarity sets from files shipped with "
        "gensim (no network). Idempotent: present files with a matching checksum are kept.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: data/real in this repository)")
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes for the Wikipedia extraction (default: "
                        "min(2, CPU cores))")
    parser.add_argument("--force", action="store_true",
                        help="rebuild every file even when it is present and verified")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error(f"--processes must be at least 1, got {args.processes}.")
    started = time.perf_counter()
    print(f"make data: preparing {args.out}")
    try:
        prepare(args.out, args.processes, args.force)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: could not write under {args.out}: {e}. Check that the folder is "
              "writable and the disk is not full, then run `make data` again.", file=sys.stderr)
        return 2
    for target in TARGETS:
        if target.is_corpus:
            lines, tokens, types, types5 = corpus_stats(args.out / target.relpath)
            print(f"  {target.relpath}: {lines:,} lines, {tokens:,} tokens, {types:,} types "
                  f"({types5:,} seen >= 5 times)")
    print(f"done in {time.perf_counter() - started:.1f} s; checksums in "
          f"{args.out / MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
