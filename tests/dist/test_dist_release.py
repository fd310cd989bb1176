"""`make release` (instructor/release.py): what ships derives from the folders, nothing
secret and no gradient oracle ships, and the release installs with only the students'
dependencies and grades as the repository does: stubs 0, the solution full marks,
numerical backwards no backward points."""

from __future__ import annotations

import re
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from hw3.registry import NAMES, OPS
from instructor import release, shipping

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"
NEEDED = ("starter/ops.py", "edugrad/tensor.py", "hw3/word2vec.py", "hw3/handin.py",
          "hw3/condor_dryrun.py", "hw3/sweep.py", "grader/cli.py", "grader/numerical.py",
          "grader/rubric/public", "grader/rubric/cases.npz", "grader/reference/short.json",
          "sandboxed/worker.py", "sandboxed/probe.py", "data/toy/corpus.txt",
          "condor/train.sub", "condor/train.sh", "condor/env.sh", "condor/sweep.sub",
          "condor/logs/.gitignore", "Makefile", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    folder, archive, files = release.build(dist)
    return folder, archive, files


# ---------------------------------------------------------------- what ships: the rule
def test_every_top_level_entry_ships_except_instructors_and_maintainers(built):
    _, _, files = built
    tops = {rel.split("/")[0] for rel in shipping.source_files(ROOT)}
    expected = {t for t in tops if t not in ("instructor", "tests", "bench")
                and not (t.startswith(".") and (ROOT / t).is_dir())}
    assert {rel.split("/")[0] for rel in files} == expected | {"README.md"}


def test_nothing_of_instructor_nor_any_secret_file_ships(built):
    folder, _, files = built
    assert not [f for f in files if f.startswith(("instructor/", "tests/", "bench/", ".ci/",
                                                   ".git/"))]
    assert "data/toy/classes.tsv" in files  # make test judges neighbours with it
    assert set(shipping.secret_files()).isdisjoint(files)
    assert release.check_paths(folder) == []


def test_nothing_ignored_by_git_ships(built):
    _, _, files = built
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")
                or f.split("/")[0] in ("dist", "build", "outputs", "grades", ".venv")]


def test_everything_a_student_needs_is_shipped(built):
    _, _, files = built
    missing = [n for n in NEEDED if not any(f == n or f.startswith(n + "/") for f in files)]
    assert not missing, missing


def test_prepared_corpora_ship_exactly_when_make_data_has_run(built):
    _, _, files = built
    shipped = {f for f in files if f.startswith("data/real/")}
    real = ROOT / "data" / "real"
    present = {p.relative_to(ROOT).as_posix() for p in real.rglob("*") if p.is_file()} \
        if real.is_dir() else set()
    assert shipped == present


def test_a_new_folder_ships_and_a_new_instructor_file_does_not(repo_copy, tmp_path):
    """The rule reads the layout: nothing to list when a folder is added."""
    (repo_copy / "notes").mkdir()
    (repo_copy / "notes" / "week1.md").write_text("read the handout\n")
    (repo_copy / "instructor" / "answers.md").write_text("sigmoid: s * (1 - s)\n")
    (repo_copy / "tests" / "extra.py").write_text("x = 1\n")
    _, _, files = release.build(tmp_path / "dist", root=repo_copy)
    assert "notes/week1.md" in files
    assert "instructor/answers.md" not in files and "tests/extra.py" not in files


def test_archive_holds_the_folder_under_one_top_directory(built):
    folder, archive, files = built
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert sorted(members) == [f"{release.NAME}/{f}" for f in files]
    for name in ("starter/ops.py", "Makefile"):
        assert members[f"{release.NAME}/{name}"] == (folder / name).read_bytes(), name


