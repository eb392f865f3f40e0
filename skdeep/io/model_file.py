"""The container of a model file: a ``.npz`` archive, read within bounds and written atomically.

A model file is what ``np.savez`` writes: a zip of ``.npy`` arrays, one of
which, ``metadata``, holds a JSON document as bytes. This module knows that
container and nothing of what the arrays and the JSON mean, which is
:mod:`skdeep.io.persistence`'s job. Keeping apart the code that touches the
untrusted bytes, the zip's directory and the filesystem lets each side be
read and checked on its own:

* :func:`open_for_reading` opens a path without following it into a FIFO
  that would block forever;
* :class:`ModelFileReader` checks the file's size and the zip's directory as
  it opens, then hands out the metadata, the arrays' ``.npy`` headers and the
  arrays, each read bounded by what was checked before it;
* :func:`write_model_file` writes the arrays and the metadata beside the
  destination and renames the file into place.

A problem with the bytes raises :class:`InvalidModelFile`. It is defined here,
not in :mod:`skdeep.io.persistence`, so that this module imports nothing of
skdeep's; persistence re-exports it.
"""

import errno
import io
import json
import math
import os
import stat
import struct
import tempfile
import zipfile

import numpy as np

#: The member holding the JSON metadata, as an array of bytes.
METADATA = "metadata"

# skdeep's .npy headers take 128 bytes; reading at most this much of a member
# bounds what a header can make us decompress and parse.
_MAX_HEADER_BYTES = 4_096
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what np.savez(_compressed) writes
# The most bytes one member's entry takes in the zip's directory: 46 bytes of record, the name,
# and extra fields (zipfile's zip64 one takes 28 bytes), with room for other writers' fields.
_MAX_DIRECTORY_ENTRY = 1_024
# The zip's end records (APPNOTE.TXT 4.3.14 to 4.3.16), as zipfile writes them: the end of
# central directory record, and before it, for archives beyond 4 GiB, the zip64 end record
# (without extensible data) and its locator.
_END = struct.Struct("<4s4H2IH")
_ZIP64_END = struct.Struct("<4sQ2H2I4Q")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


class InvalidModelFile(ValueError):
    """A file given to :func:`load` is not a valid skdeep model file."""


def expect(condition, problem):
    """Raise :class:`InvalidModelFile` saying ``problem`` unless ``condition`` holds.

    Parameters
    ----------
    condition : bool
        What a valid model file satisfies.
    problem : str
        The refusal, without its final full stop (added here).

    Raises
    ------
    InvalidModelFile
        ``condition`` is false.
    """
    if not condition:
        raise InvalidModelFile(f"{problem}.")


