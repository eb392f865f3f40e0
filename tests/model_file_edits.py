"""Edits to saved model files, for the tests that check what ``load`` refuses.

A file's arrays and JSON metadata are read, changed by a function
``change(arrays, metadata)`` and written back as a new ``.npz`` (so the zip's
own checksums stay valid and only ``load``'s checks can catch the change).
"""

import io
import json

import numpy as np


def arrays_and_metadata(content):
    """The arrays of a saved file's bytes, and its metadata as a dict."""
    with np.load(io.BytesIO(content), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return arrays, json.loads(bytes(arrays.pop("metadata")).decode())


def rewrite(content, change):
    """The bytes of a file like ``content`` after ``change(arrays, metadata)``."""
    arrays, metadata = arrays_and_metadata(content)
    change(arrays, metadata)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def set_fields(*keys, **values):
    """A change setting ``values`` in the metadata section at ``keys`` (none: the top level)."""
    def change(arrays, metadata):
        section = metadata
        for key in keys:
            section = section[key]
        section.update(values)
    return change


def delete_field(*keys):
    """A change deleting the metadata field at ``keys`` (one key: a top-level field)."""
    def change(arrays, metadata):
        section = metadata
        for key in keys[:-1]:
            section = section[key]
        del section[keys[-1]]
    return change


def set_array_item(name, index, value):
    """A change setting one item of an array."""
    def change(arrays, metadata):
        arrays[name][index] = value
    return change


def replace_array(name, value):
    """A change replacing an array by ``value`` (or by ``value()`` if it is callable)."""
    def change(arrays, metadata):
        arrays[name] = value() if callable(value) else value
    return change


def assert_load_refuses(content, change, match, tmp_path):
    """Write ``content`` after ``change`` and check that ``load`` refuses it with a ``match``-ing message."""
    import pytest

    from skdeep import InvalidModelFile, load

    path = tmp_path / "tampered.npz"
    path.write_bytes(rewrite(content, change))
    with pytest.raises(InvalidModelFile, match=match):
        load(path)
