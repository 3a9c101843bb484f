"""Fetching datasets and weight files: checksums, archives, local folders.

A `source` is an http(s)/ftp URL, a `file:` URL, a local archive or a local directory holding a
dataset as distributed and extracted. URLs are fetched with pooch (checksum verified, partial files
removed on failure); archives are extracted only after every member has been checked to land
inside the target folder, into a fresh folder that then replaces the previous extraction whole (a
folder never mixes two sources). Local directories are used in place: the workflow never copies,
modifies or deletes a user's raw data.

Credentials (the `auth_env` variables, or `user:password@` in a URL) are sent to the server and
written nowhere: every location that reaches a log, the marker, an error or the provenance goes
through `redact`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pooch

from agecascade.redaction import RedactingFilter, redact  # noqa: F401  (redact: used here and re-exported)

log = logging.getLogger(__name__)

REMOTE_SCHEMES = ("http", "https", "ftp", "sftp")
pooch.get_logger().addFilter(RedactingFilter())


class SourceError(Exception):
    """A dataset source that is missing, unreachable, or does not match its checksum."""


@dataclass(frozen=True)
class Source:
    """One file or folder of a dataset.

    Attributes:
        location: URL or local path as written in the config.
        known_hash: "md5:<hex>" / "sha256:<hex>", or None to skip verification.
        auth_env: names of the environment variables holding (user, password), or None.
    """

    location: str
    known_hash: str | None = None
    auth_env: tuple[str, str] | None = None

    @property
    def scheme(self) -> str:
        parsed = urlparse(self.location)
        return parsed.scheme.lower() if len(parsed.scheme) > 1 else ""  # "C:" is a drive

    @property
    def is_remote(self) -> bool:
        return self.scheme in REMOTE_SCHEMES

    @property
    def local_path(self) -> Path:
        """The path of a `file:` URL or plain path (relative paths: to the working directory)."""
        if self.scheme == "file":
            parsed = urlparse(self.location)
            return Path(unquote(parsed.netloc + parsed.path))
        return Path(self.location).expanduser()

    @property
    def filename(self) -> str:
        return Path(unquote(urlparse(self.location).path)).name or "download"

    @property
    def shown(self) -> str:
        """The location as it may be written anywhere: without credentials."""
        return redact(self.location)

    def split_userinfo(self) -> tuple[str, tuple[str, str] | None]:
        """(URL without user-info, (user, password) from it or None)."""
        parsed = urlparse(self.location)
        if parsed.username is None:
            return self.location, None
        netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        return parsed._replace(netloc=netloc).geturl(), (unquote(parsed.username), unquote(parsed.password or ""))


def read_checksum(value: str | None, algorithm: str) -> str | None:
    """A configured checksum as pooch's "alg:hex"; `file:<path>` reads a `sha256sum`-style file."""
    if value is None or value == "":
        return None
    value = str(value).strip()
    if value.startswith("file:"):
        path = Path(value[len("file:") :])
        if not path.is_file():
            raise SourceError(f"Checksum file {path} does not exist (configured as {value!r}).")
        value = path.read_text().split()[0]
    return f"{algorithm}:{value.lower()}"


def sources_from_config(name: str, spec: dict) -> list[Source]:
    """The sources of dataset `name` from its config entry (`datasets.<name>` or `weights.<name>`).

    `source` is either one location (checksum in `sha256`/`md5` beside it) or a list of
    `{url, sha256?, md5?}` entries. A missing source raises `SourceError` with the config's
    `request` text, which says where the licensed datasets are to be requested.
    """
    raw = spec.get("source")
    if not raw:
        where = spec.get("request", "")
        raise SourceError(
            f"No source configured for '{name}'. {where} Then set `source` of '{name}' in "
            "config.yaml to its URL, archive or extracted folder.".replace("  ", " ")
        )
    auth = spec.get("auth_env")
    auth_env = (auth["user"], auth["password"]) if auth else None
    entries = raw if isinstance(raw, list) else [{"url": raw, **spec}]
    sources = []
    for entry in entries:
        known_hash = read_checksum(entry.get("sha256"), "sha256") or read_checksum(
            entry.get("md5"), "md5"
        )
        sources.append(Source(str(entry["url"]), known_hash, auth_env))
    return sources


