"""skdeep.load on files from strangers, and save's own safety.

A hostile file must be refused with InvalidModelFile within bounded memory and
time. The files built to exhaust memory are loaded in a child process whose
address space is capped 1 GiB above what the interpreter already maps, with an
alarm that ends it after a few seconds: a loader that decompresses a bomb or
allocates what a tampered spec asks for dies there instead of passing. The
hostile files themselves stay small and fast to build. A gigabyte of zeros is
one deflated MiB repeated.

The field tests tamper with one field of a genuine file each and check the
refusal names it.
"""

import io
import math
import os
import stat
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DeepNetClassifier, DeepNetRegressor, InvalidModelFile, TabularNetRegressor, load, save

# tests/model_file_edits.py (tests/ is on sys.path: pytest puts conftest.py's folder there)
from model_file_edits import (
    arrays_and_metadata,
    assert_load_refuses,
    replace_array,
    rewrite,
    set_array_item,
    set_fields,
)

MIB = 2**20
MEMORY_HEADROOM = 2**30  # bytes the child may map beyond its baseline
TIME_LIMIT = 2  # seconds load may take in the child


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def genuine(iris, tmp_path_factory):
    """A genuine file exercising every array: batch norm, early stopping, the optimizer."""
    X, y = iris
    model = DeepNetClassifier(hidden_layer_sizes=(5,), batch_norm=True, dropout=0.1, early_stopping=True,
                              class_weight={0: 2.0}, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    path = tmp_path_factory.mktemp("genuine") / "model.npz"
    save(model, path, include_optimizer=True)
    return path.read_bytes()


def _members(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}




# ------------------------------------------------------------------ building bombs cheaply
def _npy_header(shape, dtype):
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def _deflated(head, block=b"", copies=0):
    """``(stream parts, CRC-32, size)`` of ``head`` followed by ``copies`` copies of ``block``.

    ``block`` is compressed once: after a full flush the deflate stream
    starts afresh, so the compressed block can simply be repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
    if copies:
        block_compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        parts += [block_compressor.compress(block) + block_compressor.flush(zlib.Z_FULL_FLUSH)] * copies
    parts.append(compressor.flush())  # the empty final block
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(block, crc)
    return parts, crc, len(head) + copies * len(block)


def _write_zip(path, members):
    """A zip of deflated members given as ``{name: (parts, crc, size)}`` (sizes under 4 GiB)."""
    directory = []
    with open(path, "wb") as file:
        for name, (parts, crc, size) in members.items():
            offset, encoded = file.tell(), name.encode()
            common = (20, 0, zipfile.ZIP_DEFLATED, 0, 0x21, crc, sum(map(len, parts)), size,
                      len(encoded), 0)
            file.write(struct.pack("<I5H3I2H", 0x04034B50, *common) + encoded)
            file.writelines(parts)
            directory.append(struct.pack("<I6H3I5H2I", 0x02014B50, 20, *common, 0, 0, 0, 0, offset)
                             + encoded)
        start = file.tell()
        file.writelines(directory)
        file.write(struct.pack("<I4H2IH", 0x06054B50, 0, 0, len(directory), len(directory),
                               file.tell() - start, start, 0))


def _with_members(content, path, **replaced):
    """Write ``content``'s members to ``path``, some replaced by ``(parts, crc, size)``."""
    members = {name: _deflated(data) for name, data in _members(content).items()}
    members.update({f"{name}.npy": member for name, member in replaced.items()})
    _write_zip(path, members)
    return path


def _n_params(content):
    arrays, _ = arrays_and_metadata(content)
    return len(arrays["params"])


def _huge_layer(content, path):
    """2 KB claiming a 60-million-unit hidden layer (480 million parameters)."""
    def change(arrays, metadata):
        metadata["spec"]["layer_sizes"] = [4, 60_000_000, 3]
        metadata["spec"]["dropout"] = [0.1]
        metadata["params"]["hidden_layer_sizes"] = [60_000_000]
    path.write_bytes(rewrite(content, change))
    return path


def _compression_bomb(content, path):
    """1.5 MB whose params member inflates to 1.5 GiB of zeros, its header agreeing."""
    n_values = 1536 * MIB // 8
    bomb = _deflated(_npy_header((n_values,), np.float64), bytes(MIB), copies=1536)
    return _with_members(content, path, params=bomb)


def _header_smaller_than_member(content, path):
    """A params header describing the right shape, then 500 MiB more zeros than it says."""
    member = _deflated(_npy_header((_n_params(content),), np.float64), bytes(MIB), copies=500)
    return _with_members(content, path, params=member)


def _header_larger_than_member(content, path):
    """A params header claiming 1.6 GB of floats over a member of 1 KB."""
    return _with_members(content, path, params=_deflated(_npy_header((200_000_000,), np.float64)
                                                         + bytes(1024)))


def _huge_json(content, path):
    """A metadata member of 600 MiB of valid JSON: a list of 300 million zeros."""
    block = b"0," * (MIB // 2)
    head = _npy_header((len("[") + 600 * MIB + len("0]"),), np.uint8) + b"["
    parts, crc, size = _deflated(head, block, copies=600)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts[-1:] = [tail.compress(b"0]") + tail.flush()]
    return _with_members(content, path, metadata=(parts, zlib.crc32(b"0]", crc), size + 2))


def _repeated_directory(content, path, copies, zip64=False):
    """``content`` whose zip directory lists its first member (params.npy) ``copies`` more times.

    Each copy is a 56-byte directory entry, so a million take 53 MiB, within the
    file-size limit; zipfile would parse every one of them. The end record
    states the genuine member count (zipfile goes by the directory's size
    alone), or, with ``zip64``, a zip64 end record states the true one, as
    zipfile writes it for archives beyond 4 GiB. ``copies=0`` with ``zip64``
    is a genuine file in that layout.
    """
    count, size, offset = struct.unpack("<H2I", content[-12:-2])
    directory = content[offset:offset + size]
    entry = directory[:46 + sum(struct.unpack("<3H", directory[28:34]))]
    block = entry * 10_000  # written block by block: the parent stays small too
    with open(path, "wb") as file:
        file.write(content[:offset + size])
        for _ in range(copies // 10_000):
            file.write(block)
        file.write(entry * (copies % 10_000))
        size += copies * len(entry)
        if zip64:
            end, total = file.tell(), count + copies
            file.write(struct.pack("<IQ2H2I4Q", 0x06064B50, 44, 45, 45, 0, 0, total, total, size, offset))
            file.write(struct.pack("<2IQI", 0x07064B50, 0, end, 1))
            count = min(total, 0xFFFF)
        file.write(struct.pack("<I4H2IH", 0x06054B50, 0, 0, count, count, size, offset, 0))
    return path


# 39,950 names of 4,096 four-byte characters: 654 MB as a .npy array, and as much again as
# Python strings, deflated to under a megabyte.
LONG_NAME = "\U0001F600" * 4_096
N_LONG_NAMES = 39_950


def _long_names_member():
    """``(parts, crc, size)`` of a feature_names_in member of N_LONG_NAMES copies of LONG_NAME."""
    block = np.full(50, LONG_NAME).tobytes()  # 50 names compressed once, repeated
    return _deflated(_npy_header((N_LONG_NAMES,), f"<U{len(LONG_NAME)}"), block, N_LONG_NAMES // 50)


def _deepnet_of_long_names(content, path):
    """A DeepNet file with N_LONG_NAMES inputs (120k parameters) named by LONG_NAME, under 1 MB.

    ``content`` is ``genuine``: its hidden layer (and so its batch-norm state), best weights and
    optimizer state are removed, which keeps the arrays within the uncompressed limit.
    """
    def change(arrays, metadata):
        n_outputs = metadata["spec"]["layer_sizes"][-1]
        metadata["spec"].update(layer_sizes=[N_LONG_NAMES, n_outputs], dropout=[])
        metadata["params"].update(hidden_layer_sizes=[], dropout=0.0)
        metadata["n_features_in_"] = N_LONG_NAMES
        metadata["train_state"]["optimizer"] = None
        arrays.update(params=np.zeros((N_LONG_NAMES + 1) * n_outputs), state=np.zeros(0))
        for name in [name for name in arrays if name.startswith(("best_", "optimizer_"))]:
            del arrays[name]
    return _with_members(rewrite(content, change), path, feature_names_in=_long_names_member())


def _tabularnet_of_long_names(content, path):
    """A TabularNet file of N_LONG_NAMES numeric columns (80k parameters) named by LONG_NAME, under 1 MB.

    ``content`` is a regressor of one numeric column without bins, one hidden
    unit and one member: each column adds a network input, its input scale and
    the hidden unit's weight.
    """
    def change(arrays, metadata):
        from skdeep.nn.ensemble import EnsembleSpec

        preprocessor = metadata["preprocessor"]
        preprocessor.update(numeric_columns_=list(range(N_LONG_NAMES)),
                            missing_indicators_=[False] * N_LONG_NAMES, n_bin_edges=[0] * N_LONG_NAMES)
        metadata["spec"]["layer_sizes"][0] = metadata["n_features_in_"] = N_LONG_NAMES
        n_params = EnsembleSpec.from_dict(metadata["spec"]).n_params
        for name in ("params", "best_params"):
            arrays[name] = np.zeros(n_params, arrays[name].dtype)
        arrays["preprocessor_medians"] = np.zeros(N_LONG_NAMES)
        arrays["preprocessor_scales"] = np.ones(N_LONG_NAMES)
    return _with_members(rewrite(content, change), path, feature_names_in=_long_names_member())


HOSTILE = {
    "a 60-million-unit layer": (_huge_layer, "parameters"),
    "a compression bomb": (_compression_bomb, "uncompressed"),
    "a header smaller than its member": (_header_smaller_than_member, "header describes"),
    "a header larger than its member": (_header_larger_than_member, "header describes"),
    "600 MiB of JSON": (_huge_json, "metadata takes"),
}

_CHILD = """
import resource, signal, sys, time

import skdeep

def mapped_bytes():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))

limit = mapped_bytes() + int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
signal.alarm(int(sys.argv[3]))  # the default action ends the process
start = time.perf_counter()
try:
    skdeep.load(sys.argv[1])
except skdeep.InvalidModelFile as error:
    cause = error
    while cause is not None and not isinstance(cause, MemoryError):
        cause = cause.__cause__ or cause.__context__
    # A refusal because an allocation failed under the limit would have allocated without it.
    print(f"ran out of memory: {error}" if cause else
          f"refused in {time.perf_counter() - start:.3f} s: {error}")
else:
    print("loaded")
"""


def _load_in_sandbox(path):
    """load(path) in a child process under the memory and time limits; its report."""
    child = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(MEMORY_HEADROOM), str(TIME_LIMIT)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, (
        f"load ended with code {child.returncode} (-14: over {TIME_LIMIT} s; MemoryError: over the "
        f"memory limit):\n{child.stderr[-3000:]}")
    return child.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_within_bounded_memory_and_time(name, genuine, tmp_path):
    build, message = HOSTILE[name]
    path = build(genuine, tmp_path / "hostile.npz")
    assert path.stat().st_size < 2 * MIB  # the attack is cheap; the refusal must be too
    report = _load_in_sandbox(path)
    assert report.startswith("refused") and message in report, report


@pytest.fixture(scope="module")
def genuine_tabular(iris, tmp_path_factory):
    """A TabularNetRegressor of one numeric column without bins, one hidden unit and one member."""
    model = TabularNetRegressor(hidden_layer_sizes=(1,), n_ensemble=1, numeric_bins=0, max_iter=1,
                                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(iris[0][:, :1], iris[1])
    path = tmp_path_factory.mktemp("genuine") / "model.npz"
    save(model, path)
    return path.read_bytes()


@pytest.fixture(params=["deepnet", "tabularnet"])
def kind_and_genuine(request):
    """``(kind, genuine file of that kind)``, for the attacks on both kinds of model file."""
    fixture = {"deepnet": "genuine", "tabularnet": "genuine_tabular"}[request.param]
    return request.param, request.getfixturevalue(fixture)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
@pytest.mark.parametrize(("copies", "zip64"), [
    (10**6, False), (10**6, True),
    pytest.param(4 * 10**6, False, marks=pytest.mark.slow),  # the same check; 214 MiB, 2.4 GB once parsed
], ids=["1M", "1M zip64", "4M"])
def test_a_zip_directory_of_millions_of_entries_is_refused_before_it_is_parsed(copies, zip64,
                                                                                 kind_and_genuine, tmp_path):
    """53 MiB of directory per million entries, within the file-size limit; zipfile would parse them all.

    The end record states the genuine member count and the directory's true
    size; the zip64 end record states the true count.
    """
    path = _repeated_directory(kind_and_genuine[1], tmp_path / "hostile.npz", copies, zip64)
    report = _load_in_sandbox(path)
    assert report.startswith("refused") and "the zip's directory" in report, report


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_long_feature_names_are_refused_within_bounded_memory_and_time(kind_and_genuine, tmp_path):
    """654 MB of names, as much again once decoded, for a network of 80k (or 120k) parameters."""
    kind, content = kind_and_genuine
    build = {"deepnet": _deepnet_of_long_names, "tabularnet": _tabularnet_of_long_names}[kind]
    path = build(content, tmp_path / "hostile.npz")
    assert path.stat().st_size < MIB
    report = _load_in_sandbox(path)
    assert report.startswith("refused") and "arrays take" in report, report


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64"])
def test_the_directory_builder_makes_real_directories(zip64, genuine, tmp_path):
    """zipfile lists every repeated entry: it parses the whole directory it is given."""
    path = _repeated_directory(genuine, tmp_path / "model.npz", 3, zip64)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert names == [*_members(genuine)] + ["params.npy"] * 3


def test_a_genuine_file_with_a_zip64_end_record_loads(kind_and_genuine, tmp_path):
    """zipfile writes zip64 end records for archives beyond 4 GiB: a large model's file has them."""
    path = _repeated_directory(kind_and_genuine[1], tmp_path / "model.npz", 0, zip64=True)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    assert load(path).n_features_in_ in (1, 4)


def _zip64_locator_elsewhere(content):
    end = len(content) - 22
    return content[:end - 12] + struct.pack("<Q", end - 20 - 56 - 1) + content[end - 4:]


def _commented(content):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in _members(content).items():
            archive.writestr(name, data)
        archive.comment = b"a comment"
    return buffer.getvalue()


END_RECORDS = {
    "a byte after the end record": (lambda content: content + b"\0", "does not end with a zip end"),
    "an archive comment": (_commented, "does not end with a zip end"),
    "bytes before the first member": (lambda content: bytes(4) + content, "does not end where"),
    "an end record on disk 1": (lambda content: content[:-18] + b"\1" + content[-17:], "disks"),
    "a zip64 locator pointing elsewhere": (_zip64_locator_elsewhere, "zip64 end of central directory"),
}


@pytest.mark.parametrize("name", END_RECORDS)
def test_the_end_records_must_be_where_skdeep_writes_them(name, genuine, tmp_path):
    """zipfile would find (or guess) the directory in each of these; load reads only the file's end."""
    tamper, message = END_RECORDS[name]
    content = genuine
    if name.startswith("a zip64"):
        content = _repeated_directory(genuine, tmp_path / "zip64.npz", 0, zip64=True).read_bytes()
    path = tmp_path / "tampered.npz"
    path.write_bytes(tamper(content))
    with pytest.raises(InvalidModelFile, match=message):
        load(path)


def test_the_zip_builder_makes_real_bombs(genuine, tmp_path):
    """The bombs are genuine: zipfile inflates them to what they claim, CRC included."""
    path = _with_members(genuine, tmp_path / "bomb.npz", params=_deflated(b"x", bytes(MIB), copies=3))
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.read("params.npy") == b"x" + bytes(3 * MIB)


# ------------------------------------------------------------------ one field at a time



def _set_optimizer_step(t):
    def change(arrays, metadata):
        metadata["train_state"]["optimizer"]["t"] = t
    return change


def _junk_loss_curve(arrays, metadata):
    metadata["train_state"]["loss_curve_"] = ["evil"] * len(metadata["train_state"]["loss_curve_"])


def _second_variance_negative(name):
    def change(arrays, metadata):
        arrays[name][5] = -1.0  # state: 5 running means, then 5 running variances
    return change


NAN, INF = float("nan"), float("inf")
FIELDS = {
    "NaN learning rate": (set_fields("params", learning_rate_init=NAN), "learning_rate_init"),
    "infinite learning rate": (set_fields("params", learning_rate_init=INF), "learning_rate_init"),
    "negative learning rate": (set_fields("params", learning_rate_init=-0.1), "learning_rate_init"),
    "optimizer step count -1": (_set_optimizer_step(-1), "step count"),
    "optimizer step count True": (_set_optimizer_step(True), "step count"),
    "negative Adam second moment": (set_array_item("optimizer_second_moment", 0, -1.0), "second_moment' must be non-negative"),
    "batch_norm_momentum 5.0": (set_fields("params", batch_norm_momentum=5.0), "batch_norm_momentum"),
    "batch_norm_momentum NaN": (set_fields("params", batch_norm_momentum=NAN), "batch_norm_momentum"),
    "batch_norm_momentum '0.5'": (set_fields("params", batch_norm_momentum="0.5"), "batch_norm_momentum"),
    "spec batch_norm_momentum 5.0": (set_fields("spec", batch_norm_momentum=5.0), "batch_norm_momentum"),
    "spec batch_norm_momentum NaN": (set_fields("spec", batch_norm_momentum=NAN), "batch_norm_momentum"),
    "dropout 5.0": (set_fields("params", dropout=5.0), "dropout"),
    "dropout [5.0]": (set_fields("params", dropout=[5.0]), "dropout"),
    "dropout [NaN]": (set_fields("params", dropout=[NAN]), "dropout"),
    "spec dropout [5.0]": (set_fields("spec", dropout=[5.0]), "dropout"),
    "loss_ 'evil'": (set_fields("train_state", loss_="evil"), "loss_"),
    "junk loss_curve_": (_junk_loss_curve, "loss_curve_"),
    "loss_curve_ longer than history_": (set_fields("train_state", loss_curve_=[1.0] * 10**6), "loss_curve_"),
    "n_iter_ True": (set_fields("train_state", n_iter_=True), "counters"),
    "t_ -1": (set_fields("train_state", t_=-1), "counters"),
    "t_ beyond int64": (set_fields("train_state", t_=2**70), "int64"),
    "classes with NaN": (replace_array("classes", np.array([0.0, 1.0, NAN])), "NaN"),
    "unsorted classes": (replace_array("classes", np.array([2, 1, 0])), "sorted"),
    "repeated classes": (replace_array("classes", np.array([0, 0, 1])), "sorted and unique"),
    "callbacks": (set_fields("params", callbacks=["os.system"]), "callbacks"),
    "class_weight 'evil'": (set_fields("params", class_weight="evil"), "class_weight"),
    "class_weight weight 'evil'": (set_fields("params", class_weight=[[0, "evil"]]), "class_weight"),
    "class_weight negative": (set_fields("params", class_weight=[[0, -1.0]]), "class_weight"),
    "class_weight NaN": (set_fields("params", class_weight=[[0, NAN]]), "class_weight"),
    "class_weight for a missing class": (set_fields("params", class_weight=[[7, 1.0]]), "class_weight"),
    "class_weight with a string label": (set_fields("params", class_weight={"0": 1.0}), "class_weight"),
    "class_weight with a boolean label": (set_fields("params", class_weight=[[True, 1.0]]), "class_weight"),
    "class_weight malformed": (set_fields("params", class_weight=[[0]]), "class_weight"),
    "class_weight with a repeated label": (set_fields("params", class_weight=[[0, 1.0], [0, 2.0]]),
                                           "class_weight"),
    "random_state True": (set_fields("params", random_state=True), "random_state"),
    "hidden_layer_sizes [0]": (set_fields("params", hidden_layer_sizes=[0]), "hidden_layer_sizes"),
    "hidden_layer_sizes as a mapping": (set_fields("params", hidden_layer_sizes={"5": 1}), "hidden_layer_sizes"),
    "format_version True": (set_fields(format_version=True), "format version"),
    "n_features_in_ 4.0": (set_fields(n_features_in_=4.0), "n_features_in_"),
    "junk label type": (set_fields(label_type="evil"), "label type"),
    "skdeep_version not a string": (set_fields(skdeep_version=["evil"]), "skdeep_version"),
    "2000 hidden layers": (set_fields("spec", layer_sizes=[4] + [1] * 2000 + [3], dropout=[]), "layer sizes"),
    "negative running variance": (_second_variance_negative("state"), "variances in state"),
    "negative best running variance": (_second_variance_negative("best_state"), "variances in best_state"),
    "NaN in the best weights": (set_array_item("best_params", 0, NAN), "best_params contains NaN"),
    "huge schedule state": (set_fields("train_state", schedule_state={"divisions": 10**9}), "schedule state"),
    "unknown schedule state": (set_fields("train_state", schedule_state={"evil": 1}), "schedule"),
    "unknown optimizer": (set_fields("train_state", optimizer={"solver": "evil", "t": 1}), "optimizer"),
    "optimizer arrays without an optimizer": (set_fields("train_state", optimizer=None), "unknown arrays"),
    "feature names of the wrong count": (replace_array("feature_names_in", np.array(["a"])), "feature_names_in"),
    "labels of 5000 characters": (replace_array("classes", np.array(["a" * 5000, "b", "c"])), "classes"),
    "complex labels": (replace_array("classes", np.array([0j, 1j, 2j])), "classes"),
}


@pytest.mark.parametrize("name", FIELDS)
def test_an_invalid_field_is_refused_and_named(name, genuine, tmp_path):
    change, message = FIELDS[name]
    assert_load_refuses(genuine, change, message, tmp_path)


def test_the_genuine_file_loads(genuine, iris, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(genuine)
    assert load(path).predict(iris[0]).shape == (150,)


def test_metadata_just_over_its_limit_is_refused_before_it_is_parsed(genuine, tmp_path):
    from skdeep.io.persistence import MAX_METADATA_BYTES

    def pad(arrays, metadata):
        metadata["skdeep_version"] = "x" * MAX_METADATA_BYTES
    assert_load_refuses(genuine, pad, "metadata takes", tmp_path)


def test_a_member_stored_twice_is_refused(genuine, tmp_path):
    path = tmp_path / "twice.npz"
    members = _members(genuine)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        for name, data in [*members.items(), ("params.npy", members["params.npy"])]:
            archive.writestr(name, data)
    with pytest.raises(InvalidModelFile, match="twice"):
        load(path)


@pytest.mark.parametrize("name", ["evil.pkl", "params", "../params.npy"])
def test_a_member_of_unknown_name_is_refused(name, genuine, tmp_path):
    path = tmp_path / "extra.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in _members(genuine).items():
            archive.writestr(member, data)
        archive.writestr(name, b"cos\nsystem\n(S'echo hacked'\ntR.")
    with pytest.raises(InvalidModelFile, match="unknown arrays"):
        load(path)


def test_max_parameters_bounds_the_network(genuine, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(genuine)
    n_params = _n_params(genuine)
    with pytest.raises(InvalidModelFile, match=f"{n_params} parameters"):
        load(path, max_parameters=n_params - 1)
    assert load(path, max_parameters=n_params).n_features_in_ == 4
    with pytest.raises(ValueError, match="max_parameters"):
        load(path, max_parameters=0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_at_once(tmp_path):
    path = tmp_path / "pipe.npz"
    os.mkfifo(path)
    with pytest.raises(InvalidModelFile, match="not a regular file"):
        load(path)  # an ordinary open() would wait for a writer forever


@pytest.mark.parametrize("content", [b"hello, I am a model\n", b"\x93NUMPY\x01\x00v\x00"])
def test_a_file_that_is_not_a_zip_is_refused_as_such(content, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidModelFile, match="not a zip archive") as refusal:
        load(path)
    assert "pickle" not in str(refusal.value)


# ------------------------------------------------------------------ save
@pytest.fixture
def fitted(iris):
    X, y = iris
    return DeepNetClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_save_honours_the_umask_as_open_does(umask, mode, fitted, tmp_path):
    previous = os.umask(umask)
    try:
        save(fitted, tmp_path / "model.npz")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "model.npz").stat().st_mode) == mode


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_save_writes_through_a_symlink_to_its_target(fitted, iris, tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "v2.npz"
    target.write_bytes(b"an older model")
    link = tmp_path / "current.npz"
    link.symlink_to(target)
    save(fitted, link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert np.array_equal(load(target).predict(iris[0]), fitted.predict(iris[0]))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["current.npz", "models", "v2.npz"]


def test_save_refuses_a_random_state_instance_clearly(iris, tmp_path):
    X, y = iris
    model = DeepNetClassifier(max_iter=2, random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.raises(TypeError, match="random_state is a RandomState instance.*set an int or None "
                                        "before saving"):
        save(model, tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("make", [
    lambda: make_pipeline(StandardScaler(), DeepNetClassifier(max_iter=2)),
    lambda: MLPClassifier(max_iter=2),
    lambda: type("MyNet", (DeepNetClassifier,), {})(max_iter=2),
], ids=["Pipeline", "MLPClassifier", "subclass"])
def test_save_refuses_anything_but_the_two_estimators(make, iris, tmp_path):
    estimator = make().fit(*iris)
    name = type(estimator).__name__
    with pytest.raises(TypeError, match=name) as refusal:
        save(estimator, tmp_path / "model.npz")
    if name == "Pipeline":
        assert "skops.io" in str(refusal.value)
    assert not list(tmp_path.iterdir())


def test_save_refuses_names_longer_than_load_allows_for_the_network(iris, tmp_path):
    """1,100 names of 4,096 characters (18 MB) for a network of 3,303 parameters (a 16 MiB allowance)."""
    X = np.repeat(iris[0], 275, axis=1)
    model = DeepNetClassifier(hidden_layer_sizes=(), max_iter=1).fit(X, iris[1])
    model.feature_names_in_ = np.array([f"{j:04}".ljust(4_096, "x") for j in range(X.shape[1])], dtype=object)
    with pytest.raises(ValueError, match="arrays take"):
        save(model, tmp_path / "model.npz")
    model.feature_names_in_ = np.array([f"{j:04}".ljust(3_000, "x") for j in range(X.shape[1])], dtype=object)
    save(model, tmp_path / "model.npz")
    assert np.array_equal(load(tmp_path / "model.npz").feature_names_in_, model.feature_names_in_)


def test_save_refuses_hyperparameters_load_would_refuse(fitted, tmp_path):
    fitted.set_params(class_weight={0: 1.0, 7: 2.0})  # set after training: 7 is not a class
    with pytest.raises(ValueError, match="class_weight"):
        save(fitted, tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())


def _is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.skipif(_is_root(), reason="root ignores file permissions, so a read-only directory "
                                        "cannot make save fail")
def test_a_permission_error_names_the_destination(fitted, tmp_path):
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as refusal:
            save(fitted, directory / "model.npz")
    finally:
        directory.chmod(0o755)
    assert refusal.value.filename == str(directory / "model.npz")
    assert ".skdeep-" not in str(refusal.value)


def test_an_error_on_the_temporary_file_names_the_destination(fitted, tmp_path, monkeypatch):
    """The same, by a failing rename: runs as root too."""
    def refuse(source, destination):
        raise PermissionError(13, "Permission denied", source, None, destination)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError) as refusal:
        save(fitted, tmp_path / "model.npz")
    assert refusal.value.filename == str(tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())  # the temporary file is gone


@pytest.mark.parametrize("Estimator", [DeepNetClassifier, DeepNetRegressor])
@pytest.mark.parametrize("options", [{}, {"early_stopping": True}], ids=["plain", "early stopping"])
def test_no_hidden_layer_with_batch_norm_round_trips(Estimator, options, iris, tmp_path):
    X, y = iris
    model = Estimator(hidden_layer_sizes=(), batch_norm=True, max_iter=3, random_state=0, **options)
    model.fit(X, y)
    save(model, tmp_path / "model.npz", include_optimizer=True)
    loaded = load(tmp_path / "model.npz")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.n_layers_ == 2 and loaded._network.state.shape == (0,)


def test_a_schedule_changed_after_training_round_trips(iris, tmp_path):
    X, y = iris
    model = DeepNetClassifier(solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=10,
                              max_iter=20, random_state=0).fit(X, y)
    assert model._train_state.schedule_state["divisions"] > 0
    model.set_params(learning_rate="constant")  # partial_fit would start the new schedule afresh
    save(model, tmp_path / "model.npz")
    assert load(tmp_path / "model.npz").learning_rate == "constant"


def test_the_limits_leave_room_for_every_array_of_the_largest_network():
    """A network at max_parameters fits the uncompressed budget with every optional array."""
    from skdeep.io import persistence

    n = persistence.MAX_PARAMETERS
    # The widest state per parameter: one hidden unit between one input and one output has
    # 5 parameters (2 weights, a bias, gamma, beta) and 2 statistics.
    state = math.ceil(n * 2 / 5)
    needed = 8 * (4 * n + 2 * state) + persistence.MAX_METADATA_BYTES
    assert needed <= persistence.BYTES_PER_PARAMETER * n + persistence.MAX_METADATA_BYTES
