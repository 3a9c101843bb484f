import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from agecascade.download import (
    Source,
    SourceError,
    download_dataset,
    download_file,
    extract,
    fetch,
    sources_from_config,
)


def _tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_file_url_with_checksum_is_downloaded_verified_and_extracted(tmp_path):
    archive = _tar(tmp_path / "FGNET.tar.gz", {"FGNET/images/001A02.JPG": b"x", "FGNET/README": b"r"})
    spec = {"source": f"file:{archive}", "sha256": _sha256(archive)}
    marker = download_dataset("fgnet", spec, tmp_path / "raw", tmp_path / "downloads")
    assert (tmp_path / "raw" / "FGNET" / "images" / "001A02.JPG").read_bytes() == b"x"
    assert len(list((tmp_path / "downloads").glob("*/FGNET.tar.gz"))) == 1  # the download is kept
    assert marker["roots"] == [str((tmp_path / "raw").resolve())]
    assert json.loads((tmp_path / "raw" / "dataset.json").read_text()) == marker


def test_md5_and_checksum_files(tmp_path):
    archive = _tar(tmp_path / "a.tar.gz", {"a/b.txt": b"b"})
    (tmp_path / "a.tar.gz.sha256").write_text(f"{_sha256(archive)}  a.tar.gz\n")
    for spec in ({"md5": _md5(archive)}, {"sha256": f"file:{tmp_path / 'a.tar.gz.sha256'}"}):
        (source,) = sources_from_config("x", {"source": f"file://{archive}", **spec})
        assert fetch(source, tmp_path / "dl").is_file()


def test_checksum_mismatch_is_an_error_and_leaves_no_partial_file(tmp_path):
    archive = _tar(tmp_path / "imdb_crop.tar", {"imdb_crop/imdb.mat": b"m"})
    before = archive.read_bytes()
    spec = {"source": f"file:{archive}", "md5": "44b7548f288c14397cb7a7bab35ebe14"}
    with pytest.raises(SourceError, match="hash"):
        download_dataset("imdb", spec, tmp_path / "raw", tmp_path / "downloads")
    assert list((tmp_path / "downloads").iterdir()) == []  # partial download removed
    assert not (tmp_path / "raw" / "imdb_crop").exists()  # nothing extracted
    assert archive.read_bytes() == before  # the source is untouched


