"""The package's imports: no circle, and no private name taken from another subpackage.

Every import counts, at module level or inside a function: a function-level
import hides a circle from Python but not from a reader.
"""

import ast
from pathlib import Path

import skdeep

PACKAGE = Path(skdeep.__file__).parent

def _modules(root=PACKAGE):
    """``{dotted name: path}`` of every module of the package at ``root``."""
    modules = {}
    for path in root.rglob("*.py"):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(modules):
    """``(importer, module, name)`` of every import of a module of the package, at any depth."""
    found = []
    for importer, path in modules.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(importer, alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                found += [(importer, base, alias.name) for alias in node.names]
    top = next(iter(modules)).partition(".")[0]
    return [(importer, module, name) for importer, module, name in found
            if module == top or module.startswith(top + ".")]


def _graph(modules):
    graph = {module: set() for module in modules}
    for importer, module, name in _imports(modules):
        # `from package import module` imports that module; `from module import name` the module.
        target = f"{module}.{name}" if f"{module}.{name}" in modules else module
        if target in modules and target != importer:
            graph[importer].add(target)
    return graph


def _circles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while not component or module not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            if len(component) > 1:
                circles.append(component)

    for module in graph:
        if module not in index:
            visit(module)
    return circles


def _subpackage(module, modules):
    """``skdeep.nn`` for ``skdeep.nn.spec``; ``skdeep`` for a top-level module."""
    parts = module.split(".")
    return ".".join(parts[:2]) if ".".join(parts[:2]) + ".__init__" in _packages(modules) else parts[0]


def _packages(modules):
    return {f"{name}.__init__" for name, path in modules.items() if path.name == "__init__.py"}


def test_no_module_imports_itself_back_through_any_path():
    assert _circles(_graph(_modules())) == []


def test_no_private_name_is_imported_from_another_subpackage():
    modules = _modules()
    crossing = {
        (importer, module, name) for importer, module, name in _imports(modules)
        if name and name.startswith("_") and not name.startswith("__")
        and _subpackage(importer, modules) != _subpackage(module, modules)
    }
    assert crossing == set()


def test_the_checks_see_a_circle_closed_inside_a_function_and_a_private_import(tmp_path):
    # nn/spec.py once imported nn/network.py inside a function: such a circle must count.
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from .b import helper\n",
        "b.py": "def helper():\n    from .a import thing\n    return thing\n",
        "c.py": "from .sub.d import _private\n",
        "sub/__init__.py": "",
        "sub/d.py": "def _private():\n    pass\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    modules = _modules(package)
    assert _circles(_graph(modules)) == [{"pkg.a", "pkg.b"}]
    private = [(importer, module, name) for importer, module, name in _imports(modules)
               if name.startswith("_") and _subpackage(importer, modules) != _subpackage(module, modules)]
    assert private == [("pkg.c", "pkg.sub.d", "_private")]
