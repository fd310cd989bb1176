"""The code in edugrad/README.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "edugrad" / "README.md"


def test_readme_op_and_gradcheck_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    runnable = [b for b in blocks if "tensor_op" in b or "gradcheck(" in b]
    assert len(runnable) == 2, f"expected the op and gradcheck examples, found {len(runnable)}"
    namespace: dict = {}
    for block in runnable:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert namespace["report"].ok, str(namespace["report"])
