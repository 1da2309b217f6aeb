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


def _service(ue: str, rng: random.Random) -> str:
    """How the operator names the service: mostly by what it is, now and then by its UE."""
    return _one(
        rng,
        "the service", "the service", "the service", "this service", "the priority service", "the subscribers' session",
        "the client application", "the critical flow", "the customer's traffic", "the customer's app", "the monitored service",
        "the premium service", "the video analytics feed", "the control loop", "the tenant's app", "the service on our key customer",
        "the industrial customer's service", f"the service on {ue}", f"the session of {ue}", f"the {ue} service",
    )


def sla_words(sla: SLASpec, rng: random.Random) -> str:
    """Some of the SLA's figures in words (always the latency bound, the rest at random)."""
    lat = f"{sla.max_latency_ms:g}"
    parts = [
        _one(rng, f"latency under {lat} ms", f"latency below {lat} ms", f"delay of at most {lat} ms", f"a response time under {lat} ms", f"end-to-end delay below {lat} ms", f"at most {lat} ms of latency", f"latency no higher than {lat} ms", f"a {lat} ms latency budget")
    ]
    if rng.random() < 0.6:
        loss = f"{sla.max_loss_rate * 100:g}"
        parts.append(_one(rng, f"loss below {loss} %", f"packet loss under {loss} %", f"no more than {loss} % loss", f"at most {loss} % of packets lost", f"a loss rate below {loss} %"))
    if rng.random() < 0.5:
        tput = f"{sla.min_throughput_mbps:g}"
        parts.append(_one(rng, f"at least {tput} Mbit/s", f"throughput of {tput} Mbit/s or more", f"throughput above {tput} Mbit/s", f"a rate of at least {tput} Mbit/s"))
    if rng.random() < 0.3:
        jit = f"{sla.max_jitter_ms:g}"
        parts.append(_one(rng, f"jitter under {jit} ms", f"jitter below {jit} ms", f"at most {jit} ms of jitter"))
    rng.shuffle(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + _one(rng, " and ", " and ", ", and ") + parts[-1]


_OPENERS = ("", "", "", "", "", "", "Request: ", "Ticket: ", "Note: ", "Priority: ", "Operations: ", "NOC ticket: ", "Customer complaint: ", "Task: ", "Alarm follow-up: ", "Change request: ", "Night shift: ", "Hi team, ", "Incident: ")
_CLOSERS = ("", "", "", "", "", "", " Confirm once finished.", " Report back when it is stable.", " Please verify it afterwards.", " Keep the fix small.", " Thanks.", " Leave the rest of the network alone.", " Let me know when it is done.", " The customer is waiting.", " Update the ticket when done.", " Please do it now.", " Cheers.")
_SLA_LEADS = ("Target: {s}.", "The service needs {s}.", "We need {s}.", "Keep {s}.", "It must keep {s}.", "The goal is {s}.", "Aim for {s}.", "The SLA is {s}.", "Make sure of {s}.", "The customer's contract says {s}.", "Success is {s}.", "Keep to {s} and check it.", "Required: {s}.", "Its SLA: {s}.", "It must stay at {s}.", "Hold it to {s}.")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text else text


def intent(scene: str, sc: Scenario, sla: SLASpec | None, slots: dict[str, Any], rng: random.Random, *, degrade: bool, diagnose: bool) -> str:
    """The operator's intent for a scene, worded at random from ``rng``: a situation and a
    request (in one sentence or two, either first), then the extras in any order."""
    svc = _service(sc.service.ue, rng)
    body = _BODIES[scene](svc, slots, rng)
    extra = []
    if diagnose:
        extra.append(_one(rng, "Work out the cause first.", "Diagnose it first.", "Check its state and the risk, then act.", "Assess the risk before touching anything.", "Figure out what is going on before you act.", "Start by checking the risk."))
    if degrade:
        extra.append(_RECOVERY.get(scene, _RECOVERY["other"])(svc, slots, rng))
    if sla is not None:
        extra.append(_one(rng, *_SLA_LEADS).format(s=sla_words(sla, rng)))
    rng.shuffle(extra)
    return (rng.choice(_OPENERS) + " ".join(_sentence(x) for x in [body, *extra]) + rng.choice(_CLOSERS)).strip()


def _pair(situation: str, ask: str, rng: random.Random) -> str:
    """A situation and a request: two sentences (either first) or one joined sentence."""
    how = rng.random()
    if how < 0.4:
        return f"{_sentence(situation)}. {_sentence(ask)}."
    if how < 0.7:
        return f"{_sentence(ask)}. {_sentence(situation)}."
    return _one(rng, "{a}, so {b}.", "{b}, since {a}.", "{a}; {b}.", "As {a}, {b}.").format(a=situation, b=ask)


def _cell(name: str, rng: random.Random) -> str:
    """A cell by its id, or (as operators often do) by what it is."""
    return _one(rng, name, name, name, "the cell", "the serving cell", "the site", f"cell {name}", "our main cell")


def _slice(svc: str, s: dict, rng: random.Random) -> str:
    cell = _cell(s["cell"], rng)
    situation = _one(rng, f"{cell} is flooded with about {s['rate']:g} Mbit/s of extra broadband traffic", f"a burst of roughly {s['rate']:g} Mbit/s hit {cell}", f"{cell} got congested", f"broadband demand spiked in {cell}", f"users near {cell} complain about lag", f"eMBB traffic in {cell} crowds out {svc}", f"{cell} went into overload", f"customers in {cell} see timeouts", f"a stadium crowd hit {cell} with video traffic", f"the KPIs of {cell} went red after a traffic surge")
    ask = _one(rng, f"move {svc} to URLLC", f"put {svc} on the URLLC slice", f"switch {svc} over to URLLC", f"protect {svc} with the low-latency slice", f"{svc} should run on URLLC from now on", f"get {svc} off eMBB and onto URLLC", f"give {svc} the URLLC slice and keep it there", f"change the slice of {svc} to URLLC")
    return _pair(situation, ask, rng)


def _compute(svc: str, s: dict, rng: random.Random) -> str:
    situation = _one(rng, f"the edge host is swamped by other tenants' jobs (+{s['extra']:.0%} of its capacity)", "the edge server went into overload", f"load on the edge node jumped by {s['extra']:.0%}", "the edge queue keeps growing", "responses from the edge are getting slow", "the edge has no room left", "the customer sees slow responses from the edge", "a batch job took over the MEC host")
    ask = _one(rng, f"move {svc}'s compute to the cloud", f"run the jobs of {svc} in the cloud", f"offload {svc} to the cloud", f"shift the processing of {svc} off the edge and into the cloud", f"put {svc}'s workload on the cloud", f"let the cloud serve the requests of {svc}")
    return _pair(situation, ask, rng)


def _uav(svc: str, s: dict, rng: random.Random) -> str:
    u = s["uav"]
    why = _one(rng, "", "", "", "The survey plan changed. ", "We need coverage elsewhere. ", f"{u} sits in the wrong place. ", "New orders for the drone. ", "The inspection route changed. ", f"Battery and coverage look fine on {u}. ", "The mission planner updated the route. ")
    if s["how"] == "waypoint":
        p = s["target"]
        ask = _one(rng, f"Fly {u} to ({p.x:g}, {p.y:g}) at {p.z:g} m.", f"Send {u} to ({p.x:g}, {p.y:g}), {p.z:g} m up.", f"Move {u} to x={p.x:g}, y={p.y:g} at {p.z:g} m.", f"{u} should go to ({p.x:g}, {p.y:g}) at a height of {p.z:g} m.", f"Reposition {u} at ({p.x:g}, {p.y:g}, {p.z:g}).")
    elif s["how"] == "altitude":
        ask = _one(rng, f"Put {u} at {s['altitude']:g} m.", f"{u} must fly at {s['altitude']:g} m from here on.", f"Change the altitude of {u} to {s['altitude']:g} m.", f"Take {u} to {s['altitude']:g} m.", f"Set {u}'s flight level to {s['altitude']:g} m.")
    else:
        ask = _one(rng, f"Set {u}'s speed to {s['speed']:g} m/s.", f"{u} should fly at {s['speed']:g} m/s.", f"Change the speed of {u} to {s['speed']:g} m/s.", f"Make {u} cruise at {s['speed']:g} m/s.")
    return why + ask if rng.random() < 0.6 else ask + (" " + why.strip() if why else "")


def _escape(svc: str, s: dict, rng: random.Random) -> str:
    cell = _cell(s["cell"], rng)
    situation = _one(rng, f"the backhaul of {cell} turned slow and lossy", f"the transport link behind {cell} keeps failing", f"{cell} has a backhaul fault", f"packets through {cell} get delayed and dropped", f"{cell} degraded", f"the fibre to {cell} was damaged", f"the microwave link of {cell} went flaky")
    ask = _one(rng, f"hand {svc} over to another cell and log the decision", f"move {svc} to a healthier neighbour and record why", f"get {svc} away from {cell} and keep a record of it", f"switch {svc} to a different base station and note it in the log", f"have {svc} served by another cell, with a logged decision")
    return _pair(situation, ask, rng)


def _crew(svc: str, s: dict, rng: random.Random) -> str:
    u, alert, status = s["uav"], s["alert"].replace("_", " "), s["status"]
    who = _one(rng, "ground control and the other UAVs", "the swarm", "everyone on the mission net", "the fleet", "all peers", "the other drones", "the mission crew")
    raise_it = _one(rng, f"raise a {alert} alert for {u}", f"flag {u} with a {alert} alert", f"file a {alert} alert on {u}", f"send a {alert} alert about {u}")
    tell = _one(rng, f"tell {who} it is {status}", f"broadcast that {u} is {status}", f"let {who} know {u} is {status}", f"announce to {who} that {u} is {status}", f"have {u} report {status} to {who}")
    why = _one(rng, "", "", "", f"Mission control wants {u} accounted for. ", f"{u} needs attention. ", "Fleet coordination. ", f"We need a status update for {u}. ", "Mission ops asked for this. ")
    first, second = (raise_it, tell) if rng.random() < 0.6 else (tell, raise_it)
    joint = _one(rng, "{a}, then {b}.", "{a} and {b}.", "First {a}, then {b}.", "{a}; also {b}.", "{a}. Also {b}.")
    text = joint.format(a=first, b=second)
    return why + _sentence(text)


def _jam(svc: str, s: dict, rng: random.Random) -> str:
    cell = _cell(s["cell"], rng)
    situation = _one(rng, f"an unknown emitter (~{s['power']:g} dBm) is jamming {cell}", f"SINR around {cell} dropped sharply", f"someone is transmitting on the band of {cell}", f"interference in {cell} is hurting {svc}", f"{svc} degraded after a radio disturbance near {cell}", f"the radio in {cell} got noisy", f"a rogue transmitter showed up near {cell}")
    ask = _one(rng, f"diagnose it and bring {svc} back within its SLA", f"find a remedy that restores {svc}", f"recover {svc}", f"get {svc} healthy again", f"fix {svc}", f"restore the customer's service quality")
    return _pair(situation, ask, rng)


_BODIES = {"slice_rescue": _slice, "compute_relocation": _compute, "uav_reposition": _uav, "cell_escape": _escape, "crew_coordination": _crew, "jam_recovery": _jam}
_RECOVERY = {
    "jam_recovery": lambda svc, s, rng: _one(rng, f"Then shed {s['shed']:.0%} of the eMBB background load as well.", f"Also relieve the cell by throttling eMBB background traffic by {s['shed']:.0%}.", f"Cut the broadband background load by {s['shed']:.0%} too."),
    "slice_rescue": lambda svc, s, rng: _one(rng, f"Also throttle broadband background traffic by {s['shed']:.0%}.", f"Then cut eMBB background load by {s['shed']:.0%}.", f"Relieve the cell by shedding {s['shed']:.0%} of eMBB load too."),
    "other": lambda svc, s, rng: _one(rng, f"A congestion surge may hit {s['surge']}; if it does, move {svc} to URLLC.", f"A load burst is likely in {s['surge']}, so protect {svc} with URLLC as well.", f"Also recover {svc} from the congestion building in {s['surge']} with URLLC."),
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
