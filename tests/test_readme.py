"""The README's quick start stays true: CI runs its test command, the demo runs."""

import re
from pathlib import Path

from skdeep.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_exactly_two_commands_demo_then_tests():
    install_and_demo, install_and_test = quick_start_commands()
    assert install_and_demo.endswith("python -m skdeep")
    assert "[test]" in install_and_test and "pytest" in install_and_test


def _ci_commands():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return [line.strip().removeprefix("( ").removesuffix(" )") for line in lines]


def test_ci_runs_the_readme_test_command_verbatim():
    assert quick_start_commands()[1] in _ci_commands()


def test_ci_builds_the_docs_with_the_readme_command():
    section = (ROOT / "README.md").read_text().split("## Documentation", 1)[1]
    command = re.search(r"```bash\n(.*?)\n```", section, re.S).group(1).strip()
    assert "sphinx -W" in command
    assert command in _ci_commands()


def test_demo_prints_both_cross_validated_scores_and_the_layer_table(capsys):
    main(["--max-iter", "3"])
    out = capsys.readouterr().out
    assert re.search(r"^Iteration 1, loss = \d+\.\d{8}, lr = ", out, re.M)  # the first epoch's line
    assert re.search(r"DeepNetClassifier\s+0\.\d{4} \+/- ", out)
    assert re.search(r"MLPClassifier\s+0\.\d{4} \+/- ", out)
    assert "(100, 64)" in out and "(64, 100)" in out  # W[1] in both notations
    assert "7,510" in out  # 64*100 + 100 + 100*10 + 10 parameters