def _copy_downloader(url: str, output_file, pooch_obj=None, check_only: bool = False):
    """pooch downloader for `file:` URLs: a plain copy, so hashing and cleanup stay pooch's."""
    if check_only:
        return Source(url).local_path.is_file()
    source = Source(url).local_path
    if not source.is_file():
        raise SourceError(f"{url}: no such file.")
    if isinstance(output_file, (str, os.PathLike)):
        shutil.copyfile(source, output_file)
    else:
        with open(source, "rb") as handle:
            shutil.copyfileobj(handle, output_file)


class DownloadProgress:
    """pooch's progress bar interface (`total`, `update`, `reset`, `close`) writing log lines: MB
    done / total, rate and ETA, at most one every 30 seconds."""

    def __init__(self, label: str):
        from agecascade.logs import Progress

        self._progress = None
        self._factory = lambda total: Progress("MB", total, f"download {label}")
        self.total = None

    def reset(self):  # pooch calls it at the start and again before its final update(total)
        if self._progress is None:
            self._progress = self._factory(self.total / 1e6 if self.total else None)
        else:
            self._progress.done = 0.0

    def update(self, chunk_bytes):
        if self._progress is None:
            self.reset()
        self._progress.update(chunk_bytes / 1e6)

    def close(self):
        if self._progress is not None:
            self._progress.update(0, final=True)


def _credentials(source: Source) -> tuple[str, str] | None:
    _, from_url = source.split_userinfo()
    if source.auth_env is None:
        return from_url
    user_var, password_var = source.auth_env
    user, password = os.environ.get(user_var), os.environ.get(password_var)
    if not user or not password:
        raise SourceError(
            f"{source.shown} needs credentials: set the environment variables {user_var} and "
            f"{password_var} (they are never written to config or logs)."
        )
    return user, password


def fetch(source: Source, downloads_dir: Path) -> Path:
    """Make one source available locally and verify its checksum.

    URLs (http(s), ftp, file:) are downloaded (`_download`); a local path is verified in place and
    never copied or changed.

    Returns:
        The local file or directory.
    """
    if source.is_remote or source.scheme == "file":
        return _download(source, downloads_dir)
    path = source.local_path
    if not path.exists():
        raise SourceError(f"Source {source.shown} does not exist.")
    if path.is_file() and source.known_hash:
        algorithm, expected = source.known_hash.split(":", 1)
        actual = pooch.file_hash(str(path), alg=algorithm)
        if actual != expected:
            raise SourceError(
                f"{path}: {algorithm} checksum {actual} does not match the configured {expected}."
            )
    return path


def _download(source: Source, downloads_dir: Path) -> Path:
    """Download a URL with pooch into a folder of `downloads_dir` named after the source and its
    checksum (`cache_key`): an earlier download of the same source with the same checksum is not
    fetched again, another source with the same file name never reuses it; a mismatch is an error
    and the partial file is removed."""
    downloader = _copy_downloader
    if source.is_remote:
        downloader = pooch.HTTPDownloader(auth=_credentials(source), progressbar=DownloadProgress(source.shown),
                                         chunk_size=1 << 20)
        if source.scheme in ("ftp", "sftp"):
            downloader = None  # pooch picks its FTP/SFTP downloader
    url, _ = source.split_userinfo()  # pooch (and its log) never sees credentials
    folder = downloads_dir / cache_key(url, source.known_hash)
    if source.known_hash is None:
        # nothing says the cached copy is still the source's: a download that runs (the first, or
        # a forced rerun) fetches it again
        (folder / source.filename).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return Path(pooch.retrieve(url, known_hash=source.known_hash, fname=source.filename, path=folder,
                                   downloader=downloader, progressbar=False))
    except ValueError as error:  # pooch: checksum mismatch (the temporary file is gone)
        _remove_if_empty(folder)
        raise SourceError(redact(f"{source.shown}: {error}")) from error
    except SourceError:
        raise
    except Exception as error:  # requests' HTTP and connection errors, FTP errors, ...
        status = getattr(getattr(error, "response", None), "status_code", None)
        hint = {401: "the credentials were refused", 403: "access denied",
                404: "no such file on the server: check the URL"}.get(status, "check the URL and the network")
        _remove_if_empty(folder)
        raise SourceError(redact(f"{source.shown}: download failed ({hint}): {error}")) from error


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def cache_key(url: str, known_hash: str | None) -> str:
    """The download's folder name: the source (without credentials) and its checksum, hashed."""
    return hashlib.sha256(f"{url}\n{known_hash or ''}".encode()).hexdigest()[:16]


