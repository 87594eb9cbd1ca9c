"""Where the Spark engine reads and writes: local paths, or URIs of any file system the Spark
session's Hadoop configuration handles (``hdfs://``, ``s3a://``, ``file://``, ...).

A *location* is a :class:`~pathlib.Path` (a local or mounted path, used as it always was) or
a URI string (``scheme://...``).  :func:`files` gives the file operations the engine needs
for a location: :class:`LocalFiles` on the local file system, or :class:`HadoopFiles`
through the session's JVM (``org.apache.hadoop.fs.FileSystem``), so every scheme the cluster
is configured for works without another dependency.  Parquet that Spark reads or writes goes
straight to the location; the files the driver writes (its parts of the stage inputs, the
manifests, the final records) are written to a local file and then moved there, and the ones
it reads are copied to a local file first.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

from dupwire.errors import DupwireError, InputError, OutputError, ParamsError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "Files",
    "HadoopFiles",
    "LocalFiles",
    "Location",
    "fetch_inputs",
    "files",
    "is_uri",
    "join",
    "location",
]

#: A local (or mounted) path, or a URI string such as ``hdfs://namenode/data/out``.
Location = Union[Path, str]  # noqa: UP007 - a runtime alias; Python 3.10 allows both

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# What pathlib makes of a URI: Path("hdfs://nn/out") is hdfs:/nn/out (one slash dropped).
_FOLDED_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):/(?!/)")
T = TypeVar("T")


def is_uri(value: str | Path) -> bool:
    """Whether ``value`` is a URI (``scheme://...``) rather than a local path."""
    return isinstance(value, str) and _URI.match(value) is not None


def location(value: str | Path) -> Location:
    """``value`` as a location: a URI string stays a string, anything else is a Path.

    Raises :class:`ParamsError` for a Path made from a URI (``Path("hdfs://nn/out")`` is
    ``hdfs:/nn/out``: pathlib drops a slash, so it cannot be told from a local path).
    """
    if is_uri(value):
        return str(value)
    text = str(value)
    folded = _FOLDED_URI.match(text)
    if folded and isinstance(value, Path):
        fixed = f"{folded.group(1)}://{text[folded.end() :]}"
        msg = f"{text}: a URI made into a Path loses a slash; pass it as a string ({fixed!r})"
        raise ParamsError(msg)
    return Path(value)


def join(base: Location, *names: str) -> Location:
    """``base`` with ``names`` appended (``/`` between them, for a URI as for a path)."""
    if isinstance(base, Path):
        return base.joinpath(*names)
    return "/".join((base.rstrip("/"), *names))


def _name(loc: Location) -> str:
    return loc.name if isinstance(loc, Path) else loc.rstrip("/").rsplit("/", 1)[-1]


class Files:
    """The file operations of one kind of location (see the module docstring)."""

    def mkdirs(self, loc: Location) -> None:
        """Create the directory ``loc`` and its parents (nothing if it exists)."""
        raise NotImplementedError

    def exists(self, loc: Location) -> bool:
        raise NotImplementedError

    def is_file(self, loc: Location) -> bool:
        raise NotImplementedError

    def remove(self, loc: Location) -> None:
        """Delete the file or directory ``loc`` (nothing if it is missing)."""
        raise NotImplementedError

    def _publish(self, local: Path, loc: Location) -> None:
        """Replace ``loc`` by the local file or directory ``local`` (moved, not copied)."""
        raise NotImplementedError

    @contextmanager
    def local_copy(self, loc: Location) -> Iterator[Path]:
        """A local path holding the file or directory ``loc`` (a copy for a URI)."""
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def writing(self, loc: Location) -> Iterator[Path]:
        """A local path to write a file or directory to; when the block ends without an
        error, it replaces ``loc`` (so a reader never sees half of it)."""
        with tempfile.TemporaryDirectory(prefix="dupwire-") as tmp:
            local = Path(tmp) / _name(loc)
            yield local
            self._publish(local, loc)

    def read_text(self, loc: Location) -> str:
        with self.local_copy(loc) as local:
            return local.read_text(encoding="utf-8")

    def write_text(self, loc: Location, text: str) -> None:
        with self.writing(loc) as local:
            local.write_text(text, encoding="utf-8")


class LocalFiles(Files):
    """Local (or mounted) paths."""

    def mkdirs(self, loc: Location) -> None:
        Path(loc).mkdir(parents=True, exist_ok=True)

    def exists(self, loc: Location) -> bool:
        return Path(loc).exists()

    def is_file(self, loc: Location) -> bool:
        return Path(loc).is_file()

    def remove(self, loc: Location) -> None:
        path = Path(loc)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    @contextmanager
    def local_copy(self, loc: Location) -> Iterator[Path]:
        yield Path(loc)

    @contextmanager
    def writing(self, loc: Location) -> Iterator[Path]:
        # Written beside its place (name.tmp), then renamed over it.
        path = Path(loc)
        tmp = path.with_name(path.name + ".tmp")
        self.remove(tmp)
        yield tmp
        if tmp.is_dir():
            self.remove(path)
        tmp.replace(path)


class HadoopFiles(Files):
    """URIs, through the Hadoop ``FileSystem`` of the Spark session's JVM: any scheme the
    session is configured for (``hdfs://``, ``s3a://`` with hadoop-aws, ``file://``, ...).

    Every failure of the file system is raised as ``error`` (:class:`OutputError` unless
    given), in one line: the location, the Java exception and what to check.
    """

    def __init__(self, spark: SparkSession, error: type[DupwireError] = OutputError) -> None:
        try:
            self._jvm: Any = spark._jvm
            self._conf = spark._jsc.hadoopConfiguration()
        except AttributeError as exc:  # Spark Connect: no JVM on this side
            msg = (
                "URIs need a classic Spark session (one with a JVM on the driver), not Spark "
                "Connect; use a local or mounted path instead"
            )
            raise ParamsError(msg) from exc
        self._error = error

    def _path(self, loc: Location) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(str(loc))

    def _call(self, loc: Location, action: Callable[[Any, Any], T]) -> T:
        """``action(file_system, hadoop_path)`` for ``loc``, its Java errors made one line."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors.exceptions.captured import CapturedException

        try:
            path = self._path(loc)
            return action(path.getFileSystem(self._conf), path)
        except Py4JJavaError as exc:  # as raised by py4j
            java = exc.java_exception
            kind, detail = str(java.getClass().getSimpleName()), str(java.getMessage() or "")
        except CapturedException as exc:  # as PySpark converts some of them
            kind, detail = type(exc).__name__, str(exc)
        raise self._error(_refused(str(loc), kind, detail)) from None

    def mkdirs(self, loc: Location) -> None:
        self._call(loc, lambda fs, p: fs.mkdirs(p))

    def exists(self, loc: Location) -> bool:
        return bool(self._call(loc, lambda fs, p: fs.exists(p)))

    def is_file(self, loc: Location) -> bool:
        return bool(self._call(loc, lambda fs, p: fs.exists(p) and fs.getFileStatus(p).isFile()))

    def remove(self, loc: Location) -> None:
        self._call(loc, lambda fs, p: fs.delete(p, True))

    def _publish(self, local: Path, loc: Location) -> None:
        tmp = f"{str(loc).rstrip('/')}.tmp"
        source = self._jvm.org.apache.hadoop.fs.Path(local.resolve().as_uri())

        def publish(fs: Any, path: Any) -> None:
            temporary = self._path(tmp)
            fs.delete(temporary, True)
            fs.copyFromLocalFile(True, True, source, temporary)
            fs.delete(path, True)
            if not fs.rename(temporary, path):
                msg = f"{loc}: could not rename {tmp} to it; check the permissions there"
                raise self._error(msg)

        self._call(loc, publish)

    @contextmanager
    def local_copy(self, loc: Location) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="dupwire-") as tmp:
            local = Path(tmp) / (_name(loc) or "data")
            target = self._jvm.org.apache.hadoop.fs.Path(local.as_uri())
            # The raw local file system: no .crc files beside the copies.
            self._call(loc, lambda fs, p: fs.copyToLocalFile(False, p, target, True))
            yield local


def _refused(loc: str, kind: str, detail: str) -> str:
    """The one-line message of a Java ``kind`` of exception raised on ``loc``."""
    lines = detail.strip().splitlines()
    first = lines[0].split("; For more details see", 1)[0].strip() if lines else ""
    reason = f"{kind}: {first}" if first else kind
    scheme = loc.split("://", 1)[0]
    fix = (
        "add the hadoop-aws connector to the Spark session (spark-submit --packages "
        "org.apache.hadoop:hadoop-aws:<its Hadoop version>) and check the bucket"
        if scheme in ("s3a", "s3") and "ClassNotFound" in reason
        else f"check the URI, that the Spark session's Hadoop configuration handles {scheme}:// "
        "and that the location is reachable from the driver and writable"
    )
    return f"{loc}: the file system refused it ({reason}); {fix}"


def files(loc: Location, spark: SparkSession | None = None) -> Files:
    """The file operations for ``loc``: local for a Path, Hadoop (on ``spark``) for a URI."""
    if isinstance(loc, Path):
        return LocalFiles()
    if spark is None:
        msg = f"{loc}: a URI needs a Spark session to reach its file system"
        raise ParamsError(msg)
    return HadoopFiles(spark)


@contextmanager
def fetch_inputs(
    inputs: Sequence[str | Path], spark: SparkSession | None
) -> Iterator[list[str | Path]]:
    """``inputs`` with every URI replaced by a local copy (its file or directory name kept,
    so article ids are the same), removed when the block ends.  Local paths and ``-`` are
    left as they are, for :func:`dupwire.io.load_corpus` to read and check."""
    if not any(is_uri(item) for item in inputs):
        yield list(inputs)
        return
    if spark is None:
        msg = "input URIs are read with the Spark engine; pass --engine spark (or a local path)"
        raise InputError(msg)
    hadoop = HadoopFiles(spark, error=InputError)
    with tempfile.TemporaryDirectory(prefix="dupwire-inputs-") as tmp:
        local: list[str | Path] = []
        for k, item in enumerate(inputs):
            if not is_uri(item):
                local.append(item)
                continue
            uri = str(item)
            if not hadoop.exists(uri):
                msg = f"{uri}: no such file or directory; check the URI"
                raise InputError(msg)
            target = Path(tmp) / str(k)
            target.mkdir()
            with hadoop.local_copy(uri) as copy:
                local.append(Path(shutil.move(copy, target / copy.name)))
        yield local
