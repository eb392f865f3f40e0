"""Every script in examples/ runs to the end, so none rots."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
# Examples that need an optional extra, with a module of that extra.
NEEDS = {"dask_grid_search.py": ("distributed", "dask"), "onnx_export.py": ("onnxruntime", "onnx")}


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script, capsys):
    if script.name in NEEDS:
        module, extra = NEEDS[script.name]
        pytest.importorskip(module, reason=f'{script.name} needs the {extra} extra: pip install ".[{extra}]"')
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out  # every example reports what it found
    if script.name.startswith("plot_"):
        import matplotlib.pyplot as plt

        assert plt.get_fignums(), "a plot_ example must draw a figure"
        plt.close("all")