def work_relative(path: Path) -> str:
    """A path inside the work folder (the current directory) relative to it, so a copied or moved
    work folder reads its own files; a path elsewhere (a user's data folder) stays absolute."""
    resolved, work = Path(path).resolve(), Path.cwd().resolve()
    return str(resolved.relative_to(work)) if resolved.is_relative_to(work) else str(resolved)


def is_archive(path: Path) -> bool:
    return path.is_file() and (tarfile.is_tarfile(path) or zipfile.is_zipfile(path))


def _inside(target: Path, member: str) -> bool:
    resolved = (target / member).resolve()
    return resolved == target or target in resolved.parents


# what a dataset archive may hold; anything else (devices, FIFOs, ...) is refused by kind
_TAR_KINDS = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file",
              tarfile.DIRTYPE: "folder", tarfile.SYMTYPE: "symbolic link", tarfile.LNKTYPE: "hard link"}
_TAR_OTHER_KINDS = {tarfile.CHRTYPE: "a character device", tarfile.BLKTYPE: "a block device",
                    tarfile.FIFOTYPE: "a FIFO (named pipe)"}
NAME_MAX = 255  # the longest file name a folder can hold; longer ones only serve path-length tricks


def _lexical(path: str) -> str | None:
    """`path` normalised without touching the file system, or None if it leaves the archive's
    root (absolute, or `..` above it)."""
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return None
    normal = posixpath.normpath(path.replace("\\", "/"))
    return None if normal == ".." or normal.startswith("../") else normal


def _through_link(path: str, links: set[str]) -> str | None:
    """The symbolic-link member that `path` passes through (one of its parent folders), if any."""
    parts = path.split("/")
    return next((prefix for prefix in ("/".join(parts[:i]) for i in range(1, len(parts))) if prefix in links), None)


def tar_member_problem(member: tarfile.TarInfo, links: set[str]) -> str | None:
    """Why a tar member must not be extracted, or None. Checked by name alone, before anything is
    written, against the archive's own symbolic links (`links`, those seen so far): no absolute
    path or `..` out of the folder, no kind but files, folders and links, no name longer than a
    file system allows, nothing written or linked through a symbolic link of the archive, and
    links only to places inside it. Python's own `data` filter resolves links on disk and was
    bypassed (CVE-2025-4517): it runs too, after this."""
    if member.type not in _TAR_KINDS:
        return f"is {_TAR_OTHER_KINDS.get(member.type, f'of tar type {member.type!r}')}, not a file or a folder"
    name = _lexical(member.name)
    if name is None:
        return "would land outside the extraction folder"
    if any(len(part.encode()) > NAME_MAX for part in name.split("/")):
        return f"has a name part longer than {NAME_MAX} bytes"
    if _through_link(name, links):
        return f"would be written through the symbolic link {_through_link(name, links)!r} of the archive"
    if member.type == tarfile.SYMTYPE:
        target = _lexical(posixpath.join(posixpath.dirname(name), member.linkname))
        if target is None or target in links or _through_link(target, links):
            return f"is a symbolic link to {member.linkname!r}, outside the folder or through another link"
    if member.type == tarfile.LNKTYPE:
        target = _lexical(member.linkname)
        if target is None or target in links or _through_link(target, links):
            return f"is a hard link to {member.linkname!r}, outside the folder or through a symbolic link"
    return None


def _check_tar(archive: Path, tar: tarfile.TarFile, target: Path) -> list[tarfile.TarInfo]:
    """Every member of a tar archive, each checked before anything is written (a SourceError
    naming the first refused member and what it is)."""
    members, links = tar.getmembers(), set()
    for member in members:
        problem = tar_member_problem(member, links)
        try:
            if problem is None:
                tarfile.data_filter(member, str(target))
        except tarfile.FilterError as error:
            problem = f"would land outside the extraction folder ({error})"
        if problem:
            raise SourceError(f"{archive}: refused, member {member.name[:200]!r} {problem}; nothing was extracted.")
        if member.type == tarfile.SYMTYPE:
            links.add(_lexical(member.name))
    return members


