"""Reading a model archive (a zip) as hostile input: bounded, strict, and failing in one way.

``read_members`` opens the zip and returns the bytes of the members the format names, after
refusing, before anything is decompressed: a member the format does not know, a name that
repeats, an absolute or ``..`` name, an encrypted member or an unknown compression, and a
declared size over the member's cap. While a member streams out of the zip, the bytes are
counted against its cap and, for a compressed member, against ``MAX_COMPRESSION_RATIO`` times
its compressed size (a 1 MB member that inflates to 2 GiB stops after 200 MB, not at 2 GiB).
The zip's CRC-32 is checked by ``zipfile`` at the end of each member.

Every failure is a :class:`ModelFileError` (a ValueError) that names the file.
"""

import os
import zipfile

MAX_COMPRESSION_RATIO = 200        # a deflated member may inflate at most this much (weights: ~1.1x)
MAX_MEMBERS = 64                   # a model archive holds a handful
_CHUNK = 1 << 20


class ModelFileError(ValueError):
    """A model or weights file is missing, malformed, refused as unsafe, or does not match the model."""


def fail(filepath, problem, what="load_model"):
    """The ModelFileError for ``filepath`` (``what`` names the operation: load_model, load_weights)."""
    return ModelFileError(f"{what}: cannot load '{filepath}': {problem}")


def _check_name(name, filepath, what):
    parts = name.replace("\\", "/").split("/")
    if (not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ":" in parts[0]
            or any(p in ("..", ".") for p in parts)):
        raise fail(filepath, f"the archive holds a member with an unsafe path {name!r:.120} (absolute, "
                             "'..' or drive-relative): refused", what)


def read_members(filepath, limits, required=(), what="load_model"):
    """``{name: bytes}`` for the members of the zip ``filepath`` (see the module docstring).

    Args:
        filepath: the archive.
        limits: ``{member name: max bytes}``: the only members allowed.
        required: names that must be present.
        what: the operation, for messages.

    Raises:
        ModelFileError: naming the file and the problem.
    """
    if not os.path.isfile(filepath):
        raise ModelFileError(f"File not found: filepath={filepath}. Please ensure the file is an accessible "
                             "`.nerve` zip file.")
    try:
        with zipfile.ZipFile(filepath, "r") as archive:
            infos = archive.infolist()
            _check_directory(infos, limits, filepath, what)
            members = {info.filename: _read_member(archive, info, limits[info.filename], filepath, what)
                       for info in infos}
    except ModelFileError:
        raise
    except Exception as err:      # zipfile raises BadZipFile, zlib.error, EOFError, struct.error, ...
        raise fail(filepath, f"it is not a valid nerve model archive (a zip file): "
                             f"{type(err).__name__}: {err}", what) from None
    missing = [name for name in required if name not in members]
    if missing:
        raise fail(filepath, f"the archive has no '{missing[0]}' (it holds {sorted(members)}); the file is "
                             "truncated or was not written by nerve", what)
    return members


def _check_directory(infos, limits, filepath, what):
    if len(infos) > MAX_MEMBERS:
        raise fail(filepath, f"the archive lists {len(infos)} members; a model archive holds at most "
                             f"{MAX_MEMBERS}", what)
    seen = set()
    for info in infos:
        name = info.filename
        _check_name(name, filepath, what)
        if name in seen:
            raise fail(filepath, f"the archive holds '{name}' twice: refused (which copy is meant is "
                                 "ambiguous)", what)
        seen.add(name)
        if name not in limits:
            raise fail(filepath, f"the archive holds '{name:.120}', which the format does not know "
                                 f"(expected only {sorted(limits)})", what)
        if info.flag_bits & 0x1:
            raise fail(filepath, f"'{name}' is encrypted", what)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise fail(filepath, f"'{name}' uses compression method {info.compress_type}; only stored "
                                 "and deflated members are read", what)
        if info.file_size > limits[name]:
            raise fail(filepath, f"'{name}' declares {info.file_size} bytes, over its limit of "
                                 f"{limits[name]} bytes", what)
        if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > _ratio_cap(info):
            raise fail(filepath, f"'{name}' would inflate {info.compress_size} bytes to {info.file_size} "
                                 f"(over {MAX_COMPRESSION_RATIO}x): refused as a zip bomb", what)


def _ratio_cap(info):
    return MAX_COMPRESSION_RATIO * max(info.compress_size, 1024)


def _read_member(archive, info, cap, filepath, what):
    """The member's bytes, counted against its cap and ratio while they stream."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        cap = min(cap, _ratio_cap(info))
    chunks, total = [], 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > cap or total > info.file_size:
                raise fail(filepath, f"'{info.filename}' inflates past {min(cap, info.file_size)} bytes "
                                     "(its declared size or limit): refused", what)
            chunks.append(chunk)
    return b"".join(chunks)
