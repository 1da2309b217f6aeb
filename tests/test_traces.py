"""CSV traces: the schema holds, generation is deterministic and resumes without duplicates or gaps."""

from __future__ import annotations

import gzip
import json

import pytest

from sixg.errors import CorruptTraceError
from sixg.traces.__main__ import main as traces_main
from sixg.traces.generate import episode_paths
from sixg.traces.io import load_windows, read_episode
from sixg.traces.schema import UE_HEADER, WINDOW_HEADER, schema_markdown

pytestmark = pytest.mark.ns3

ARGS = ["generate", "--seeds", "4", "--episodes", "2", "--duration", "3", "--workers", "1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("traces")
    assert traces_main([*ARGS, "--out", str(out)]) == 0
    return out


def test_files_follow_the_schema(corpus):
    """Each episode has a window file and a UE file whose columns are exactly the documented ones."""
    windows, ues = episode_paths(corpus, "train", 4, 0)
    df = read_episode(windows)
    assert tuple(df.columns) == WINDOW_HEADER
    assert tuple(read_episode(ues, ues=True).columns) == UE_HEADER
    assert len(df) == 7  # t = 0 plus six 0.5 s windows
    assert df.t.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert set(df.slice) <= {"eMBB", "URLLC", "mMTC"}
    assert df.latency_ms.gt(0).all() and df.loss_rate.between(0, 1).all() and df.edge_load.between(0, 1).all()
    assert (df.ran.str.startswith("LTE/EPC")).all()
    meta = json.loads((corpus / "manifest.json").read_text())
    assert meta["window_s"] == 0.5 and meta["trace_schema_version"] >= 1
    for name in WINDOW_HEADER:
        assert f"`{name}`" in schema_markdown()


def test_resume_regenerates_only_what_is_missing(corpus, tmp_path):
    """Deleting one episode and rerunning restores it byte-identically, without touching the rest."""
    windows, ues = episode_paths(corpus, "train", 4, 1)
    original = gzip.decompress(windows.read_bytes())
    other = episode_paths(corpus, "train", 4, 0)[0]
    other_mtime = other.stat().st_mtime_ns
    windows.unlink()
    ues.unlink()
    (windows.parent / "episode-009.csv.gz.tmp").write_text("partial")  # left by an interrupted run
    assert traces_main([*ARGS, "--out", str(corpus)]) == 0
    assert gzip.decompress(windows.read_bytes()) == original
    assert other.stat().st_mtime_ns == other_mtime
    assert not list(windows.parent.glob("*.tmp"))
    df = load_windows(corpus)
    assert not df.duplicated(["seed", "episode", "t"]).any()
    assert df.groupby("episode").size().tolist() == [7, 7]


def test_settings_cannot_be_mixed_in_one_directory(corpus, capsys):
    """Resuming with another window length is refused instead of mixing corpora."""
    assert traces_main([*ARGS, "--out", str(corpus), "--window", "1.0"]) == 2
    assert "other settings" in capsys.readouterr().err


def test_corrupt_and_foreign_files_are_refused(corpus, tmp_path):
    """A truncated gzip or a CSV with other columns gets a clear error naming the file."""
    windows = episode_paths(corpus, "train", 4, 0)[0]
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(windows.read_bytes()[:40])
    with pytest.raises(CorruptTraceError, match="broken.csv.gz cannot be read"):
        read_episode(broken)
    foreign = tmp_path / "foreign.csv.gz"
    with gzip.open(foreign, "wt") as fh:
        fh.write("a,b\n1,2\n")
    with pytest.raises(CorruptTraceError, match="does not match trace schema"):
        read_episode(foreign)
    with pytest.raises(CorruptTraceError, match="no manifest.json"):
        load_windows(tmp_path)


def test_mixed_splits_are_refused(tmp_path, capsys):
    """One command cannot generate training and benchmark seeds together."""
    assert traces_main(["generate", "--seeds", "49-52", "--episodes", "1", "--duration", "1", "--out", str(tmp_path)]) == 2
    assert "span the training" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--window", "0"], "argument --window: must be a finite number above 0"),
        (["--duration", "-1"], "argument --duration: must be a finite number above 0"),
        (["--episodes", "0"], "argument --episodes: must be at least 1"),
        (["--duration", "0.2"], "--window (0.5 s) is longer than --duration (0.2 s)"),
    ],
)
def test_generate_refuses_bad_numbers_before_starting_ns3(tmp_path, capsys, argv, message):
    """Nonsensical counts and times are usage errors naming the flag; nothing is written."""
    from sixg.traces.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["generate", "--seeds", "1-2", "--out", str(tmp_path / "t"), *argv])
    assert exc.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "t").exists()