def test_student_makefile_keeps_student_targets_and_installs_test_extras(built):
    folder, _, _ = built
    text = (folder / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))
    assert {"help", "install", "test", "train", "submit", "condor-dryrun"} <= targets, targets
    assert not targets & {"release", "autograder", "grade", "check", "data", "bench",
                          "condor-grade"}, targets
    assert ".[test,plot]" in text and ".[dev]" not in text
    assert "instructor" not in text


def test_job_scripts_stay_executable(built):
    folder, _, _ = built
    assert (folder / "condor" / "train.sh").stat().st_mode & 0o111


def test_release_is_readable_by_others(built):
    folder, archive, _ = built
    assert folder.stat().st_mode & 0o777 == 0o755, oct(folder.stat().st_mode)
    assert archive.stat().st_mode & 0o777 == 0o644, oct(archive.stat().st_mode)


# ---------------------------------------------------------------- no gradient oracle
def test_release_holds_no_gradient_oracle_and_every_import_resolves(built):
    folder, _, _ = built
    assert release.check_static(folder) == []


def plant(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "fake-release"
    (folder / Path(name).parent).mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_detector_flags_the_solution_even_with_renamed_variables(tmp_path):
    text = SOLUTION.read_text().replace("grad_output", "upstream").replace("out", "s")
    found = shipping.find_oracles(plant(tmp_path, "hw3/helpers.py", text))
    assert any("hw3/helpers.py" in f and "sigmoid" in f for f in found), found


def test_detector_flags_a_backward_formula_inside_other_code(tmp_path):
    text = "def grad(up, y):\n    scale = 2\n    return [up * y * (1 - y)]\n"
    found = shipping.find_oracles(plant(tmp_path, "grader/x.py", text))
    assert any("sigmoid.backward" in f for f in found), found


def test_detector_flags_an_instructors_module_copied_or_renamed(tmp_path):
    cases = (ROOT / "instructor" / "cases.py").read_text()
    folder = plant(tmp_path, "grader/cases_copy.py", cases.replace("HIDDEN_PATH", "P"))
    found = shipping.find_oracles(folder)
    assert any("grader/cases_copy.py" in f and "instructor/cases.py" in f for f in found), found


def test_detector_flags_an_import_of_the_instructors_side(tmp_path):
    folder = plant(tmp_path, "hw3/cheat.py", "from instructor.solution import ops\n")
    (folder / "hw3" / "__init__.py").write_text("")
    found = shipping.unresolved_imports(folder)
    assert found == ["hw3/cheat.py:1: imports instructor.solution, which is not in the build"]


def test_detector_passes_code_that_is_not_the_solution(tmp_path):
    folder = tmp_path / "fake-release"
    shutil.copytree(ROOT / "edugrad", folder / "edugrad")
    shutil.copy(ROOT / "starter" / "ops.py", folder / "stubs.py")
    assert shipping.find_oracles(folder) == []


# ---------------------------------------------------------------- a written starter
def write_starter(repo: Path, ops: list[str]) -> None:
    """Put the solution's ``ops`` into the repository copy's starter (others stay stubs)."""
    stub = (repo / "starter" / "ops.py").read_text()
    solved = SOLUTION.read_text()
    for op in ops:
        start = solved.index(f"class {op}(")
        end = solved.find("@tensor_op", start)
        body = solved[start:end if end > 0 else None]
        s0 = stub.index(f"class {op}(")
        s1 = stub.find("@tensor_op", s0)
        stub = stub[:s0] + body + (stub[s1:] if s1 > 0 else "")
    if "import numpy as np" not in stub:
        stub = "import numpy as np\n" + stub
    (repo / "starter" / "ops.py").write_text(stub)


def test_release_refuses_a_written_starter_naming_the_written_ops(repo_copy, tmp_path):
    write_starter(repo_copy, ["sigmoid", "dot"])
    with pytest.raises(release.ReleaseError) as err:
        release.build(tmp_path / "dist", root=repo_copy)
    message = str(err.value)
    assert re.search(r"not the stub: sigmoid, dot are written \(", message), message
    assert "git checkout starter/ops.py" in message
    assert not (tmp_path / "dist" / release.NAME).exists()


def test_release_builds_from_the_stub(repo_copy, tmp_path):
    folder, _, _ = release.build(tmp_path / "dist", root=repo_copy)
    assert (folder / "starter" / "ops.py").read_bytes() == \
        (ROOT / "starter" / "ops.py").read_bytes()


# ---------------------------------------------------------------- installed and run
@pytest.fixture(scope="module")
def runs(built, tmp_path_factory):
    """The release unpacked from its archive, installed in a fresh venv that sees only
    the students' dependencies, and its `make test` run (all at once) on the stubs,
    the reference solution and one numerical-backward submission per kind."""
    _, archive, _ = built
    work = tmp_path_factory.mktemp("installed")
    release.unpack(archive, work / "unpacked")
    folder = work / "unpacked" / release.NAME
    logged = []
    problems, python = release.check_install(folder, work, logged.append)
    subs = work / "submissions"
    subs.mkdir()
    shutil.copy(SOLUTION, subs / "solution.py")
    for n, kind in enumerate(release.NUMERICAL):
        (subs / f"numerical_{n}.py").write_text(release.numerical_submission(kind))
    outputs = {}
    if python is not None and not problems:
        started = {"stubs": release.make_test(folder, python, work)}
        started["solution"] = release.make_test(folder, python, work, subs / "solution.py")
        for n, kind in enumerate(release.NUMERICAL):
            started[kind] = release.make_test(folder, python, work, subs / f"numerical_{n}.py")
        outputs = {name: release.finish(proc) for name, proc in started.items()}
    return problems, python, outputs, subs


def test_release_installs_and_imports_with_only_the_students_dependencies(runs):
    problems, python, _, _ = runs
    assert problems == [] and python is not None, problems


def test_make_test_in_the_release_scores_the_stubs_zero(runs):
    _, _, outputs, _ = runs
    code, out = outputs["stubs"]
    assert release.estimated(out) == (0, 60), out[-1500:]
    assert code != 0 and release.judge_stubs(code, out) == []


def test_make_test_in_the_release_gives_the_solution_full_marks(runs):
    _, _, outputs, _ = runs
    code, out = outputs["solution"]
    assert release.estimated(out) == (60, 60), out[-1500:]
    assert code == 0


@pytest.mark.parametrize("kind", list(release.NUMERICAL))
def test_make_test_in_the_release_gives_numerical_backwards_no_backward_points(runs, kind):
    _, _, outputs, _ = runs
    code, out = outputs[kind]
    cells = release.table_cells(out)
    for op in NAMES:
        assert cells[op]["backward"][0] == 0, (op, out[-2000:])
        assert cells[op]["forward"][0] == cells[op]["forward"][1], (op, out[-2000:])
        assert f"{op}.backward differentiates numerically" in out, out[-2000:]
    assert release.judge_numerical(kind, code, out) == []


@pytest.mark.parametrize("kind", ["central differences", "edugrad.gradcheck.numerical_vjp"])
def test_those_numerical_backwards_are_right_so_only_the_detection_takes_their_points(
        runs, kind):
    """Not a vacuous zero: these backwards give the exact gradients of the cases."""
    from grader.rubric.cases import load
    from hw3.ops_loader import load_ops

    _, _, _, subs = runs
    ops = load_ops(subs / f"numerical_{list(release.NUMERICAL).index(kind)}.py")
    from edugrad.tensor import Tensor

    for op in OPS:
        case = load().get(op.name, "exact")[0]
        inputs = [Tensor(x.copy()) for x in case.inputs]
        getattr(ops, op.name)(*inputs).backward(case.g)
        for tensor, want in zip(inputs, case.grads):
            np.testing.assert_allclose(tensor.grad, want, rtol=1e-5, atol=1e-7,
                                       err_msg=f"{kind}: {op.name}")
