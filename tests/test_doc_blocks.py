"""Every code block in README.md and docs/*.rst runs as written, alone.

A newcomer copies one block into a fresh interpreter, so each Python block runs
by itself in a fresh namespace, in a temporary directory (blocks write files):
a block that needs data or imports has them itself. The Python blocks are the
fenced ```python blocks of README.md, and in docs/*.rst the
``.. code-block:: python`` directives, the ``::`` literal blocks (Python, as
Sphinx highlights them; give a block of anything else an explicit
``.. code-block:: text``) and ``>>>`` doctest blocks, which run as doctests.

A block that imports an optional package is skipped, with the install line in
the reason, when that package is absent (as in CI's run on the oldest
versions), and the page must show that install line in a shell block before
the first block that needs it. Shell blocks cannot run here (they install
packages), so they are checked statically: the extras they install exist, and
the scripts they run are in the repository.
"""

import ast
import doctest
import re
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.rst"))]

# Blocks that cannot run in the test suite, reviewed: (file, a substring of the block
# that identifies it) -> why. Keep this short: make a block self-contained and quick
# rather than list it here. Blocks that need an optional package need no entry
# (see OPTIONAL).
CANNOT_RUN = {}

# What a block's imports need beyond the core install: an imported module or
# name -> (the module that must import, how to get it). A hint that is a pip
# command must appear in a shell block on the page before the block.
OPTIONAL = {
    "pandas": ("pandas", 'pip install ".[tabular]"'),
    "onnx": ("onnx", 'pip install ".[onnx]"'),
    "onnxruntime": ("onnxruntime", 'pip install ".[onnx]"'),
    "skl2onnx": ("skl2onnx", 'pip install ".[onnx]"'),
    "skdeep.to_onnx": ("skl2onnx", 'pip install ".[onnx]"'),
    "skdeep.register_onnx_converters": ("skl2onnx", 'pip install ".[onnx]"'),
    "skops": ("skops", 'pip install ".[skops]"'),
    "dask": ("dask", 'pip install ".[dask]"'),
    "distributed": ("distributed", 'pip install ".[dask]"'),
    "dask_ml": ("dask_ml", 'pip install ".[dask]"'),
    "matplotlib": ("matplotlib", 'pip install ".[plot]"'),
    "skdeep.HistoryDisplay": ("matplotlib", 'pip install ".[plot]"'),
    "sklearn.callback": ("sklearn.callback", "scikit-learn >= 1.9"),
    # scikit-learn's ProgressBar draws with rich, which no extra installs.
    "sklearn.callback.ProgressBar": ("rich", "pip install rich"),
}

# Blocks that take more than a few seconds, marked slow: (file, block substring) -> why.
SLOW = {
    ("docs/dask.rst", "LocalCluster("): "starts a cluster of two worker processes",
}

# What a block must print, beyond running: (file, block substring) -> a regular expression.
PRINTS = {
    ("README.md", "print(search.best_params_"): r"\{'deepnetclassifier__\w+': ",  # the search's best params
}


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # the 1-based line of the fence or directive
    language: str
    code: str
    first_code_line: int  # the 1-based line of the code's first line

    @property
    def id(self):
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def file(self):
        return self.path.relative_to(ROOT).as_posix()


