"""The written protocol of what the training loops need of a network, against the loops and the networks."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import skdeep.train.lbfgs
import skdeep.train.trainer
from skdeep.nn.ensemble import EnsembleNetwork, EnsembleSpec
from skdeep.nn.network import Network
from skdeep.nn.protocol import TrainableNetwork, TrainableSpec
from skdeep.nn.spec import NetworkSpec

LOOPS = [Path(skdeep.train.trainer.__file__), Path(skdeep.train.lbfgs.__file__)]
NETWORKS = {
    "Network": lambda: Network(NetworkSpec((3, 4, 2), "relu", "softmax", "float64", batch_norm=True)),
    "EnsembleNetwork": lambda: EnsembleNetwork(EnsembleSpec((3, 4, 4, 2), 2, "relu", "softmax", "float64")),
}


def _members(protocol):
    return {name: value for name, value in vars(protocol).items() if not name.startswith("_")}


def _is_network(node):
    """``network`` or ``self.network``: how the loops name the network they train."""
    if isinstance(node, ast.Name):
        return node.id == "network"
    return (isinstance(node, ast.Attribute) and node.attr == "network"
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def _uses(path):
    """The attributes the module reads of the network and of its spec."""
    network, spec = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and _is_network(node.value):
            network.add(node.attr)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
              and node.value.attr == "spec" and _is_network(node.value.value)):
            spec.add(node.attr)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("getattr", "hasattr"):
            # A name looked up at run time could not be checked against the protocol.
            assert not (node.args and _is_network(node.args[0])), f"{path.name}: {ast.unparse(node)}"
    return network, spec


def test_the_protocol_lists_exactly_what_the_training_loops_use():
    network, spec = set(), set()
    for path in LOOPS:
        used, used_of_spec = _uses(path)
        network |= used
        spec |= used_of_spec
    assert network == set(_members(TrainableNetwork))
    assert spec == set(_members(TrainableSpec))


def test_every_member_of_the_protocol_says_what_it_is_for():
    for protocol in (TrainableNetwork, TrainableSpec):
        for name, member in _members(protocol).items():
            assert inspect.getdoc(member), f"{protocol.__name__}.{name}"


@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_both_networks_satisfy_the_protocol_with_its_signatures(kind):
    network = NETWORKS[kind]()
    assert isinstance(network, TrainableNetwork) and isinstance(network.spec, TrainableSpec)
    for name, member in _members(TrainableNetwork).items():
        if isinstance(member, property):
            continue
        expected = list(inspect.signature(member).parameters)[1:]  # without self
        assert list(inspect.signature(getattr(network, name)).parameters) == expected, name
    assert isinstance(network.params, np.ndarray) and network.grad.shape == network.params.shape
    assert 0 < network.n_weights < network.params.size
    assert isinstance(network.spec.has_dropout, bool) and isinstance(network.spec.batch_norm, bool)


def test_the_check_sees_a_member_the_protocol_lacks(tmp_path):
    # The AST walk finds uses through the local name and through self.network alike.
    loop = tmp_path / "loop.py"
    loop.write_text("def f(network):\n    network.predict(1)\n    network.spec.dtype\n"
                    "class A:\n    def g(self):\n        self.network.dtype\n")
    assert _uses(loop) == ({"predict", "dtype", "spec"}, {"dtype"})