def shorten(value, limit=200):
    """``value`` as text for a message, cut to ``limit`` characters.

    A hostile file's strings may be megabytes long; quoting them whole would
    make the refusal itself a way to exhaust memory or flood a log.

    Parameters
    ----------
    value : object
        A string or an exception is shown as its text, anything else as its
        ``repr``.
    limit : int, default=200
        The longest text kept; longer text is cut and ends in ``...``.

    Returns
    -------
    text : str
    """
    text = value if isinstance(value, (str, BaseException)) else repr(value)
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------------ reading
def open_for_reading(path):
    """Open ``path`` for reading in binary mode, as ``open(path, "rb")`` would.

    ``open`` would wait forever on a FIFO with no writer, so the file is
    opened non-blocking; whatever it turns out to be, :class:`ModelFileReader`
    then refuses anything but a regular file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    file : binary file object
        Open for reading; the caller closes it.

    Raises
    ------
    OSError
        ``path`` cannot be opened, or is a directory (``IsADirectoryError``,
        as ``open`` raises).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        if stat.S_ISDIR(os.fstat(handle).st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


class ModelFileReader:
    """An open model file whose size and zip directory are checked; nothing is decompressed yet.

    Opening checks, in order, that the file is a regular file of a size
    within ``max_uncompressed``; from the zip's end records alone (the last
    22 bytes, and 76 before them in a zip64 archive), before zipfile parses
    the directory, that it is a zip archive whose directory lists no more
    members than ``array_names`` and the metadata, takes no more than 1 KiB
    a member, and ends where the end records begin; then, from the zip's
    directory alone, that every member is a known array stored once, the
    metadata among them, not encrypted, compressed as ``np.savez`` or
    ``np.savez_compressed`` compresses, and of a total uncompressed size
    within ``max_uncompressed``. Each read afterwards is bounded by those
    sizes. Use it as a context manager; it closes the zip, not ``file``.

    Parameters
    ----------
    file : binary file object
        Open for reading, as :func:`open_for_reading` returns it.
    array_names : collection of str
        The arrays a model file may hold besides the metadata.
    max_uncompressed : int
        The most bytes the members may take once decompressed.

    Attributes
    ----------
    array_names : tuple of str
        The arrays the file holds, in the archive's order, the metadata
        excluded.

    Raises
    ------
    InvalidModelFile
        A check above fails.
    """

    def __init__(self, file, *, array_names, max_uncompressed):
        names = {*array_names, METADATA}
        _check_file_size(file, max_uncompressed)
        self._archive = _open_zip(file, max_members=len(names))
        try:
            self._members = _members(self._archive, names, max_uncompressed)
        except BaseException:
            self._archive.close()
            raise
        self.array_names = tuple(name for name in self._members if name != METADATA)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the zip archive (not the file it was read from)."""
        self._archive.close()

    def read_metadata(self, *, max_bytes):
        """The JSON metadata, decoded, after checking its header against ``max_bytes``.

        Parameters
        ----------
        max_bytes : int
            The longest JSON document accepted, in bytes.

        Returns
        -------
        metadata : object
            Whatever the JSON holds; the caller checks every field.

        Raises
        ------
        InvalidModelFile
            The metadata is not a 1-D array of bytes, or is longer than
            ``max_bytes``.
        ValueError
            The bytes are not UTF-8 JSON (``json.JSONDecodeError`` or
            ``UnicodeDecodeError``).
        """
        shape, dtype = self.read_header(METADATA)
        expect(dtype == np.uint8 and len(shape) == 1, "the metadata must be a 1-D array of bytes")
        expect(shape[0] <= max_bytes,
               f"the metadata takes {shape[0]} bytes, more than the limit of {max_bytes}")
        return json.loads(self.read_array(METADATA).tobytes().decode("utf-8"))

    def read_header(self, name):
        """``(shape, dtype)`` from an array's ``.npy`` header, decompressing only the header.

        Also checks that the member's uncompressed size is exactly the
        header's length plus the data the header describes: reading the data
        later then decompresses no more than that, and reaches the member's
        end, where zipfile checks its CRC.

        Parameters
        ----------
        name : str
            One of :attr:`array_names`, or ``"metadata"``.

        Returns
        -------
        shape : tuple of int
        dtype : numpy.dtype
            Never an object dtype, and the array is in C order.

        Raises
        ------
        InvalidModelFile
            The header is of an unknown ``.npy`` version, describes Python
            objects or a Fortran-ordered array, or contradicts the member's
            size.
        """
        info = self._members[name]
        with self._archive.open(info) as member:
            head = io.BytesIO(member.read(_MAX_HEADER_BYTES))
        version = np.lib.format.read_magic(head)
        expect(version in _HEADER_READERS, f"{info.filename} is in .npy format version {version}; "
               "skdeep writes versions 1.0 and 2.0")
        shape, fortran_order, dtype = _HEADER_READERS[version](head)
        expect(not dtype.hasobject, f"{info.filename} holds Python objects, which only pickle can read")
        expect(not fortran_order, f"{info.filename} is in Fortran order; skdeep writes C order")
        size = head.tell() + math.prod(shape) * dtype.itemsize  # head.tell(): the header with its padding
        expect(info.file_size == size, f"{info.filename} holds {info.file_size} bytes but its header "
               f"describes {size}")
        return shape, dtype

    def read_array(self, name):
        """Decompress and read one array, never with pickle.

        Parameters
        ----------
        name : str
            One of :attr:`array_names`, or ``"metadata"``.

        Returns
        -------
        array : numpy.ndarray
        """
        with self._archive.open(self._members[name]) as member:
            return np.lib.format.read_array(member, allow_pickle=False)


def _check_file_size(file, uncompressed_limit):
    status = os.fstat(file.fileno())
    expect(stat.S_ISREG(status.st_mode), "it is not a regular file")
    # Deflate grows incompressible data by at most ~0.03%; zip records add ~100 bytes a member.
    limit = uncompressed_limit + uncompressed_limit // 1000 + 2**20
    expect(status.st_size <= limit, f"the file has {status.st_size} bytes, more than the {limit} a "
           "model within the limits can take (see load's max_parameters)")


def _open_zip(file, max_members):
    # The first four bytes tell a damaged zip from something that never was one.
    is_zip = file.read(4) == b"PK\x03\x04"
    try:
        # zipfile reads and parses the whole directory, whatever its size, as it opens.
        _check_end_records(file, max_members)
        file.seek(0)
        return zipfile.ZipFile(file)
    except zipfile.BadZipFile as error:
        problem = "it is a damaged or truncated zip archive" if is_zip else "it is not a zip archive"
        raise InvalidModelFile(f"{problem}, and skdeep model files are .npz (zip) archives written "
                               f"by skdeep.save ({error})") from None