def extract(archive: Path, target: Path) -> None:
    """Extract a tar (any compression) or zip archive into `target`.

    Every member is checked before anything is written (`tar_member_problem`): absolute paths,
    `..`, devices and FIFOs, links out of `target` or through the archive's own links are refused
    with an error naming the member, and nothing is extracted.
    """
    target.mkdir(parents=True, exist_ok=True)
    target = target.resolve()
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            tar.extractall(target, members=_check_tar(archive, tar, target), filter="data")
        return
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            if name.startswith(("/", "\\")) or not _inside(target, name):
                raise SourceError(
                    f"{archive}: refused, member {name!r} would land outside {target}."
                )
        zipped.extractall(target)


def download_dataset(name: str, spec: dict, raw_dir: Path, downloads_dir: Path) -> dict:
    """Fetch, verify and unpack every source of a dataset; describe the result in a marker file.

    Archives are extracted, and plain files copied, into a fresh folder beside `raw_dir` that then
    replaces `raw_dir` whole: a new source never mixes with an earlier extraction, and a failed or
    killed extraction leaves the previous one as it was. Local directories are only referenced.
    The marker `raw_dir/dataset.json` lists the folders where the dataset's files are (`roots`;
    inside the work folder relative to it: `work_relative`) and every source with its checksum (a
    changed source re-runs the preparation).

    Returns:
        The marker's content.
    """
    raw_dir = Path(raw_dir)
    final = raw_dir.resolve()
    staging = raw_dir.parent / f".{raw_dir.name}.extracting"
    shutil.rmtree(staging, ignore_errors=True)  # leftovers of a killed run
    staging.mkdir(parents=True)
    roots, files = [], []
    for source in sources_from_config(name, spec):
        local = fetch(source, downloads_dir)
        log.info("%s: %s -> %s", name, source.shown, local)
        if local.is_dir():
            roots.append(work_relative(local))
        elif is_archive(local):
            extract(local, staging)
            roots.append(work_relative(final))
        else:
            shutil.copyfile(local, staging / local.name)
            roots.append(work_relative(final))
        files.append({"source": source.shown, "local": work_relative(local), "hash": source.known_hash})
    marker = {"dataset": name, "roots": sorted(set(roots)), "files": files}
    (staging / "dataset.json").write_text(json.dumps(marker, indent=2) + "\n")
    previous = raw_dir.parent / f".{raw_dir.name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if raw_dir.exists():
        raw_dir.rename(previous)
    staging.rename(raw_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return marker


def read_marker(path: str | Path) -> list[Path]:
    """The dataset roots recorded by `download_dataset` (relative ones: in the work folder)."""
    return [Path(root) for root in json.loads(Path(path).read_text())["roots"]]


def unchecked_sources(path: str | Path) -> list[str]:
    """The sources of a marker that were used without a checksum (shown without credentials)."""
    return [f["source"] for f in json.loads(Path(path).read_text())["files"] if not f.get("hash")]


def result_identity(location, hash_local_file: bool = False) -> dict:
    """What a download's result depends on, as Snakemake records it (a rule's params): the source
    without secrets, or, for a local file (`hash_local_file`), its content: the file moved
    elsewhere or a checksum set for it then reruns nothing, and a change in place is seen.
    Checksums are left out: they verify a result, they do not change it."""
    if isinstance(location, str) and hash_local_file:
        source = Source(location)
        if not source.is_remote and source.local_path.is_file():
            return {"content_sha256": hashlib.sha256(source.local_path.read_bytes()).hexdigest()}
    return {"source": json.loads(redact(json.dumps(location)))}  # a location, a list of them, or null


def database_file_spec(entry: dict, kind: str = "protocol") -> dict:
    """A dataset's unified-benchmark database file (`kind` "protocol") or benchmark file
    ("benchmark") as a single-file source (`download_file`)."""
    return {"source": entry[f"{kind}_file"], "sha256": entry.get(f"{kind}_sha256")}


def download_file(name: str, spec: dict, output: str | Path, downloads_dir: Path) -> Path:
    """Fetch a single-file source (a weight file) and place a copy at `output`."""
    sources = sources_from_config(name, spec)
    if len(sources) != 1:
        raise SourceError(f"'{name}' must have exactly one source, not {len(sources)}.")
    local = fetch(sources[0], downloads_dir)
    if not local.is_file():
        raise SourceError(f"'{name}': {local} is not a file.")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(local, output)
    return output
