"""What a backend reports for one measurement window.

Both backends (live ns-3 and the learned surrogate) return the same
:class:`Snapshot`, so everything downstream (the world, the tools, traces,
trajectories) reads one shape whichever backend ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, GetCoreSchemaHandler, TypeAdapter
from pydantic_core import core_schema

from sixg.domain import Frozen, NetworkState, Position, SliceType

#: Simulated seconds of one measurement window: every backend advances and measures the
#: network in windows of this length unless told otherwise (the surrogate was trained on it).
WINDOW_S = 0.5
#: Simulated seconds every backend runs before episode time 0 (attach, queues settle, UAVs
#: already under way), so all backends start an episode from the same moment.
WARMUP_S = 1.5


class FlowKpi(Frozen):
    """One-way KPIs of a group of flows over the window (from FlowMonitor on ns-3)."""

    latency_ms: float = Field(ge=0.0)
    jitter_ms: float = Field(ge=0.0)
    loss_rate: float = Field(ge=0.0, le=1.0)
    throughput_mbps: float = Field(ge=0.0)
    tx_packets: int = Field(default=0, ge=0)
    rx_packets: int = Field(default=0, ge=0)


class SliceKpi(FlowKpi):
    """A slice's background load, and the share of each cell's capacity it is allowed."""

    share: float = Field(ge=0.0, le=1.0)


class ServiceDetail(Frozen):
    host: Literal["cloud", "edge"]
    requests: int = Field(ge=0)
    responses: int = Field(ge=0)
    latency_max_ms: float = Field(ge=0.0)
    flow: FlowKpi


class EdgeDetail(Frozen):
    utilisation: float = Field(ge=0.0, le=1.0)
    queue_jobs: float = Field(ge=0.0)
    arrivals: int = Field(ge=0)
    dropped: int = Field(ge=0)
    capacity_jobs_s: float = Field(gt=0.0)


class UeRadio(Frozen):
    id: str
    gnb: str | None = Field(description="Serving base station, None while detached.")
    rsrp_dbm: float
    sinr_db: float
    position: Position
    handover_in_progress: bool = False
    handovers_ok: int = 0
    handovers_failed: int = 0


class UeTable(Sequence[UeRadio]):
    """Every UE's radio state in one window, kept as columns; the :class:`UeRadio` objects are
    validated the first time something reads them (in most windows nothing does).

    A backend that has the objects already wraps them (:meth:`of`, or just pass a tuple of
    them to :class:`Snapshot`). The surrogate hands over the positions and a function that
    computes the other columns, so the geometry and the validation are paid only by the
    windows whose UEs are read; positions alone (:meth:`position`) need neither.
    It reads, compares, hashes and serialises as the tuple of :class:`UeRadio` it stands for.
    """

    __slots__ = ("_ids", "_xyz", "_columns", "_radios", "_index")

    def __init__(self, ids: Sequence[str], xyz: Sequence[Sequence[float]], columns: Callable[[], Mapping[str, Sequence[Any]]]):
        """
        Args:
            ids: The UEs, in order.
            xyz: Their positions (z already at or above ground), one (x, y, z) per UE.
            columns: Returns the other :class:`UeRadio` fields by name (``gnb``, ``rsrp_dbm``,
                ``sinr_db``, optionally ``handover_in_progress``, ``handovers_ok``,
                ``handovers_failed``), one value per UE; called at most once.
        """
        self._ids = tuple(ids)
        self._xyz = xyz
        self._columns = columns
        self._radios: tuple[UeRadio, ...] | None = None
        self._index = {u: i for i, u in enumerate(self._ids)}

    @classmethod
    def of(cls, radios: Sequence[UeRadio]) -> UeTable:
        """A table of UEs already validated."""
        radios = tuple(radios)
        table = cls([u.id for u in radios], [(u.position.x, u.position.y, u.position.z) for u in radios], dict)
        table._radios = radios
        return table

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids

    def radios(self) -> tuple[UeRadio, ...]:
        """The validated :class:`UeRadio` of every UE (made on the first call)."""
        if self._radios is None:
            cols = self._columns()
            rows = [
                {"id": uid, "position": {"x": x, "y": y, "z": z}, **{k: v[i] for k, v in cols.items()}}
                for i, (uid, (x, y, z)) in enumerate(zip(self._ids, self._xyz))
            ]
            self._radios = _RADIOS.validate_python(rows)
            self._columns = dict  # let go of what the columns were computed from
        return self._radios

    def get(self, ue_id: str) -> UeRadio:
        """One UE by id (KeyError if it is not in the window)."""
        return self.radios()[self._index[ue_id]]

    def position(self, ue_id: str) -> Position:
        """Where one UE was at the end of the window (KeyError if it is not in the window)."""
        x, y, z = self._xyz[self._index[ue_id]]
        return Position(x=x, y=y, z=z)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):
        return self.radios()[i]

    def __iter__(self) -> Iterator[UeRadio]:
        return iter(self.radios())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UeTable):
            return self._ids == other._ids and self.radios() == other.radios()
        if isinstance(other, tuple):
            return self.radios() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.radios())

    def __repr__(self) -> str:
        return f"UeTable({', '.join(self._ids)})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        radios = handler.generate_schema(tuple[UeRadio, ...])
        from_radios = core_schema.no_info_after_validator_function(cls.of, radios)
        return core_schema.json_or_python_schema(
            json_schema=from_radios,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_radios]),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda t: t.radios(), return_schema=radios),
        )


_RADIOS: TypeAdapter[tuple[UeRadio, ...]] = TypeAdapter(tuple[UeRadio, ...])


class UavStatus(Frozen):
    battery_wh: float = Field(ge=0.0)
    battery_fraction: float = Field(ge=0.0, le=1.0)
    drifting: bool
    distance_flown_m: float = Field(ge=0.0)


class Snapshot(Frozen):
    """The network as one backend saw it over the window ending at ``t``."""

    t: float = Field(ge=0.0, description="End of the window, simulated seconds since the episode started.")
    window_s: float = Field(gt=0.0)
    state: NetworkState
    service: ServiceDetail
    slices: dict[SliceType, SliceKpi]
    edge: EdgeDetail
    ues: UeTable = Field(description="Every UE's radio state, read as a tuple of UeRadio.")
    uavs: dict[str, UavStatus]
    degradations: tuple[str, ...] = ()
    ran: str
    backend: str

    def ue(self, ue_id: str) -> UeRadio:
        """One UE's radio state (KeyError if it is not in the scenario)."""
        return self.ues.get(ue_id)

    def position(self, ue_id: str) -> Position:
        """Where one UE (or UAV) was at the end of the window, without reading its radio state."""
        return self.ues.position(ue_id)


class ActionResult(Frozen):
    """What applying one action did (the raw material of a Configuration tool's result)."""

    action: str
    ok: bool
    reason: str | None = None
    details: dict[str, object] = Field(default_factory=dict)
