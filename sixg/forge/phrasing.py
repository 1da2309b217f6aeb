"""How the offline teacher words intents and the thought before each call: its own phrase
stock, drawn at random from a seeded generator, so one situation is asked for in many ways."""

from __future__ import annotations

import random
from typing import Any

from sixg.bench.tasks import RefStep
from sixg.domain import SLASpec
from sixg.scenario import Scenario


def _one(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def sla_words(sla: SLASpec, rng: random.Random) -> str:
    """Some of the SLA's figures in words (always the latency bound, the rest at random)."""
    parts = [
        _one(rng, f"latency at or below {sla.max_latency_ms:g} ms", f"no more than {sla.max_latency_ms:g} ms delay", f"delay capped at {sla.max_latency_ms:g} ms", f"a {sla.max_latency_ms:g} ms latency budget")
    ]
    if rng.random() < 0.6:
        parts.append(_one(rng, f"loss within {sla.max_loss_rate * 100:g} %", f"at most {sla.max_loss_rate * 100:g} % packets lost", f"a loss ceiling of {sla.max_loss_rate * 100:g} %"))
    if rng.random() < 0.5:
        parts.append(_one(rng, f"{sla.min_throughput_mbps:g} Mbit/s or more", f"a throughput floor of {sla.min_throughput_mbps:g} Mbit/s", f"goodput no lower than {sla.min_throughput_mbps:g} Mbit/s"))
    if rng.random() < 0.3:
        parts.append(_one(rng, f"jitter within {sla.max_jitter_ms:g} ms", f"delay variation under {sla.max_jitter_ms:g} ms"))
    rng.shuffle(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + _one(rng, " and ", ", plus ") + parts[-1]


_OPENERS = ("", "", "Operator request: ", "Ticket: ", "NOC note: ", "Heads up: ", "Priority task: ", "On shift handover: ")
_CLOSERS = ("", "", " Confirm when done.", " Report back once it holds.", " Make sure it sticks.", " Double-check the result.")


def intent(scene: str, sc: Scenario, sla: SLASpec | None, slots: dict[str, Any], rng: random.Random, *, degrade: bool, diagnose: bool) -> str:
    """The operator's intent for a scene, worded at random from ``rng``."""
    svc = sc.service.ue
    body = _BODIES[scene](svc, slots, rng)
    extra = []
    if diagnose:
        extra.append(_one(rng, "Work out the cause first.", "Start with a diagnosis.", "Assess the risk before touching anything.", "Figure out what is going on before acting."))
    if degrade:
        extra.append(_RECOVERY.get(scene, _RECOVERY["other"])(svc, slots, rng))
    if sla is not None:
        extra.append(_one(rng, "Target: {s}.", "The service needs {s}.", "Success means {s}.", "Hold {s}.", "Required: {s}.").format(s=sla_words(sla, rng)))
    rng.shuffle(extra)
    return (rng.choice(_OPENERS) + " ".join([body, *extra]) + rng.choice(_CLOSERS)).strip()


def _slice(svc: str, s: dict, rng: random.Random) -> str:
    situation = _one(rng, f"{s['cell']} is flooded with about {s['rate']:g} Mbit/s of extra broadband traffic", f"a traffic burst of roughly {s['rate']:g} Mbit/s is choking {s['cell']}", f"{s['cell']} got crowded by a sudden surge", f"broadband demand spiked on {s['cell']}")
    ask = _one(rng, f"shield {svc} by running it on the URLLC slice", f"{svc} should ride the URLLC slice from now on", f"take {svc} off the shared broadband slice and onto URLLC", f"migrate {svc}'s traffic to the low-latency URLLC slice", f"I want {svc} on URLLC")
    return _one(rng, "{a}: {b}.", "{b} -- {a}.", "Since {a}, {b}.").format(a=situation, b=ask)


def _compute(svc: str, s: dict, rng: random.Random) -> str:
    situation = _one(rng, f"the edge host is drowning in foreign jobs (+{s['extra']:.0%} of its capacity)", "the shared edge compute is oversubscribed", f"tenant load on the edge node jumped by {s['extra']:.0%}", "edge queues are growing without bound")
    ask = _one(rng, f"shift the compute of {svc} to the cloud", f"run {svc}'s jobs in the cloud instead", f"get {svc}'s processing away from the edge and into the cloud", f"relocate {svc}'s workload to the cloud tier")
    return _one(rng, "{a}; {b}.", "{b}, because {a}.", "{a}. Please {b}.").format(a=situation, b=ask)


def _uav(svc: str, s: dict, rng: random.Random) -> str:
    u = s["uav"]
    if s["how"] == "waypoint":
        p = s["target"]
        return _one(rng, f"Fly {u} to ({p.x:g}, {p.y:g}) at {p.z:g} m.", f"Reposition {u}: new spot x={p.x:g}, y={p.y:g}, height {p.z:g} m.", f"{u} is needed over ({p.x:g}, {p.y:g}); send it there at {p.z:g} m.", f"Route {u} to the point {p.x:g}/{p.y:g}, {p.z:g} m up.")
    if s["how"] == "altitude":
        return _one(rng, f"Put {u} at {s['altitude']:g} m.", f"{u} must fly at {s['altitude']:g} m from here on.", f"Change {u}'s flight level to {s['altitude']:g} m.", f"Bring {u} to a height of {s['altitude']:g} m.")
    return _one(rng, f"Set {u}'s cruise speed to {s['speed']:g} m/s.", f"{u} should travel at {s['speed']:g} m/s.", f"Pace {u} at {s['speed']:g} m/s for the rest of its plan.", f"Make {u} fly {s['speed']:g} m/s.")


def _escape(svc: str, s: dict, rng: random.Random) -> str:
    situation = _one(rng, f"{s['cell']}'s transport link turned slow and lossy", f"the backhaul behind {s['cell']} is failing", f"{s['cell']} suffers a backhaul fault", f"packets through {s['cell']}'s uplink to the core are delayed and dropped")
    ask = _one(rng, f"get {svc} served by another cell and write the decision down", f"move {svc} to a healthier neighbour and log why", f"re-home {svc} away from {s['cell']}, keeping a decision record", f"hand {svc} to a different base station and note it in the log")
    return _one(rng, "{a}; {b}.", "{b}: {a}.", "Because {a}, {b}.").format(a=situation, b=ask)


def _crew(svc: str, s: dict, rng: random.Random) -> str:
    u, alert, status = s["uav"], s["alert"].replace("_", " "), s["status"]
    who = _one(rng, "ground control and the other UAVs", "the swarm", "everyone on the mission net", "the fleet and the ground station", "all peers")
    raise_it = _one(rng, f"raise a {alert} alert for {u}", f"flag {u} with a {alert} alert", f"file a '{alert}' alert on {u}", f"log an alert ({alert}) against {u}", f"put a {alert} alarm on {u}")
    tell = _one(rng, f"tell {who} it is {status}", f"broadcast that {u} is {status} to {who}", f"let {who} know {u} is {status}", f"announce a {status} status for {u} to {who}", f"send {who} a '{status}' status from {u}")
    why = _one(rng, "", "", f"Mission control wants {u} accounted for. ", f"{u} needs attention. ", "Fleet coordination: ", f"Swarm housekeeping for {u}: ")
    first, second = (raise_it, tell) if rng.random() < 0.6 else (tell, raise_it)
    joint = _one(rng, "{a}, then {b}.", "{a} and {b}.", "First {a}; afterwards {b}.", "{a}; also {b}.")
    text = joint.format(a=first, b=second)
    return why + text[0].upper() + text[1:]


def _jam(svc: str, s: dict, rng: random.Random) -> str:
    situation = _one(rng, f"an unplanned emitter (~{s['power']:g} dBm) is jamming {s['cell']}", f"SINR around {s['cell']} dropped sharply", f"someone is transmitting on {s['cell']}'s band", f"interference in {s['cell']} is hurting {svc}")
    ask = _one(rng, f"diagnose it and bring {svc} back within its SLA", f"find a remedy that restores {svc}", f"recover {svc} from the interference", f"get {svc} healthy again")
    return _one(rng, "{a}; {b}.", "{b}: {a}.", "Since {a}, {b}.").format(a=situation, b=ask)


_BODIES = {"slice_rescue": _slice, "compute_relocation": _compute, "uav_reposition": _uav, "cell_escape": _escape, "crew_coordination": _crew, "jam_recovery": _jam}
_RECOVERY = {
    "jam_recovery": lambda svc, s, rng: _one(rng, f"Then shed {s['shed']:.0%} of the eMBB background load as well.", f"Also relieve the cell: throttle eMBB background traffic by {s['shed']:.0%}."),
    "slice_rescue": lambda svc, s, rng: _one(rng, f"Also throttle broadband background traffic by {s['shed']:.0%}.", f"Then cut eMBB background load by {s['shed']:.0%}.", f"Relieve the cell by shedding {s['shed']:.0%} of eMBB load too."),
    "other": lambda svc, s, rng: _one(rng, f"Expect a congestion surge on {s['surge']}; if it hits, recover {svc} onto URLLC.", f"A load burst is likely on {s['surge']}: protect {svc} with URLLC as well.", f"Also recover {svc} from the congestion building on {s['surge']} (URLLC)."),
}


_THOUGHTS = {
    "read_telemetry": ("Pull the full telemetry to see where things stand.", "First a complete telemetry snapshot.", "Let me read all telemetry before deciding."),
    "check_network_state": ("Check the service's current KPIs.", "Look at the network state now.", "See how the six KPIs look at this point."),
    "get_edge_load": ("Read the edge server's load.", "How busy is the edge host?", "Check edge utilisation and the queue."),
    "get_slice_status": ("Inspect the slice the service uses.", "Look at the slice's share and load."),
    "get_traffic_pattern": ("Characterise the broadband traffic.", "See what the eMBB traffic is doing."),
    "predict_sla_violation": ("Forecast whether the SLA will break soon.", "Estimate the chance of an SLA violation."),
    "risk_assessment": ("Score the risk from the telemetry.", "Quantify how close we are to failing."),
    "select_recovery_strategy": ("Ask for a recovery strategy given state and risk.", "Pick a remedy from the diagnosis."),
    "switch_network_slice": ("Move the service to URLLC.", "Switch the slice to protect latency."),
    "select_offload_target": ("Compare edge and cloud for the work.", "Decide where the jobs should run."),
    "edge_offload": ("Offload the jobs to the cloud.", "Move the compute off the edge."),
    "read_uav_position": ("Where is the UAV now?", "Read the UAV's position."),
    "get_battery_level": ("Check the UAV's battery first.", "Is there enough battery?"),
    "set_waypoint": ("Send the UAV to the new point.", "Give the UAV its waypoint."),
    "adjust_altitude": ("Change the UAV's altitude.", "Set the new flight level."),
    "adjust_speed": ("Set the cruise speed.", "Change how fast the UAV flies."),
    "check_handover_status": ("See which cell serves the UE.", "Check the UE's handover state."),
    "scan_available_gnbs": ("List the cells the UE can see.", "Scan for candidate base stations."),
    "check_link_quality": ("Assess the link to the candidate cell.", "Is the target cell's link good enough?"),
    "request_handover": ("Hand the UE over.", "Request the handover to the healthier cell."),
    "log_decision": ("Record the decision.", "Write the decision to the mission log."),
    "verify_sla_compliance": ("Confirm the SLA holds.", "Verify compliance against the SLA."),
    "heartbeat": ("Ping the UAV.", "Exchange a heartbeat with the UAV."),
    "send_alert": ("Raise the alert.", "File the alert on the UAV."),
    "monitor_interference": ("Measure interference near the service UE.", "Is something jamming the cell?"),
    "broadcast_status": ("Broadcast the status.", "Tell the others the UAV's status."),
    "graceful_degradation": ("Shed part of the background load.", "Throttle the eMBB background traffic."),
}


def thought(step: RefStep, rng: random.Random) -> str:
    """One or two sentences saying what the call is for (the ReAct prompt asks for them)."""
    return rng.choice(_THOUGHTS.get(step.tool, (f"Call {step.tool}.",)))


def status_text(uav: str, status: str, rng: random.Random) -> str:
    return _one(rng, f"{uav} {status}", f"{uav} reports {status}", f"status of {uav}: {status}")


def final_answer(intent: str, rng: random.Random) -> str:
    return "Final Answer: " + _one(rng, "the intent is met and confirmed.", "done; the network reached the requested outcome.", "the requested change is in place.")


def correction(error_kind: str, argument: str | None, rng: random.Random) -> str:
    """The thought before a corrected call: what the error said and what changes."""
    what = f"argument {argument!r}" if argument else "the call"
    return _one(rng, f"That failed ({error_kind}); I fix {what} and try again.", f"The tool refused it ({error_kind}). Correcting {what}.", f"Error {error_kind}: retry with {what} corrected.")
