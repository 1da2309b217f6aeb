"""The CSV trace schema: every column, its unit and meaning, in one place.

A trace corpus is a directory::

    DIR/manifest.json                       what generated it (schema, scenario version, window, ...)
    DIR/<split>/seed-SSS/episode-EEE.csv.gz      one row per window (WINDOW_COLUMNS)
    DIR/<split>/seed-SSS/episode-EEE.ues.csv.gz  one row per window per UE (UE_COLUMNS)

An episode's two files appear together and complete (written to temporary names and
renamed), so an interrupted generation never leaves a partial episode behind.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bump when a column is added, removed or changes meaning.
TRACE_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Column:
    name: str
    type: type
    unit: str
    doc: str


SEVERITY_COLUMNS = (
    Column("sev_interference_dbm", float, "dBm", "Interferer power while an interference surge is active, else 0"),
    Column("sev_backhaul_delay_ms", float, "ms", "Extra backhaul delay while a backhaul degradation is active, else 0"),
    Column("sev_backhaul_loss", float, "fraction", "Backhaul packet loss while a backhaul degradation is active, else 0"),
    Column("sev_congestion_mbps", float, "Mbit/s", "Surge load while a congestion surge is active, else 0"),
    Column("sev_edge_overload", float, "x capacity", "Extra edge tenant load while an edge overload is active, else 0"),
    Column("sev_drift_mps", float, "m/s", "UAV drift speed while a drift is active, else 0"),
)

WINDOW_COLUMNS: tuple[Column, ...] = (
    Column("seed", int, "", "Topology seed"),
    Column("split", str, "", "train (seeds 1-50) or benchmark (51-80)"),
    Column("episode", int, "", "Episode index within the seed (also selects ns-3's random run)"),
    Column("t", float, "s", "End of the window, simulated seconds since episode start (0 = initial state)"),
    Column("window_s", float, "s", "Window length"),
    # the six dimensions
    Column("slice", str, "", "Slice of the managed service: eMBB, URLLC or mMTC"),
    Column("latency_ms", float, "ms", "Mean request-to-response latency of the service (incl. compute queueing)"),
    Column("jitter_ms", float, "ms", "Mean |latency difference| between consecutive responses"),
    Column("loss_rate", float, "fraction", "Share of response packets due in the window that did not arrive within 1 s of their request"),
    Column("throughput_mbps", float, "Mbit/s", "Service response goodput"),
    Column("edge_load", float, "fraction", "Edge server utilisation (busy time / window)"),
    # what was done
    Column("action", str, "", "Action applied at the start of this window (switch_slice, reallocate, offload, degrade, handover, uav_plan) or none"),
    Column("action_args", str, "JSON", "Arguments of the action"),
    Column("action_ok", int, "0/1", "Whether the network accepted the action"),
    Column("action_reason", str, "", "Why an action was refused (empty when accepted)"),
    Column("event", str, "", "Degradation onset/recovery at the start of this window, e.g. onset:congestion; empty if none"),
    Column("event_args", str, "JSON", "Arguments of the degradation event"),
    Column("degradation", str, "", "Degradations active during the window, joined with +, or none"),
    *SEVERITY_COLUMNS,
    # detail
    Column("service_host", str, "", "Host answering the service's jobs: cloud or edge"),
    Column("service_ue", str, "", "UE running the managed service"),
    Column("service_gnb", str, "", "Base station serving the service UE (empty if detached)"),
    Column("service_rsrp_dbm", float, "dBm", "Service UE's mean RSRP of its serving cell"),
    Column("service_sinr_db", float, "dB", "Service UE's mean downlink SINR"),
    Column("service_x", float, "m", "Service UE position, east"),
    Column("service_y", float, "m", "Service UE position, north"),
    Column("service_z", float, "m", "Service UE height"),
    Column("service_requests", int, "", "Jobs the service sent in the window"),
    Column("service_responses", int, "", "Response packets it received in the window"),
    Column("service_latency_max_ms", float, "ms", "Largest response latency in the window"),
    Column("service_oneway_ms", float, "ms", "Mean one-way delay of the service's packets (FlowMonitor)"),
    *(
        Column(f"{s}_{k}", float, unit, f"{s} slice background: {doc}")
        for s in ("embb", "urllc", "mmtc")
        for k, unit, doc in (
            ("latency_ms", "ms", "mean one-way delay"),
            ("jitter_ms", "ms", "mean delay variation"),
            ("loss_rate", "fraction", "lost / (received + lost): dropped, or undelivered 1 s after sending"),
            ("throughput_mbps", "Mbit/s", "received throughput"),
            ("share", "fraction", "share of cell capacity allowed"),
        )
    ),
    Column("edge_queue_jobs", float, "jobs", "Time-averaged jobs at the edge server"),
    Column("edge_arrivals", int, "jobs", "Jobs that reached the edge server in the window"),
    Column("edge_dropped", int, "jobs", "Jobs the edge server refused (queue full)"),
    Column("n_gnbs", int, "", "Base stations in the scenario"),
    Column("n_ues", int, "", "UEs in the scenario (UAVs included)"),
    Column("ran", str, "", "Radio access network that produced the row"),
    Column("backend", str, "", "Backend that produced the row: ns3 or surrogate"),
)

UE_COLUMNS: tuple[Column, ...] = (
    Column("seed", int, "", "Topology seed"),
    Column("episode", int, "", "Episode index"),
    Column("t", float, "s", "End of the window"),
    Column("ue", str, "", "UE id (ue-N ground, uav-N aerial)"),
    Column("gnb", str, "", "Serving base station (empty if detached)"),
    Column("rsrp_dbm", float, "dBm", "Mean RSRP of the serving cell"),
    Column("sinr_db", float, "dB", "Mean downlink SINR"),
    Column("x", float, "m", "Position, east"),
    Column("y", float, "m", "Position, north"),
    Column("z", float, "m", "Height"),
    Column("handover_in_progress", int, "0/1", "A handover was under way at the window's end"),
    Column("battery_fraction", float, "fraction", "UAV battery left (empty for ground UEs)"),
    Column("drifting", int, "0/1", "UAV drifting off its plan (0 for ground UEs)"),
)

WINDOW_HEADER = tuple(c.name for c in WINDOW_COLUMNS)
UE_HEADER = tuple(c.name for c in UE_COLUMNS)


def schema_markdown() -> str:
    """The schema as Markdown tables (for the docs and ``python -m sixg.traces schema``)."""
    out = [f"Trace schema version {TRACE_SCHEMA_VERSION}.", "", "### Window rows (`episode-EEE.csv.gz`)", "", "| column | unit | meaning |", "|---|---|---|"]
    out += [f"| `{c.name}` | {c.unit} | {c.doc} |" for c in WINDOW_COLUMNS]
    out += ["", "### UE rows (`episode-EEE.ues.csv.gz`)", "", "| column | unit | meaning |", "|---|---|---|"]
    out += [f"| `{c.name}` | {c.unit} | {c.doc} |" for c in UE_COLUMNS]
    return "\n".join(out)