def _check_end_records(file, max_members):
    """Check the zip's directory from its end records, before zipfile reads the directory.

    zipfile finds the end record as these checks do when it is the file's last
    22 bytes (no archive comment, which skdeep never writes), and the zip64
    end record where the locator says only when it lies right before it:
    both then read the same directory size and place.

    Raises
    ------
    zipfile.BadZipFile
        The end records are missing or malformed.
    InvalidModelFile
        The directory lists more than ``max_members`` members, takes more
        than ``_MAX_DIRECTORY_ENTRY`` bytes a member, or does not end where
        the end records begin.
    """
    size = file.seek(0, os.SEEK_END)
    end = _unpacked(file, size - _END.size, _END)
    if end is None or end[0] != b"PK\x05\x06" or end[-1] != 0:
        raise zipfile.BadZipFile("the file does not end with a zip end of central directory record "
                                 "without a comment, as skdeep's files do")
    _, disk, directory_disk, disk_count, count, directory_size, directory_start, _ = end
    directory_end = size - _END.size
    locator = _unpacked(file, directory_end - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR)
    if locator is not None and locator[0] == b"PK\x06\x07":
        directory_end -= _ZIP64_LOCATOR.size + _ZIP64_END.size
        record = _unpacked(file, directory_end, _ZIP64_END)
        if (record is None or record[0] != b"PK\x06\x06" or record[1] != _ZIP64_END.size - 12
                or locator[1:] != (0, directory_end, 1)):
            raise zipfile.BadZipFile("the zip64 end of central directory record is damaged or misplaced")
        disk, directory_disk, disk_count, count, directory_size, directory_start = record[4:]
    if disk or directory_disk or disk_count != count:
        raise zipfile.BadZipFile("the archive spans several disks")
    expect(count <= max_members, f"the zip's directory lists {count} members; a model file has at "
           f"most {max_members}")
    limit = count * _MAX_DIRECTORY_ENTRY
    expect(directory_size <= limit, f"the zip's directory takes {directory_size} bytes, more than "
           f"the {limit} its {count} members can take")
    expect(directory_start + directory_size == directory_end, "the zip's directory does not end where "
           "its end record begins")


def _unpacked(file, position, layout):
    """``layout`` unpacked from ``file`` at ``position``, or None where the file has no such bytes."""
    if position < 0:
        return None
    file.seek(position)
    data = file.read(layout.size)
    return layout.unpack(data) if len(data) == layout.size else None


def _members(archive, names, uncompressed_limit):
    """Array name -> ZipInfo, checked from the zip's directory alone (nothing is decompressed)."""
    infos = archive.infolist()
    known = {f"{name}.npy": name for name in names}
    unknown = [info.filename for info in infos if info.filename not in known]
    expect(not unknown, f"unknown arrays {shorten(unknown)}")
    names = [known[info.filename] for info in infos]
    expect(len(set(names)) == len(names), "the archive holds an array twice")
    expect(METADATA in names, "the metadata is missing")
    for info in infos:
        expect(info.compress_type in _COMPRESSIONS and not info.flag_bits & 0x1,
               f"{info.filename} is encrypted or compressed with an unsupported method")
    total = sum(info.file_size for info in infos)
    # The sizes come from the zip's directory; every later read is bounded by them.
    expect(total <= uncompressed_limit, f"the arrays take {total} bytes uncompressed, more than the "
           f"{uncompressed_limit} a model within the limits can take (see load's max_parameters)")
    return dict(zip(names, infos, strict=True))


# ------------------------------------------------------------------ writing
def write_model_file(path, metadata, arrays):
    """Write ``arrays`` and the JSON ``metadata`` to ``path`` as one ``.npz`` archive, atomically.

    The archive is written to a temporary file beside the destination,
    flushed to disk, then renamed into place, so a crash never leaves a
    half-written model under ``path``. Through a symbolic link, the link's
    target is replaced and the link kept: replacing the link itself would
    silently detach whoever follows it. As with ``open()``, an existing
    file keeps its permission bits, and a new file gets ``0o666`` less the
    umask (``mkstemp`` would leave 0600, unreadable by a serving account).
    Hard links to an existing file are not kept: the rename gives ``path``
    a new file.

    Parameters
    ----------
    path : str or os.PathLike
        The destination.
    metadata : dict
        JSON-serializable; stored as UTF-8 bytes in the ``metadata`` member,
        after the arrays.
    arrays : dict of str to numpy.ndarray
        The other members, in order; none may hold Python objects, which
        only pickle could read back.

    Raises
    ------
    TypeError or ValueError
        ``metadata`` is not JSON-serializable; nothing is written.
    OSError
        The file cannot be written. The error names ``path``, not the
        temporary file, which the caller never chose; the temporary file is
        removed.
    """
    # Encoded before anything touches the disk, so unserializable metadata writes nothing.
    members = {**arrays, METADATA: np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)}
    destination = os.path.realpath(path)
    if os.path.islink(destination):  # realpath stops at a loop of links instead of raising
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), os.fspath(path))
    mode = _existing_mode(destination)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(destination), prefix=".skdeep-",
                                             suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **members)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it the model
        os.chmod(temporary, 0o666 & ~_umask() if mode is None else mode)
        os.replace(temporary, destination)
    except BaseException as error:
        if temporary is not None:
            os.unlink(temporary)
        if isinstance(error, OSError) and error.errno is not None:
            raise OSError(error.errno, error.strerror, os.fspath(path)) from error
        raise


def _existing_mode(path):
    """Permission bits of the file at ``path``, or None where there is none."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _umask():
    """The process's umask, read without changing it where the system allows.

    ``os.umask`` can only read the mask by setting it, which races with other
    threads creating files; Linux shows it in /proc instead.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
