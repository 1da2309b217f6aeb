"""Snapshots: one shape from every backend; the surrogate's UEs are kept as columns and validated only when read."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from sixg.actions import DegradationOnset, InterferenceSurge
from sixg.backends.surrogate import SurrogateBackend
from sixg.radio import Geometry
from sixg.scenario import generate
from sixg.snapshot import Snapshot, UeRadio, UeTable


@pytest.fixture(scope="module")
def window():
    """A surrogate window of a scenario with UAVs and two cells, under an interferer."""
    sc = generate(54, split="benchmark")
    backend = SurrogateBackend(sample=False)
    first = backend.reset(sc, seed=1)
    cell = first.ue(sc.service.ue).gnb
    backend.step([DegradationOnset(degradation=InterferenceSurge(gnb=cell, power_dbm=30.0))])
    snap = backend.step([]).snapshot
    xyz = backend._xyz.copy()
    serving = [backend.control.serving[u] for u in sc.ue_ids]
    backend.step([])  # the backend moves on; the snapshot keeps its own window
    return sc, snap, xyz, serving, cell


def test_positions_are_read_without_the_radio_state(window):
    """Where a UE is needs neither the geometry nor validation; reading one UE then builds them all once."""
    sc, snap, xyz, _, _ = window
    table = snap.ues
    assert isinstance(table, UeTable) and table._radios is None
    for i, uid in enumerate(sc.ue_ids):
        p = snap.position(uid)
        assert (p.x, p.y, p.z) == (xyz[i][0], xyz[i][1], max(xyz[i][2], 0.0))
    assert table._radios is None
    assert snap.ue(sc.uavs[0].id).position == snap.position(sc.uavs[0].id)
    assert table._radios is not None and len(table.radios()) == len(sc.ues)


def test_radio_state_is_the_geometry_of_its_window(window):
    """The UEs' signals are those of the window's positions, cells and interferer, however late they are read."""
    sc, snap, xyz, serving, cell = window
    geometry = Geometry(sc)
    sinr, rsrp = geometry.served(xyz, serving, geometry.interference_mw(xyz, cell, 30.0))
    got = {u.id: u for u in snap.ues}
    for i, uid in enumerate(sc.ue_ids):
        assert (got[uid].gnb, got[uid].sinr_db, got[uid].rsrp_dbm) == (serving[i], sinr[i], rsrp[i])


def test_a_table_reads_compares_and_serialises_as_its_tuple(window):
    """Index, iterate, compare, hash, dump, pickle and validate back: the table behaves as the tuple it stands for."""
    sc, snap, _, _, _ = window
    radios = tuple(snap.ues)
    assert len(snap.ues) == len(radios) and snap.ues[0] == radios[0] and list(snap.ues) == list(radios)
    assert snap.ues == radios and snap.ues == UeTable.of(radios) and hash(snap.ues) == hash(UeTable.of(radios))
    dumped = snap.model_dump(mode="json")
    assert [u["id"] for u in dumped["ues"]] == list(sc.ue_ids)
    again = Snapshot.model_validate(dumped)
    assert again == snap and Snapshot.model_validate_json(snap.model_dump_json()) == snap
    assert pickle.loads(pickle.dumps(snap)) == snap
    assert snap.model_copy(update={"t": snap.t + 0.5}).ues == snap.ues


def test_a_tuple_of_radios_still_builds_a_snapshot(window):
    """Backends that have UeRadio objects (ns-3, the toy network) pass them as before."""
    _, snap, _, _, _ = window
    built = Snapshot(**{**dict(snap), "ues": tuple(snap.ues)})
    assert built == snap and isinstance(built.ues, UeTable)
    with pytest.raises(ValidationError, match="ues"):
        Snapshot(**{**dict(snap), "ues": ({"id": "ue-0"},)})
    with pytest.raises(KeyError):
        snap.ue("nobody")


def test_the_published_schema_is_a_list_of_radios():
    """The JSON schema of a snapshot shows its UEs as an array of UeRadio objects."""
    prop = Snapshot.model_json_schema()["properties"]["ues"]
    assert prop["type"] == "array" and prop["items"] == {"$ref": "#/$defs/UeRadio"}
    assert UeRadio.model_json_schema()["title"] == "UeRadio"
