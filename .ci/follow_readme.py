"""Follow README.md as a newcomer would: every code block, top to bottom, in one fresh venv.

Run by .ci/run with the fresh venv's python. A bash block runs from the checkout's root (its
``pip install ".[extra]"`` lines install into this venv); a python block runs in a scratch
folder (the examples write files). A python block can therefore use only what the README
installed before it: a missing install line fails here, not on a user's machine.

Two blocks are not run here, each because CI runs it in a venv of its own: the quick start's
test command and the documentation build.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_HERE = {
    "pytest": "the quick start's test command: CI runs it in its own venv",
    "sphinx": "the documentation build: CI runs it in a venv holding only the docs extra",
}


def blocks(readme):
    """Yield (language, code, line number) for each fenced block, in reading order."""
    for match in re.finditer(r"^```(\w+)\n(.*?)^```", readme, re.S | re.M):
        yield match.group(1), match.group(2), readme.count("\n", 0, match.start()) + 1


def bash_commands(code):
    """The block's commands, a line each; a whole-line comment is not a command."""
    return [line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def main():
    scratch = Path(tempfile.mkdtemp(prefix="readme-"))
    ran = 0
    for language, code, line in blocks((ROOT / "README.md").read_text()):
        where = f"README.md:{line}"
        if language == "python":
            print(f"--- {where}: python", flush=True)
            subprocess.run([sys.executable, "-c", code], cwd=scratch, check=True)
            ran += 1
        elif language == "bash":
            for command in bash_commands(code):
                reason = next((why for word, why in NOT_HERE.items() if word in command), None)
                if reason:
                    print(f"--- {where}: not run here ({reason}): {command}", flush=True)
                    continue
                print(f"--- {where}: {command}", flush=True)
                subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, check=True)
                ran += 1
        else:
            sys.exit(f"{where}: a ```{language} block; this script runs only bash and python")
    print(f"README.md: {ran} blocks and commands ran as written")


if __name__ == "__main__":
    main()