def _markdown_blocks(path, text):
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^```(\w*)\s*$", lines[index])
        if not opening:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        code = "\n".join(lines[index + 1:end]) + "\n"
        yield Block(path, index + 1, opening.group(1) or "text", code, index + 2)
        index = end + 1


def _indent(line):
    return len(line) - len(line.lstrip())


def _indented_body(lines, start, indent):
    """The lines from ``start`` indented deeper than ``indent``, blank lines around dropped."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    body = lines[start:end]
    while body and not body[-1].strip():
        body.pop()
    leading = 0
    while leading < len(body) and not body[leading].strip():
        leading += 1
    return start + leading, textwrap.dedent("\n".join(body[leading:])) + "\n", end


def rst_blocks(path, text):
    """Code blocks of a reStructuredText page: directives, ``::`` literal blocks, doctest blocks."""
    lines = text.splitlines()
    default_language = "python"  # Sphinx's default highlighting, changed by ``.. highlight::``
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        directive = re.match(r"^\s*\.\. (code-block|code|sourcecode|highlight)::\s*(\S*)", line)
        if directive and directive.group(1) == "highlight":
            default_language = directive.group(2)
        elif directive:
            start = index + 1
            while start < len(lines) and re.match(r"^\s+:[\w-]+:", lines[start]):  # options
                start += 1
            first, code, end = _indented_body(lines, start, _indent(line))
            yield Block(path, index + 1, directive.group(2) or default_language, code, first + 1)
            index = end
            continue
        elif stripped.endswith("::") and not stripped.startswith(".. "):
            first, code, end = _indented_body(lines, index + 1, _indent(line))
            if code.strip():
                yield Block(path, index + 1, default_language, code, first + 1)
                index = end
                continue
        elif stripped.startswith(">>>") and (index == 0 or not lines[index - 1].strip()):
            end = index
            while end < len(lines) and lines[end].strip():
                end += 1
            code = textwrap.dedent("\n".join(lines[index:end])) + "\n"
            yield Block(path, index + 1, "pycon", code, index + 1)
            index = end
            continue
        index += 1


def collect(paths=DOC_FILES):
    blocks = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        blocks.extend(_markdown_blocks(path, text) if path.suffix == ".md" else rst_blocks(path, text))
    return blocks


BLOCKS = collect()
PYTHON = [block for block in BLOCKS if block.language in ("python", "python3", "py", "pycon")]
SHELL = [block for block in BLOCKS if block.language in ("bash", "sh", "shell", "console")]


def _matches(key, block):
    file, substring = key
    return block.file == file and substring in block.code


def _imported_names(code):
    """Every module and ``module.name`` a block imports."""
    source = code if not code.lstrip().startswith(">>>") else "\n".join(
        example.source for example in doctest.DocTestParser().get_examples(code))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                yield from (".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            yield from (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def requirements(block):
    """(module, install hint) for each optional package the block's imports need."""
    return sorted({OPTIONAL[name] for name in _imported_names(block.code) if name in OPTIONAL})


def _run(block):
    if block.language == "pycon":
        parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        test = parser.get_doctest(block.code, {"__name__": "__main__"}, block.id, str(block.path),
                                  block.first_code_line - 1)
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0, f"{block.id}: a doctest example failed"
    else:
        # Padded so that a traceback names the line in the page.
        source = "\n" * (block.first_code_line - 1) + block.code
        exec(compile(source, str(block.path), "exec"), {"__name__": "__main__"})


def test_blocks_are_found():
    assert {block.file for block in PYTHON} >= {"README.md", "docs/tabular.rst", "docs/onnx.rst",
                                                "docs/persistence.rst", "docs/toolbox.rst"}
    assert SHELL


def _python_params():
    for block in PYTHON:
        slow = any(_matches(key, block) for key in SLOW)
        yield pytest.param(block, id=block.id, marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("block", list(_python_params()))
def test_python_block_runs_alone(block, tmp_path, monkeypatch, capsys):
    for key, reason in CANNOT_RUN.items():
        if _matches(key, block):
            pytest.skip(reason)
    for module, hint in requirements(block):
        pytest.importorskip(module, reason=f"{block.id} needs {module}: {hint}")
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the blocks train for few epochs
        _run(block)
    out = capsys.readouterr().out
    for key, pattern in PRINTS.items():
        if _matches(key, block):
            assert re.search(pattern, out), f"{block.id} printed {out!r}"


@pytest.mark.parametrize("table", [CANNOT_RUN, SLOW, PRINTS], ids=["CANNOT_RUN", "SLOW", "PRINTS"])
def test_every_listed_block_exists(table):
    for key in table:
        found = [block.id for block in PYTHON if _matches(key, block)]
        assert len(found) == 1, f"{key} should name exactly one Python block, names {found}"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_install_line_before_the_first_block_that_needs_it(path):
    shown = ""
    for block in (block for block in BLOCKS if block.path == path):
        if block in SHELL:
            shown += block.code
        elif block in PYTHON:
            for module, hint in requirements(block):
                if hint.startswith("pip install"):
                    assert hint in shown, f"{block.id} needs {module}: put `{hint}` in a shell block before it"


def _extras():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python >= 3.11's tomllib")
    with open(ROOT / "pyproject.toml", "rb") as file:
        return set(tomllib.load(file)["project"]["optional-dependencies"])


@pytest.mark.parametrize("block", SHELL, ids=lambda block: block.id)
def test_shell_block_installs_real_extras_and_runs_real_scripts(block):
    extras = _extras()
    for line in block.code.splitlines():
        for command in re.split(r"&&|\|\||;", line.split("#", 1)[0].removeprefix("$ ")):
            words = command.split()
            if "install" in words and words[words.index("install") - 1] == "pip":  # also python -m pip
                targets = words[words.index("install") + 1:]
                for target in (word.strip("\"'") for word in targets if not word.startswith("-")):
                    assert not target.startswith("skdeep"), (
                        f"{block.id}: {target!r} is another project on the index; ours is scikit-deepnet")
                    named = re.fullmatch(r"(?:\.|scikit-deepnet)\[([\w,-]+)\]", target)
                    if named:
                        assert set(named.group(1).split(",")) <= extras, f"{block.id}: no such extra {target}"
            if words[:1] in (["python"], ["python3"]) and len(words) > 1 and words[1].endswith(".py"):
                assert (ROOT / words[1]).is_file(), f"{block.id}: {words[1]} does not exist"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_prose_names_real_extras(path):
    """Inline install hints too: `pip install ".[x]"` or "scikit-deepnet[x]", never skdeep[x]."""
    text = path.read_text(encoding="utf-8")
    assert "skdeep[" not in text
    extras = _extras()
    for named in re.findall(r"(?:\"\.|scikit-deepnet)\[([\w,-]+)\]", text):
        assert set(named.split(",")) <= extras, f"{path.name}: no such extra [{named}]"


RST_SAMPLE = """\
Title
=====

Code::

    x = 1

.. code-block:: python
   :caption: options are skipped

   y = 2

.. code-block:: bash

   pip install ".[onnx]"

>>> 1 + 1
2

.. highlight:: text

Output::

    not python
"""


def test_rst_collector_finds_every_kind_of_block():
    found = [(block.line, block.language, block.code, block.first_code_line)
             for block in rst_blocks(Path("sample.rst"), RST_SAMPLE)]
    assert found == [
        (4, "python", "x = 1\n", 6),
        (8, "python", "y = 2\n", 11),
        (13, "bash", 'pip install ".[onnx]"\n', 15),
        (17, "pycon", ">>> 1 + 1\n2\n", 17),
        (22, "text", "not python\n", 24),
    ]
