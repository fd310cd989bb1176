"""The students' dependencies and the exact versions of them installed here.

``make autograder`` writes them as a lock file (``lock_text``) that Gradescope's
setup.sh installs with ``pip install -r``, so hypothesis, numpy and pytest grade on
Gradescope exactly as they did where the bundle was built and tested.  ``make
release`` lends the same set, and nothing else, to the fresh venv in which it checks
the release (``borrow``), proving students need nothing more.

The set is the project's own requirements (``pyproject.toml``: ``dependencies`` and
the ``test`` extra) and, transitively, theirs, read from the installed packages'
metadata (``importlib.metadata``).  A dependency that only another supported Python
needs (``exceptiongroup; python_version < "3.11"``) keeps its marker; when it is not
installed here it cannot have been tested, so its line has no ``==`` and pip picks.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("test",)                                # what `make test` needs beyond the core
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")      # the Pythons the project supports
MINIMUM = SUPPORTED[0]


class PinError(Exception):
    """A requirement is not installed here, so its version cannot be pinned."""


@dataclass
class Pin:
    name: str
    version: str | None                  # installed here (None: only another Python needs it)
    requirement: str                     # as first required, for an unpinned line
    pythons: set[str] = field(default_factory=set)   # the supported Pythons that need it
    dist: metadata.Distribution | None = None

    def line(self) -> str:
        spec = f"{self.name}=={self.version}" if self.version else self.requirement
        if self.pythons >= set(SUPPORTED):
            return spec
        return spec + "; " + " or ".join(f'python_version == "{v}"' for v in sorted(self.pythons))

    @property
    def requires_python(self) -> str:
        return (self.dist.metadata.get("Requires-Python") or "") if self.dist else ""


def project_requirements(root: Path = ROOT, extras=EXTRAS) -> list[str]:
    """The requirement strings of pyproject.toml's dependencies and ``extras``."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the installed project's metadata says the same
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
        name = re.search(r'(?m)^name\s*=\s*"([^"]+)"', text).group(1)
        found = []
        for req in metadata.requires(name) or []:
            marker = Requirement(req).marker
            if marker is None:
                found.append(req)
            elif "extra" in str(marker) and any(marker.evaluate(_env(v, e))
                                                for e in extras for v in SUPPORTED):
                found.append(req.split(";")[0].strip())
        return found
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    return list(project.get("dependencies", [])) + [r for e in extras for r in optional.get(e, [])]


def _installed() -> dict[str, metadata.Distribution]:
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            found.setdefault(canonicalize_name(name), dist)
    return found


def _env(version: str, extra: str = "") -> dict:
    env = default_environment()
    env.update(python_version=version, python_full_version=f"{version}.0",
               sys_platform="linux", platform_system="Linux", os_name="posix",
               implementation_name="cpython", platform_python_implementation="CPython",
               extra=extra)
    return env


def closure(requirements: list[str]) -> list[Pin]:
    """Every package ``requirements`` need on a supported Python on Linux, transitively,
    with the version installed here; sorted by name."""
    installed = _installed()
    pins: dict[str, Pin] = {}
    todo = [(Requirement(r), set(SUPPORTED), ()) for r in requirements]
    while todo:
        req, pythons, extras = todo.pop(0)
        if req.marker is not None:
            pythons = {v for v in pythons if any(req.marker.evaluate(_env(v, e))
                                                 for e in (*extras, ""))}
        if not pythons:
            continue
        key = canonicalize_name(req.name)
        pin = pins.get(key)
        if pin is not None and pythons <= pin.pythons:
            continue
        dist = installed.get(key)
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if dist is None and here in pythons:
            raise PinError(
                f"{req.name} is required ({req}) but not installed in this environment "
                f"({sys.prefix}), so the version to pin is unknown. Run `make install` "
                "(or pip install the project with its test extra) and build again.")
        text = str(req).split(";")[0].strip()
        if pin is None:
            pin = pins[key] = Pin(dist.metadata["Name"] if dist else req.name,
                                  dist.version if dist else None, text, set(), dist)
        pin.pythons |= pythons
        if dist is not None:
            wanted = tuple(req.extras)
            for sub in dist.requires or []:
                todo.append((Requirement(sub), set(pythons), wanted))
    return sorted(pins.values(), key=lambda p: canonicalize_name(p.name))


def pins(root: Path = ROOT) -> list[Pin]:
    """The students' dependencies, pinned (see the module docstring)."""
    return closure(project_requirements(root))


def min_python(found: list[Pin]) -> str:
    """The oldest supported Python on which every pinned version installs."""
    for version in SUPPORTED:
        if all(not p.version or not p.requires_python
               or SpecifierSet(p.requires_python).contains(f"{version}.0") for p in found):
            return version
    raise PinError("no supported Python (" + ", ".join(SUPPORTED) + ") can install every "
                   "pinned version: " + ", ".join(f"{p.name} {p.version} needs Python "
                                                  f"{p.requires_python}" for p in found
                                                  if p.requires_python))


def lock_text(found: list[Pin]) -> str:
    """The lock file: a comment saying where it comes from, then one line per package."""
    pinned = [p for p in found if p.version]
    needs = min_python(found)
    why = [f"{p.name} {p.version} needs {p.requires_python}" for p in pinned
           if p.requires_python and not SpecifierSet(p.requires_python).contains(f"{MINIMUM}.0")]
    head = [
        "# The exact versions the grader was tested with, written by `make autograder` from",
        f"# the environment that built this bundle (Python {platform.python_version()}, "
        f"{sys.platform} {platform.machine()}):",
        "# the students' dependencies (pyproject.toml: dependencies and the test extra) and",
        "# everything they need.  setup.sh installs them with `pip install -r`, then the",
        "# grader itself with --no-deps.  A line with a marker is needed only on another",
        "# Python; one without `==` was not installed here, so pip picks its version.",
        f"# requires-python: >={needs}" + (f"  ({'; '.join(why)})" if why else ""),
    ]
    return "\n".join(head + [p.line() for p in found]) + "\n"


def borrow(found: list[Pin], into: Path) -> list[str]:
    """Link the installed files of ``found`` (packages, modules, their .dist-info) into
    the folder ``into``; return the names linked.  A venv whose site-packages lists
    ``into`` in a .pth file sees those packages and no others of this environment."""
    into.mkdir(parents=True, exist_ok=True)
    linked = []
    for pin in found:
        if pin.dist is None:
            continue
        files = pin.dist.files
        if not files:
            raise PinError(f"{pin.name} {pin.version} lists no files (no RECORD), so it "
                           "cannot be lent to a fresh venv; reinstall it with pip.")
        tops = sorted({f.parts[0] for f in files if f.parts and f.parts[0] != ".."})
        for top in tops:
            source = Path(pin.dist.locate_file(top))
            target = into / top
            if source.exists() and not os.path.lexists(target):
                target.symlink_to(source)
                linked.append(top)
    return linked
