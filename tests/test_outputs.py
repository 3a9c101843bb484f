"""Outputs written whole: two writers of one path never share a temporary file, and a claimed
file refuses a second writer."""

import pytest

from agecascade.outputs import atomic_path, claimed, write_text


def test_two_writers_of_one_path_write_through_their_own_temporary_files(tmp_path):
    target = tmp_path / "ages.json"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second and first.suffix == second.suffix == ".json"
        first.write_text("first")
        second.write_text("second")
    assert target.read_text() == "first"  # the outer block ends last: its file is the one kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ages.json"]  # no temporary file left


def test_a_claimed_file_refuses_a_second_writer_and_a_failed_run_leaves_nothing(tmp_path):
    target = tmp_path / "ages.json"
    with claimed(target):
        with pytest.raises(FileExistsError, match="another run writing it"), claimed(target):
            pass
        write_text(target, "[1]")
    assert target.read_text() == "[1]"
    with pytest.raises(RuntimeError), claimed(tmp_path / "other.json"):
        raise RuntimeError("the run failed")
    assert not (tmp_path / "other.json").exists()
    with claimed(target, replace=True):  # --force
        write_text(target, "[2]")
    assert target.read_text() == "[2]"
