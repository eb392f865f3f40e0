"""The README's quick start stays true: CI runs its test command, the demo runs."""

import re
from pathlib import Path

import numpy as np

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


def test_demo_prints_compact_progress_both_scores_the_parity_verdict_and_the_layer_table(capsys):
    main(["--max-iter", "3", "--repeats", "2"])
    out = capsys.readouterr().out
    # Progress: the first epoch and the last (epoch 3 is not a multiple of 25), then why it stopped.
    assert re.findall(r"^  epoch +(\d+)  loss \d+\.\d{4}$", out, re.M) == ["1", "3"]
    assert "stopped after 3 epochs" in out and "max_iter=3 reached" in out
    assert "Iteration" not in out  # no per-epoch verbose lines
    ours = re.search(r"DeepNetClassifier\s+(0\.\d{4}) \+/- (0\.\d{4})\s+\d+\.\d s$", out, re.M)
    theirs = re.search(r"MLPClassifier\s+(0\.\d{4}) \+/- (0\.\d{4})\s+\d+\.\d s$", out, re.M)
    assert ours and theirs and "best of 2 runs" in out
    # Same random_state, same weights and batches: the same scores, and the demo says why.
    assert ours.groups() == theirs.groups()
    assert re.search(r"Identical scores, as designed: .* (faster|slower)\.", out, re.S)
    assert "(100, 64)" in out and "(64, 100)" in out  # W[1] in both notations
    assert "7,510" in out  # 64*100 + 100 + 100*10 + 10 parameters


def test_demo_says_so_when_the_scores_differ_and_which_way_the_speed_goes():
    from skdeep.__main__ import _parity_sentence

    same = _parity_sentence(np.array([0.9, 1.0]), np.array([0.9, 1.0]), 1.0, 2.0)
    assert same.startswith("Identical scores, as designed") and "2.0x faster" in same
    differ = _parity_sentence(np.array([0.9, 1.0]), np.array([1.0, 1.0]), 3.0, 1.0)
    assert "differ (0.9500 against 1.0000)" in differ and "3.0x slower" in differ


def test_demo_warns_that_its_timings_are_unreliable_only_when_every_core_was_busy():
    from skdeep.__main__ import _busy_note

    assert "load average was 2.6 on 2 cores" in _busy_note(2.6, 2)
    assert _busy_note(1.2, 2) is None
    assert _busy_note(None, 2) is None  # no load average on this system: nothing to say