def test_local_archive_mismatch_names_both_checksums(tmp_path):
    archive = _tar(tmp_path / "a.tar", {"x": b"1"})
    with pytest.raises(SourceError, match=f"{_md5(archive)}.*0123456789abcdef0123456789abcdef"):
        fetch(Source(str(archive), "md5:0123456789abcdef0123456789abcdef"), tmp_path / "dl")


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "ok/../../evil.txt"])
def test_tar_members_outside_the_target_are_refused_before_anything_is_written(tmp_path, member):
    archive = _tar(tmp_path / "bad.tar.gz", {"good.txt": b"g", member: b"evil"})
    with pytest.raises(SourceError, match="refused"):
        download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")
    assert not (tmp_path / "raw" / "good.txt").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_tar_symlink_out_of_the_target_is_refused(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("data/link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(SourceError, match="refused"):
        download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")


def _cve_2025_4517_archive(path, outside):
    """The published shape of the tar `data` filter bypass: symbolic links chained through
    directory names so long that resolving them on disk passes PATH_MAX, then a link up to the
    root and a hard link through it, then a file written through the hard link."""
    long_name, steps, folder = "d" * 247, "abcdefghijklmnop", ""
    with tarfile.open(path, "w") as tar:
        for step in steps:
            tar.addfile(_member(os.path.join(folder, long_name), tarfile.DIRTYPE))
            tar.addfile(_member(os.path.join(folder, step), tarfile.SYMTYPE, long_name))
            folder = os.path.join(folder, long_name)
        up = os.path.join("/".join(steps), "l" * 254)
        tar.addfile(_member(up, tarfile.SYMTYPE, "../" * len(steps)))
        tar.addfile(_member("escape", tarfile.SYMTYPE, up + "/" + "../" * 8 + str(outside).lstrip("/")))
        tar.addfile(_member("victimlink", tarfile.LNKTYPE, "escape/victim.txt"))
        data = b"overwritten by the archive"
        info = tarfile.TarInfo("victimlink")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _member(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


def test_the_tar_filter_bypass_of_python_3_11_7_is_refused_and_nothing_lands_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("original")
    archive = tmp_path / "evil.tar"
    _cve_2025_4517_archive(archive, outside)
    with pytest.raises(SourceError) as refused:
        download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")
    assert "would be written through the symbolic link 'a' of the archive" in str(refused.value)
    assert "\n" not in str(refused.value)  # one line
    assert (outside / "victim.txt").read_text() == "original" and sorted(os.listdir(outside)) == ["victim.txt"]
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*victim*"))


@pytest.mark.parametrize("kind,said", [(tarfile.CHRTYPE, "is a character device"),
                                       (tarfile.BLKTYPE, "is a block device"),
                                       (tarfile.FIFOTYPE, "is a FIFO (named pipe)")])
def test_device_and_fifo_members_are_refused_saying_what_they_are(tmp_path, kind, said):
    archive = tmp_path / "odd.tar"
    with tarfile.open(archive, "w") as tar:
        tar.addfile(_member("data/odd", kind))
    with pytest.raises(SourceError, match=re.escape(f"member 'data/odd' {said}, not a file or a folder")):
        download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")


def test_links_inside_the_archive_are_extracted(tmp_path):
    archive = tmp_path / "links.tar"
    with tarfile.open(archive, "w") as tar:
        data = b"picture"
        info = tarfile.TarInfo("data/a.jpg")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        tar.addfile(_member("data/b.jpg", tarfile.LNKTYPE, "data/a.jpg"))
        tar.addfile(_member("data/c.jpg", tarfile.SYMTYPE, "a.jpg"))
    extract(archive, tmp_path / "out")
    assert (tmp_path / "out/data/b.jpg").read_bytes() == (tmp_path / "out/data/c.jpg").read_bytes() == b"picture"


def test_zip_traversal_is_refused(tmp_path):
    archive = tmp_path / "AgeDB.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("AgeDB/0_A_1_m.jpg", b"j")
        zipped.writestr("../../evil.txt", b"evil")
    with pytest.raises(SourceError, match="refused"):
        download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")
    assert not (tmp_path / "raw" / "AgeDB").exists()


def test_zip_archive_is_extracted(tmp_path):
    archive = tmp_path / "AgeDB.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("AgeDB/0_A_1_m.jpg", b"j")
    download_dataset("agedb", {"source": str(archive)}, tmp_path / "raw", tmp_path / "dl")
    assert (tmp_path / "raw" / "AgeDB" / "0_A_1_m.jpg").read_bytes() == b"j"


def test_local_directory_is_used_in_place_never_copied(tmp_path):
    dataset = tmp_path / "my_fgnet"
    (dataset / "images").mkdir(parents=True)
    (dataset / "images" / "001A02.JPG").write_bytes(b"x")
    marker = download_dataset("fgnet", {"source": str(dataset)}, tmp_path / "raw", tmp_path / "dl")
    assert marker["roots"] == [str(dataset.resolve())]
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["dataset.json"]


def test_missing_source_says_where_to_request_the_dataset():
    spec = {"source": None, "request": "AgeDB is licensed: request it at https://example.org/agedb."}
    with pytest.raises(SourceError, match=r"No source configured for 'agedb'\. AgeDB is licensed.*config.yaml"):
        sources_from_config("agedb", spec)


def test_nonexistent_local_source_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        fetch(Source(str(tmp_path / "nope.tar")), tmp_path / "dl")


def test_credentials_come_only_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ADIENCE_USER", raising=False)
    monkeypatch.delenv("ADIENCE_PASSWORD", raising=False)
    spec = {"source": "https://example.invalid/aligned.tar.gz",
            "auth_env": {"user": "ADIENCE_USER", "password": "ADIENCE_PASSWORD"}}
    (source,) = sources_from_config("adience", spec)
    with pytest.raises(SourceError, match="ADIENCE_USER and ADIENCE_PASSWORD"):
        fetch(source, tmp_path / "dl")


def test_multiple_sources_plain_files_are_copied(tmp_path):
    archive = _tar(tmp_path / "aligned.tar.gz", {"aligned/u/f.jpg": b"f"})
    folds = tmp_path / "fold_0_data.txt"
    folds.write_text("user_id\n")
    spec = {"source": [{"url": f"file:{archive}", "sha256": _sha256(archive)}, {"url": f"file:{folds}"}]}
    download_dataset("adience", spec, tmp_path / "raw", tmp_path / "dl")
    assert (tmp_path / "raw" / "fold_0_data.txt").read_text() == "user_id\n"
    assert (tmp_path / "raw" / "aligned" / "u" / "f.jpg").is_file()


def test_weight_file_download(tmp_path):
    weights = tmp_path / "rcmalli_vggface_tf_notop_vgg16.h5"
    weights.write_bytes(b"\x89HDF\r\n")
    out = download_file("vgg16", {"source": f"file:{weights}", "md5": _md5(weights)},
                        tmp_path / "weights" / "vgg16.h5", tmp_path / "dl")
    assert out.read_bytes() == weights.read_bytes()


def test_a_new_archive_replaces_the_old_extraction_whole(tmp_path):
    old = _tar(tmp_path / "old.tar.gz", {"FGNET/images/001A02.JPG": b"old", "FGNET/images/002A05.JPG": b"old"})
    new = _tar(tmp_path / "new.tar.gz", {"FGNET/images/001A02.JPG": b"new"})
    download_dataset("fgnet", {"source": f"file:{old}", "sha256": _sha256(old)}, tmp_path / "raw", tmp_path / "dl")
    marker = download_dataset("fgnet", {"source": f"file:{new}", "sha256": _sha256(new)}, tmp_path / "raw",
                              tmp_path / "dl")
    images = tmp_path / "raw" / "FGNET" / "images"
    assert sorted(p.name for p in images.iterdir()) == ["001A02.JPG"]  # nothing of the old archive left
    assert (images / "001A02.JPG").read_bytes() == b"new"
    assert marker["files"][0]["hash"] == f"sha256:{_sha256(new)}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".raw")) == []  # no staging left
    assert len(list((tmp_path / "dl").glob("*/old.tar.gz"))) == 1  # downloads are kept


def test_a_failed_extraction_leaves_the_previous_one(tmp_path):
    good = _tar(tmp_path / "good.tar.gz", {"FGNET/images/001A02.JPG": b"good"})
    download_dataset("fgnet", {"source": str(good)}, tmp_path / "raw", tmp_path / "dl")
    evil = _tar(tmp_path / "evil.tar.gz", {"../escape.txt": b"x"})
    with pytest.raises(SourceError, match="would land outside"):
        download_dataset("fgnet", {"source": str(evil)}, tmp_path / "raw", tmp_path / "dl")
    assert (tmp_path / "raw" / "FGNET" / "images" / "001A02.JPG").read_bytes() == b"good"


@pytest.fixture
def http_server(tmp_path):
    """A loopback HTTP server over tmp_path/served that records the Authorization headers."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_url_credentials_are_used_but_written_nowhere(tmp_path, http_server, caplog):
    import base64
    import logging

    from agecascade.tables import provenance

    served, host, seen = http_server
    archive = _tar(served / "adience.tar.gz", {"adience/fold_0_data.txt": b"x"})
    url = f"http://reviewer:s3cr3t-pw@{host}/adience.tar.gz"
    spec = {"source": url, "sha256": _sha256(archive)}
    caplog.set_level(logging.DEBUG)
    marker = download_dataset("adience", spec, tmp_path / "raw", tmp_path / "dl")
    assert seen == ["Basic " + base64.b64encode(b"reviewer:s3cr3t-pw").decode()]  # sent to the server
    written = [json.dumps(marker), (tmp_path / "raw" / "dataset.json").read_text(), caplog.text,
               json.dumps(provenance({"datasets": {"adience": spec}}, tmp_path))]
    from agecascade.download import redact

    written.append(redact(json.dumps({"datasets": {"adience": spec}})))
    for text in written:
        assert "s3cr3t-pw" not in text and "reviewer:" not in text
    assert f"http://***@{host}/adience.tar.gz" in marker["files"][0]["source"]
    assert f"download http://***@{host}/adience.tar.gz: 0 / 0 MB (100.0 %)" in caplog.text  # progress, MB
    # an error names the file, never the password
    with pytest.raises(SourceError) as error:
        download_dataset("adience", {"source": f"http://reviewer:s3cr3t-pw@{host}/missing.tar.gz"},
                         tmp_path / "raw2", tmp_path / "dl")
    assert "no such file on the server" in str(error.value) and "404" in str(error.value)
    assert "s3cr3t-pw" not in str(error.value)


def test_an_empty_dataset_folder_says_which_layout_was_expected(tmp_path):
    from agecascade.data.registry import read_records

    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match=r"expected fold_0_data.txt \.\.\. fold_4_data.txt beside aligned/"):
        read_records("adience", [tmp_path / "empty"])


@pytest.mark.integration
def test_the_download_rule_leaves_no_credentials_in_logs_or_snakemake_metadata(repo, tmp_path, http_server):
    import subprocess
    import sys

    served, host, seen = http_server
    archive = _tar(served / "fgnet.tar.gz", {"FGNET/images/001A02.JPG": b"x"})
    (tmp_path / "creds.yaml").write_text(
        f"datasets:\n  fgnet:\n    source: http://reviewer:s3cr3t-pw@{host}/fgnet.tar.gz\n"
        f"    sha256: {_sha256(archive)}\n")
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "-d", str(work),
                             "--cores", "1", "resources/raw/fgnet/dataset.json", "--configfile",
                             str(repo / "config.yaml"), str(tmp_path / "creds.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert seen and seen[0].startswith("Basic ")  # the credentials reached the server
    assert "s3cr3t-pw" not in result.stdout + result.stderr
    for path in work.rglob("*"):
        if path.is_file():
            assert b"s3cr3t-pw" not in path.read_bytes(), path


def test_another_source_with_the_same_file_name_and_no_checksum_is_downloaded_again(tmp_path):
    first = _tar((tmp_path / "a").mkdir() or tmp_path / "a" / "fgnet.tar.gz", {"FGNET/images/001A02.JPG": b"first"})
    second = _tar((tmp_path / "b").mkdir() or tmp_path / "b" / "fgnet.tar.gz", {"FGNET/images/001A02.JPG": b"second"})
    download_dataset("fgnet", {"source": f"file:{first}"}, tmp_path / "raw", tmp_path / "dl")
    marker = download_dataset("fgnet", {"source": f"file:{second}"}, tmp_path / "raw", tmp_path / "dl")
    assert (tmp_path / "raw" / "FGNET" / "images" / "001A02.JPG").read_bytes() == b"second"  # not the old file
    assert marker["files"][0]["source"].endswith("b/fgnet.tar.gz") and marker["files"][0]["hash"] is None
    from agecascade.download import unchecked_sources

    assert unchecked_sources(tmp_path / "raw" / "dataset.json") == [marker["files"][0]["source"]]


def test_a_copied_work_folder_reads_its_own_raw_data(tmp_path, monkeypatch):
    import shutil

    from agecascade.download import read_marker

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    archive = _tar(tmp_path / "fgnet.tar.gz", {"FGNET/images/001A02.JPG": b"x"})
    outside = tmp_path / "my_data"  # a user's data folder outside the work folder
    (outside / "FGNET").mkdir(parents=True)
    download_dataset("fgnet", {"source": f"file:{archive}"}, Path("resources/raw/fgnet"), Path("resources/downloads"))
    marker = json.loads((work / "resources/raw/fgnet/dataset.json").read_text())
    assert marker["roots"] == ["resources/raw/fgnet"]  # inside the work folder: relative to it
    assert not Path(marker["files"][0]["local"]).is_absolute()
    download_dataset("agedb", {"source": str(outside)}, Path("resources/raw/agedb"), Path("resources/downloads"))
    assert read_marker("resources/raw/agedb/dataset.json") == [outside.resolve()]  # elsewhere: absolute
    shutil.copytree(work, tmp_path / "copy")
    monkeypatch.chdir(tmp_path / "copy")
    (root,) = read_marker("resources/raw/fgnet/dataset.json")
    assert (root / "FGNET/images/001A02.JPG").resolve().is_relative_to((tmp_path / "copy").resolve())


def test_query_string_secrets_are_redacted_in_text_sources_and_pooch_logs(caplog):
    import logging

    import pooch

    from agecascade.download import redact

    signed = "https://bucket.example/agedb.zip?X-Amz-Signature=abc123&token=s3cr3t"
    assert redact(f"fetching {signed} now") == (
        "fetching https://bucket.example/agedb.zip?X-Amz-Signature=***&token=*** now")
    (source,) = sources_from_config("agedb", {"source": signed})
    assert "s3cr3t" not in source.shown and "abc123" not in source.shown
    logger = pooch.get_logger()  # pooch's own logger (it does not propagate)
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="pooch"):
            logger.info("Downloading data from '%s' to file", signed)
    finally:
        logger.removeHandler(caplog.handler)
    assert "s3cr3t" not in caplog.text and "X-Amz-Signature=***" in caplog.text


@pytest.mark.parametrize("text,secret", [
    # requests' message has no scheme before the path
    ("HTTPSConnectionPool(host='b.s3.example', port=443): Max retries exceeded with url: "
     "/AgeDB.json?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=f00d (Caused by NewConnectionError)", "f00d"),
    ("urlopen error for /AgeDB.json?X-Amz-Credential=AKIA2026&X-Amz-Signature=f00d", "AKIA2026"),
    ("https://alice:p@ss@host.example/AgeDB.json", "ss@host"),  # a password with an unencoded @
    ("https://alice:p@ss@host.example/AgeDB.json", "p@"),
])
def test_secrets_are_redacted_with_or_without_a_scheme_and_with_an_at_in_the_password(text, secret):
    from agecascade.download import redact

    shown = redact(text)
    assert secret not in shown and "***" in shown


def test_the_database_file_spec_recorded_as_a_param_carries_no_secret(repo):
    from agecascade import config
    from agecascade.plan.study import Study

    paper = config.load(repo / "config.yaml")
    signed = "https://bucket.example/AgeDB.json?X-Amz-Credential=AKIA2026&X-Amz-Signature=f00d"
    paper["datasets"]["agedb"]["protocol_file"] = signed
    spec = Study(paper).data.database_spec(type("W", (), {"dataset": "agedb"})())
    assert "f00d" not in json.dumps(spec) and "AKIA2026" not in json.dumps(spec)
    assert spec["source"].startswith("https://bucket.example/AgeDB.json?X-Amz-Credential=***")


@pytest.mark.integration  # a subprocess: log_to takes over the process' stderr
def test_a_job_that_fails_on_a_signed_url_shows_no_secret_on_the_terminal_or_in_its_log(tmp_path):
    import subprocess
    import sys

    script = ("from agecascade.logs import log_to\nimport logging\nlog_to('job.log')\n"
              "logging.getLogger('x').info('fetching https://h.example/a.json?X-Amz-Signature=f00d')\n"
              "raise OSError(\"Max retries exceeded with url: /a.json?X-Amz-Signature=f00d\")\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    log = (tmp_path / "job.log").read_text()
    assert result.returncode == 1 and "agecascade: Max retries exceeded" in result.stderr
    assert "f00d" not in result.stderr + log and "X-Amz-Signature=***" in log


@pytest.mark.integration  # Snakemake runs: what a user's rerun plans
def test_a_checksum_or_a_move_reruns_nothing_a_fix_in_place_is_seen_and_a_forced_rerun_fetches_again(repo, tmp_path):
    import subprocess
    import sys

    database = tmp_path / "FG-Net.json"
    database.write_text(json.dumps([{"img_path": "001A02.JPG", "age": 2, "folder": 1, "id_num": 1}]))
    target = "resources/protocols/fgnet.json"

    def snakemake(*args, protocol_file=database, sha256=None):
        override = tmp_path / "override.yaml"
        override.write_text(json.dumps({"datasets": {"fgnet": {"protocol_file": str(protocol_file),
                                                                "protocol_sha256": sha256}}}))
        command = [sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "-d", str(tmp_path / "work"),
                   "--cores", "1", target, *args, "--configfile", str(repo / "config.yaml"), str(override)]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout + result.stderr

    snakemake()
    assert "Nothing to be done" in snakemake("-n", sha256=hashlib.sha256(database.read_bytes()).hexdigest())
    moved = tmp_path / "elsewhere" / "FG-Net.json"
    moved.parent.mkdir()
    moved.write_bytes(database.read_bytes())
    assert "Nothing to be done" in snakemake("-n", protocol_file=moved)
    database.write_text(json.dumps([{"img_path": "001A02.JPG", "age": 3, "folder": 1, "id_num": 1}]))  # fixed
    assert "download_protocol" in snakemake("-n")
    snakemake()
    assert json.loads((tmp_path / "work" / target).read_text())[0]["age"] == 3
    database.write_text(json.dumps([{"img_path": "001A02.JPG", "age": 4, "folder": 1, "id_num": 1}]))
    snakemake("--forcerun", "download_protocol", "--rerun-triggers", "mtime")  # forced, the change not looked at
    assert json.loads((tmp_path / "work" / target).read_text())[0]["age"] == 4  # fetched again, not the cached copy
