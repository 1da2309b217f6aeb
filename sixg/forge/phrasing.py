"""How the offline teacher words intents and the thought before each call: its own phrase
stock, drawn at random from a seeded generator, so one situation is asked for in many ways."""

from __future__ import annotations

import random
import re
from typing import Any

from sixg.bench.tasks import RefStep
from sixg.domain import SLASpec
from sixg.scenario import Scenario


def _one(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


#: Registers an operator writes in: full sentences, a terse ticket, a chat message, a formal request.
REGISTERS = ("sentence", "ticket", "chat", "formal")
_REGISTER_WEIGHTS = (4, 2, 2, 2)


def _service(ue: str, rng: random.Random, *, terse: bool = False) -> str:
    """How the operator names the service: mostly by what it is, now and then by its UE."""
    if terse:
        return _one(rng, "svc", "the svc", "service", "prio svc", "cust. service", ue, f"svc@{ue}", f"{ue} svc", "the flow", "critical flow")
    return _one(
        rng,
        "the service", "the service", "the service", "the service", "this service", "that service", "the priority service",
        "the subscribers' session", "the client application", "the critical flow", "the customer's traffic", "the customer's app",
        "the monitored service", "the premium service", "the video analytics feed", "the control loop", "the tenant's app",
        "the service on our key customer", "the industrial customer's service", "the enterprise link", "the factory's control traffic",
        "the AR session", "the low-latency app", "the gold-tier service", "the SLA-bound service", "the robot controller's traffic",
        "the crane control link", "the smart-grid link", "the V2X session", "the teleoperation link", "the key account's traffic",
        "the live uplink", "the contracted service", "the telemetry stream", "the customer flow",
        f"the service on {ue}", f"the session of {ue}", f"the {ue} service", f"the traffic of {ue}", f"the flow of {ue}",
    )


def _cell(name: str, rng: random.Random, *, terse: bool = False) -> str:
    """A cell by its id, or (as operators often do) by what it is."""
    if terse:
        return _one(rng, name, name, name, f"cell {name}", f"site {name}", "serving cell")
    return _one(rng, name, name, name, name, "the cell", "the serving cell", "the site", f"cell {name}", f"site {name}", "our main cell", f"the {name} sector", "the local base station", "the cell the service uses")


# --- SLA figures, in several styles ---------------------------------------------------------------


def _latency(v: str, rng: random.Random, style: str) -> str:
    if style == "compact":
        return _one(rng, f"latency <= {v} ms", f"lat < {v} ms", f"delay max {v} ms", f"{v} ms max latency", f"latency {v} ms max", f"lat {v}ms", f"latency: {v} ms or less", f"delay < {v}ms")
    return _one(
        rng, f"latency under {v} ms", f"latency below {v} ms", f"delay of at most {v} ms", f"a response time under {v} ms", f"end-to-end delay below {v} ms",
        f"at most {v} ms of latency", f"latency no higher than {v} ms", f"a {v} ms latency budget", f"sub-{v} ms latency", f"latency capped at {v} ms",
        f"latency within {v} ms", f"latency of {v} ms or less", f"a latency ceiling of {v} ms", f"delay that never exceeds {v} ms", f"no more than {v} ms of delay",
    )


def _loss(v: str, rng: random.Random, style: str) -> str:
    if style == "compact":
        return _one(rng, f"loss <= {v} %", f"loss < {v}%", f"PLR < {v} %", f"{v} % loss max", f"loss {v}% max", f"drops under {v} %")
    return _one(rng, f"loss below {v} %", f"packet loss under {v} %", f"no more than {v} % loss", f"at most {v} % of packets lost", f"a loss rate below {v} %", f"loss capped at {v} %", f"packet loss of {v} % or less", f"a drop rate below {v} %", f"fewer than {v} % of packets dropped")


def _throughput(v: str, rng: random.Random, style: str) -> str:
    if style == "compact":
        return _one(rng, f"throughput >= {v} Mbit/s", f"tput > {v} Mbps", f"{v} Mbit/s min", f"rate >= {v} Mbps", f"min {v} Mb/s")
    return _one(rng, f"at least {v} Mbit/s", f"throughput of {v} Mbit/s or more", f"throughput above {v} Mbit/s", f"a rate of at least {v} Mbit/s", f"no less than {v} Mbps", f"a floor of {v} Mbit/s", f"{v} Mb/s or better", f"a minimum of {v} Mbit/s")


def _jitter(v: str, rng: random.Random, style: str) -> str:
    if style == "compact":
        return _one(rng, f"jitter <= {v} ms", f"jitter < {v}ms", f"{v} ms jitter max")
    return _one(rng, f"jitter under {v} ms", f"jitter below {v} ms", f"at most {v} ms of jitter", f"jitter capped at {v} ms", f"jitter within {v} ms")


def sla_words(sla: SLASpec, rng: random.Random, style: str | None = None) -> str:
    """Some of the SLA's figures in words (always the latency bound, the rest at random), in one
    ``style``: ``verbal`` (words) or ``compact`` (symbols and abbreviations); drawn when None."""
    style = style or _one(rng, "verbal", "verbal", "compact")
    parts = [_latency(f"{sla.max_latency_ms:g}", rng, style)]
    if rng.random() < 0.6:
        parts.append(_loss(f"{sla.max_loss_rate * 100:g}", rng, style))
    if rng.random() < 0.5:
        parts.append(_throughput(f"{sla.min_throughput_mbps:g}", rng, style))
    if rng.random() < 0.3:
        parts.append(_jitter(f"{sla.max_jitter_ms:g}", rng, style))
    rng.shuffle(parts)
    if len(parts) == 1:
        return parts[0]
    if style == "compact":
        return _one(rng, ", ", "; ", " / ", ", ").join(parts)
    return ", ".join(parts[:-1]) + _one(rng, " and ", " and ", ", and ", " plus ") + parts[-1]


_TARGETS = {
    "sentence": ("Target: {s}.", "The service needs {s}.", "We need {s}.", "Keep {s}.", "It must keep {s}.", "The goal is {s}.", "Aim for {s}.", "The SLA is {s}.", "Make sure of {s}.", "The customer's contract says {s}.", "Success is {s}.", "Keep to {s} and check it.", "Required: {s}.", "Its SLA: {s}.", "It must stay at {s}.", "Hold it to {s}.", "Stay within {s}.", "Done means {s}.", "Acceptance: {s}.", "What counts is {s}.", "Afterwards we want {s}.", "The contract promises {s}.", "Hold {s} afterwards."),
    "ticket": ("SLA: {s}", "sla {s}", "target {s}", "KPI: {s}", "req: {s}", "limits: {s}", "({s})", "[{s}]", "must meet {s}", "acceptance {s}"),
    "chat": ("needs {s}", "it has to stay at {s}", "contract is {s}", "we promised {s}", "should hold {s} after", "{s} is the bar", "keep it at {s}", "target's {s}"),
    "formal": ("The agreed service level is {s}.", "The service level agreement requires {s}.", "Compliance with {s} must be verified.", "The contractual targets are {s}.", "Please ensure {s}.", "The service must meet {s}.", "The requirement is {s}."),
}


# --- openers, wrappers and closers per register -----------------------------------------------------

_OPENERS = {
    "sentence": ("", "", "", "", "", "", "", "Request: ", "Ticket: ", "Note: ", "Priority: ", "Operations: ", "NOC ticket: ", "Customer complaint: ", "Task: ", "Alarm follow-up: ", "Change request: ", "Night shift: ", "Hi team, ", "Incident: ", "Heads-up: ", "P1: ", "Sev-2: ", "Ops: ", "Escalated: ", "Service desk: ", "Alert: ", "Update: ", "Action item: ", "Follow-up: ", "On-call: ", "Morning shift: ", "Weekend duty: ", "Monitoring flagged this: ", "Re: SLA breach -- ", "Urgent request: ", "Important: "),
    "ticket": ("", "", "[P1] ", "[P2] ", "[P3] ", "[NOC] ", "[ops] ", "ALARM ", "INC: ", "CHG: ", "TT: ", "#{n} ", "INC-{n}: ", "TKT-{n} ", "CHG-{n}: ", "URGENT -- ", "ticket {n}: "),
    "chat": ("", "", "hey, ", "hi, ", "quick one: ", "morning! ", "ok so ", "heads up, ", "sorry to bug you, ", "hey team, ", "so, ", "hello, ", "one more: "),
    "formal": ("", "", "Dear operations team, ", "Good morning. ", "To the network operations centre: ", "Service request. ", "For your attention: ", "Hello, ", "Please note: ", "Formal request: ", "On behalf of the customer: "),
}
_CLOSERS = {
    "sentence": ("", "", "", "", "", "", "", " Confirm once finished.", " Report back when it is stable.", " Please verify it afterwards.", " Keep the fix small.", " Thanks.", " Leave the rest of the network alone.", " Let me know when it is done.", " The customer is waiting.", " Update the ticket when done.", " Please do it now.", " Cheers.", " Ping me when it is done.", " Close the ticket afterwards.", " Nothing else needs changing.", " Thanks in advance.", " Time matters here.", " Minimal impact, please.", " Much appreciated.", " Quickly, please."),
    "ticket": ("", "", "", " -- ack pls", " / close when verified", " [owner: NOC]", " (verify + close)", " ETA asap", " -- thx", " | prio high", " | sev 2"),
    "chat": ("", "", " thx", " thanks!", " ty", " cheers", " ping me after", " no rush but today pls", " let me know", " appreciate it", " :)"),
    "formal": ("", "", " Thank you.", " Please confirm completion.", " Kind regards, NOC.", " Please report the outcome.", " Regards.", " We appreciate a prompt resolution.", " Thank you for your support."),
}
_ASKS = {
    "sentence": ("{a}.", "{a}.", "{a}.", "Please {a}.", "{A}, please.", "I need you to {a}.", "Go ahead and {a}.", "We want you to {a}.", "Your job: {a}.", "The fix is to {a}.", "{A} right away.", "{A} as soon as you can.", "Let's {a}."),
    "chat": ("can you {a}?", "could you {a}?", "pls {a}", "would you {a}?", "need you to {a}", "{a} pls", "just {a}", "mind taking care of it? {a}", "{a} when you get a sec", "could we {a}?"),
    "formal": ("Please {a}.", "Kindly {a}.", "You are asked to {a}.", "The requested action is to {a}.", "We request that you {a}.", "Action required: {a}.", "Please proceed to {a}.", "It is necessary to {a}."),
}
_SITUATIONS = {
    "chat": ("{s}", "{s}", "looks like {s}", "seems {s}", "monitoring says {s}", "btw {s}"),
    "formal": ("We have observed that {s}.", "It has been reported that {s}.", "Context: {s}.", "Our monitoring indicates that {s}.", "Please be aware that {s}.", "{S}."),
}
_DIAGNOSE = {
    "sentence": ("Work out the cause first.", "Diagnose it first.", "Check its state and the risk, then act.", "Assess the risk before touching anything.", "Figure out what is going on before you act.", "Start by checking the risk.", "Look at telemetry and risk before changing anything.", "Start with a diagnosis.", "Do not act blind: assess first.", "Run a risk check before the change."),
    "ticket": ("diag first", "check risk before acting", "RCA first", "assess risk -> then act", "diagnose before change"),
    "chat": ("have a look at what's going on first", "check the risk before you touch it", "diagnose first pls", "figure out why before acting"),
    "formal": ("A diagnosis is required before any change.", "Please assess the risk before acting.", "The cause should be established first.", "A risk assessment must precede the change."),
}


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised, unless it starts with an entity id (uav-0 stays uav-0)."""
    text = text.strip()
    if not text or re.match(r"(uav|gnb|ue)-\d", text):
        return text
    return text[0].upper() + text[1:]


def _fill(template: str, key: str, text: str) -> str:
    return template.replace("{" + key + "}", text).replace("{" + key.upper() + "}", _sentence(text))


def intent(scene: str, sc: Scenario, sla: SLASpec | None, slots: dict[str, Any], rng: random.Random, *, degrade: bool, diagnose: bool) -> str:
    """The operator's intent for a scene, worded at random from ``rng``: one of four registers
    (full sentences, a terse ticket, a chat message, a formal request); the situation (with or
    without its figures, sometimes left out), the request, the SLA target and the extras in
    varying order."""
    reg = rng.choices(REGISTERS, weights=_REGISTER_WEIGHTS)[0]
    terse = reg == "ticket"
    svc = _service(sc.service.ue, rng, terse=terse)
    situation, ask = _BODIES[scene](svc, slots, rng, terse)
    extra = []
    if diagnose:
        extra.append(_one(rng, *_DIAGNOSE[reg]))
    if degrade:
        extra.append((_shed if "shed" in slots else _surge)(svc, slots, rng, terse))
    target = None
    if sla is not None:
        target = _one(rng, *_TARGETS[reg]).format(s=sla_words(sla, rng, "compact" if terse and rng.random() < 0.7 else None))
    opener = _one(rng, *_OPENERS[reg]).format(n=rng.randint(100, 99999))
    text = _compose(reg, situation, ask, target, extra, rng)
    return (opener + text + _one(rng, *_CLOSERS[reg])).strip()


def _compose(reg: str, situation: str, ask: str, target: str | None, extra: list[str], rng: random.Random) -> str:
    if reg == "ticket":
        parts = [situation, ask] if situation and rng.random() < 0.6 else [ask, situation]
        parts = [p for p in parts if p] + extra
        if target:
            parts.insert(rng.randint(1, len(parts)), target)
        return _one(rng, " | ", "; ", " -- ", ". ", " / ", ", ").join(parts)
    if reg == "chat":
        request = _fill(_one(rng, *_ASKS["chat"]), "a", ask)
        sit = _fill(_one(rng, *_SITUATIONS["chat"]), "s", situation) if situation else ""
        parts = [sit, request] if sit and rng.random() < 0.6 else [request, sit]
        parts = [p for p in parts if p] + extra + ([target] if target else [])
        if target and rng.random() < 0.3:
            parts.insert(1, parts.pop())
        return _one(rng, ", ", " - ", ". ", "; ", " ").join(parts)
    if reg == "formal":
        request = _fill(_one(rng, *_ASKS["formal"]), "a", ask)
        sit = _fill(_one(rng, *_SITUATIONS["formal"]), "s", situation) if situation else ""
        parts = [sit, request] if sit and rng.random() < 0.7 else [request, sit]
        parts = [p for p in parts if p] + [_sentence(x) for x in extra]
        if target:
            parts.insert(rng.randint(1, len(parts)), target)
        return " ".join(parts)
    # Full sentences: situation and request in two sentences (either first) or one, target anywhere.
    body = _pair(situation, ask, rng) if situation else _fill(_one(rng, *_ASKS["sentence"]), "a", ask)
    parts = [body] + [_sentence(x) for x in extra]
    rng.shuffle(parts[1:]) if len(parts) > 2 else None
    if target:
        where = rng.random()
        parts.insert(len(parts) if where < 0.6 else (0 if where < 0.8 else 1), target)
    return " ".join(parts)


def _pair(situation: str, ask: str, rng: random.Random) -> str:
    """A situation and a request: two sentences (either first) or one joined sentence."""
    how = rng.random()
    request = _fill(_one(rng, *_ASKS["sentence"]), "a", ask)
    if how < 0.35:
        return f"{_sentence(situation)}. {request}"
    if how < 0.6:
        return f"{request} {_sentence(situation)}."
    return _sentence(
        _one(rng, "{a}, so {b}.", "{b}, since {a}.", "{a}; {b}.", "As {a}, {b}.", "{b} because {a}.", "Because {a}, {b}.", "{a} -- {b}.", "Given that {a}, {b}.", "Now that {a}, {b}.", "{b}: {a}.").format(a=situation, b=ask)
    )


# --- the scenes' situations and requests ------------------------------------------------------------


def _slice(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    cell, rate = _cell(s["cell"], rng, terse=terse), f"{s['rate']:g}"
    if terse:
        return (
            _one(rng, f"{cell} congested", f"eMBB surge ~{rate} Mbit/s @ {cell}", f"{cell} overloaded", f"broadband spike on {cell}", f"{cell}: high load, lag reported", f"+{rate} Mbps bg traffic on {cell}", "", f"{cell} KPIs red"),
            _one(rng, f"move {svc} -> URLLC", f"{svc} to URLLC", f"slice change eMBB->URLLC for {svc}", f"re-slice {svc} (URLLC)", f"action: URLLC for {svc}", f"put {svc} on URLLC", f"{svc}: switch slice to URLLC"),
        )
    situation = _one(
        rng, f"{cell} is flooded with about {rate} Mbit/s of extra broadband traffic", f"a burst of roughly {rate} Mbit/s hit {cell}", f"{cell} got congested", f"broadband demand spiked in {cell}",
        f"users near {cell} complain about lag", f"eMBB traffic in {cell} crowds out {svc}", f"{cell} went into overload", f"customers in {cell} see timeouts", f"a stadium crowd hit {cell} with video traffic",
        f"the KPIs of {cell} went red after a traffic surge", f"a traffic spike of {rate} Mbit/s is loading {cell}", f"{cell} is congested and {svc} suffers", f"the broadband slice in {cell} is eating all the capacity",
        f"latency in {cell} shot up after a broadband surge", f"a flash crowd is hammering {cell}", f"the eMBB load on {cell} jumped by roughly {rate} Mbit/s", f"{svc} is stuck behind bulk downloads in {cell}",
        f"a software update push is flooding {cell}", f"video streaming in {cell} is squeezing {svc}", "", "",
    )
    ask = _one(
        rng, f"move {svc} to URLLC", f"put {svc} on the URLLC slice", f"switch {svc} over to URLLC", f"protect {svc} with the low-latency slice", f"get {svc} off eMBB and onto URLLC",
        f"give {svc} the URLLC slice and keep it there", f"change the slice of {svc} to URLLC", f"migrate {svc} from eMBB to URLLC", f"re-slice {svc} onto URLLC", f"shift {svc} into the ultra-low-latency slice",
        f"place {svc} in URLLC", f"transfer {svc} to the URLLC slice", f"take {svc} out of the broadband slice and into URLLC", f"run {svc} on URLLC from now on",
    )
    return situation, ask


def _compute(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    extra = f"{s['extra']:.0%}"
    if terse:
        return (
            _one(rng, f"edge overloaded (+{extra})", "MEC host saturated", "edge queue growing", "edge CPU maxed", f"edge load +{extra}", "edge slow", ""),
            _one(rng, f"offload {svc} compute -> cloud", f"{svc} jobs to cloud", "relocate compute: edge -> cloud", f"move {svc} processing to cloud", f"{svc}: host=cloud"),
        )
    situation = _one(
        rng, f"the edge host is swamped by other tenants' jobs (+{extra} of its capacity)", "the edge server went into overload", f"load on the edge node jumped by {extra}", "the edge queue keeps growing",
        "responses from the edge are getting slow", "the edge has no room left", "the customer sees slow responses from the edge", "a batch job took over the MEC host",
        f"other tenants pushed the edge host {extra} past its capacity", "the MEC node is saturated", "edge CPU is pegged", "the edge cluster is out of headroom", "a noisy neighbour is hogging the edge server",
        "jobs are piling up at the edge", "the local compute node is overloaded", "edge utilisation went through the roof", "",
    )
    ask = _one(
        rng, f"move {svc}'s compute to the cloud", f"run the jobs of {svc} in the cloud", f"offload {svc} to the cloud", f"shift the processing of {svc} off the edge and into the cloud",
        f"put {svc}'s workload on the cloud", f"let the cloud serve the requests of {svc}", f"migrate the processing of {svc} to the cloud", f"relocate the compute of {svc} to the central cloud",
        f"send the jobs of {svc} to the cloud instead of the edge", f"fail the compute of {svc} over to the cloud", f"have the cloud take over the processing of {svc}",
    )
    return situation, ask


def _uav(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    u = s["uav"]
    if s["how"] == "waypoint":
        p = s["target"]
        x, y, z = f"{p.x:g}", f"{p.y:g}", f"{p.z:g}"
        if terse:
            ask = _one(rng, f"{u} -> ({x}, {y}, {z})", f"{u}: wp ({x},{y}) alt {z} m", f"waypoint {u} = ({x}, {y}) @ {z} m", f"reposition {u} to ({x}, {y}), {z} m")
        else:
            ask = _one(
                rng, f"fly {u} to ({x}, {y}) at {z} m", f"send {u} to ({x}, {y}), {z} m up", f"move {u} to x={x}, y={y} at {z} m", f"reposition {u} at ({x}, {y}, {z})",
                f"route {u} to ({x}, {y}) at {z} m", f"direct {u} to x {x}, y {y}, height {z} m", f"get {u} over to ({x}, {y}, {z})", f"fly {u} over to the point ({x}, {y}) and hold {z} m",
                f"give {u} the waypoint ({x}, {y}) at {z} m",
            )
    elif s["how"] == "altitude":
        h = f"{s['altitude']:g}"
        if terse:
            ask = _one(rng, f"{u} alt {h} m", f"{u}: set alt={h}m", f"altitude {u} -> {h} m", f"{u} to {h} m AGL")
        else:
            ask = _one(rng, f"put {u} at {h} m", f"change the altitude of {u} to {h} m", f"take {u} to {h} m", f"set {u}'s flight level to {h} m", f"bring {u} to an altitude of {h} m", f"level {u} off at {h} m", f"hold {u} at {h} m altitude", f"climb or descend {u} to {h} m")
    else:
        v = f"{s['speed']:g}"
        if terse:
            ask = _one(rng, f"{u} speed {v} m/s", f"{u}: v={v} m/s", f"speed {u} -> {v} m/s", f"{u} cruise {v}m/s")
        else:
            ask = _one(rng, f"set {u}'s speed to {v} m/s", f"change the speed of {u} to {v} m/s", f"make {u} cruise at {v} m/s", f"set {u} to cruise at {v} m/s", f"bring {u}'s speed to {v} m/s", f"fly {u} at {v} m/s from now on", f"have {u} fly at {v} m/s")
    if terse:
        return _one(rng, "", "", "plan changed", "re-tasked", "new route", f"{u} mispositioned", "mission update"), ask
    situation = _one(
        rng, "", "", "", "", "the survey plan changed", "we need coverage elsewhere", f"{u} sits in the wrong place", "there are new orders for the drone", "the inspection route changed",
        f"battery and coverage look fine on {u}", "the mission planner updated the route", "a new inspection target came in", f"ground control re-tasked {u}", "the mission profile changed",
        "the camera needs another angle", "the relay position moved", f"{u} is needed as a radio relay", "the mapping run needs a different pass",
    )
    return situation, ask


def _escape(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    cell = _cell(s["cell"], rng, terse=terse)
    if terse:
        return (
            _one(rng, f"{cell} backhaul degraded", f"transport fault @ {cell}", f"{cell}: backhaul slow + lossy", f"fibre issue {cell}", f"{cell} link flapping"),
            _one(rng, f"HO {svc} off {cell} + log", f"handover {svc} to neighbour, log decision", f"move {svc} to another cell (log it)", f"{svc}: hand over + decision log"),
        )
    situation = _one(
        rng, f"the backhaul of {cell} turned slow and lossy", f"the transport link behind {cell} keeps failing", f"{cell} has a backhaul fault", f"packets through {cell} get delayed and dropped", f"{cell} degraded",
        f"the fibre to {cell} was damaged", f"the microwave link of {cell} went flaky", f"the backhaul behind {cell} is dropping packets", f"{cell} lost its primary transport link", f"{cell} is running on a degraded backup link",
        f"the transport of {cell} shows high delay and loss",
    )
    ask = _one(
        rng, f"hand {svc} over to another cell and log the decision", f"move {svc} to a healthier neighbour and record why", f"get {svc} away from {cell} and keep a record of it",
        f"switch {svc} to a different base station and note it in the log", f"have {svc} served by another cell, with a logged decision", f"hand {svc} over away from {cell} and write down why",
        f"move {svc} onto a neighbouring cell, logging the decision", f"re-home {svc} on another base station and document the decision", f"steer {svc} off {cell} and add a decision entry to the log",
    )
    return situation, ask


def _crew(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    u, alert, status = s["uav"], s["alert"].replace("_", " "), s["status"]
    if terse:
        return (
            _one(rng, "", "", f"{u} status needed", "fleet coordination", "mission ops request"),
            _one(rng, f"{u}: alert={alert}, broadcast status {status}", f"alert {alert} on {u} + broadcast '{status}'", f"raise {alert} for {u}; announce {status}", f"{u} -> {alert} alert, status {status} to fleet"),
        )
    who = _one(rng, "ground control and the other UAVs", "the swarm", "everyone on the mission net", "the fleet", "all peers", "the other drones", "the mission crew", "the rest of the formation", "every aircraft in the mission")
    raise_it = _one(rng, f"raise a {alert} alert for {u}", f"flag {u} with a {alert} alert", f"file a {alert} alert on {u}", f"send a {alert} alert about {u}", f"open a {alert} alert on {u}", f"put out a {alert} alert for {u}")
    tell = _one(rng, f"tell {who} it is {status}", f"broadcast that {u} is {status}", f"let {who} know {u} is {status}", f"announce to {who} that {u} is {status}", f"have {u} report {status} to {who}", f"share {u}'s status ({status}) with {who}")
    first, second = (raise_it, tell) if rng.random() < 0.6 else (tell, raise_it)
    ask = _one(rng, "{a}, then {b}", "{a} and {b}", "first {a}, then {b}", "{a}; also {b}", "{a}, and after that {b}", "{a} plus {b}").format(a=first, b=second)
    situation = _one(rng, "", "", "", f"mission control wants {u} accounted for", f"{u} needs attention", "the fleet needs coordinating", f"we need a status update for {u}", "mission ops asked for this", f"{u} was flagged by the mission planner", "the formation needs an update")
    return situation, ask


def _jam(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    cell, power = _cell(s["cell"], rng, terse=terse), f"{s['power']:g}"
    if terse:
        return (
            _one(rng, f"interference @ {cell} (~{power} dBm)", f"jamming near {cell}", f"{cell}: SINR collapse", f"rogue emitter near {cell}", f"RF noise {cell}"),
            _one(rng, f"restore {svc}", f"recover {svc} within SLA", f"fix {svc}", f"bring {svc} back"),
        )
    situation = _one(
        rng, f"an unknown emitter (~{power} dBm) is jamming {cell}", f"SINR around {cell} dropped sharply", f"someone is transmitting on the band of {cell}", f"interference in {cell} is hurting {svc}",
        f"{svc} degraded after a radio disturbance near {cell}", f"the radio in {cell} got noisy", f"a rogue transmitter showed up near {cell}", f"there is strong interference on the band of {cell}",
        f"a jammer seems active near {cell}", f"radio noise near {cell} spiked to about {power} dBm", f"{cell} reports a sudden SINR collapse",
    )
    ask = _one(
        rng, f"diagnose it and bring {svc} back within its SLA", f"find a remedy that restores {svc}", f"recover {svc}", f"get {svc} healthy again", f"fix {svc}", "restore the customer's service quality",
        f"work out a remedy and get {svc} back within its SLA", f"find out what happened and restore {svc}", f"bring {svc} back to normal", f"recover {svc} from the interference",
    )
    return situation, ask


def _xyz(p) -> str:
    return f"({p.x:g}, {p.y:g}, {p.z:g})"


def _share(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    sl, pct = s["slice"], f"{s['share'] * 100:g}"
    name = {"URLLC": ("URLLC", "the URLLC slice", "the low-latency slice (URLLC)"), "mMTC": ("mMTC", "the mMTC slice", "the IoT slice (mMTC)"), "eMBB": ("eMBB", "the eMBB slice", "the broadband slice (eMBB)")}[sl]
    if terse:
        grant = _one(rng, f"{sl} share -> {pct} %", f"realloc: {sl} >= {pct}%", f"set {sl} share {pct} %", f"{sl} to {pct}% of each cell")
    else:
        grant = _one(
            rng, f"give {_one(rng, *name)} {pct} % of every cell", f"raise the share of {_one(rng, *name)} to {pct} %", f"reallocate so that {sl} holds {pct} % of each cell's capacity",
            f"resize {_one(rng, *name)} to a {pct} % share", f"set aside {pct} % of cell capacity for {sl}", f"grow {_one(rng, *name)} to {pct} % of capacity",
        )
    if s["protect"]:
        cell, rate = _cell(s["cell"], rng, terse=terse), f"{s['rate']:g}"
        if terse:
            situation = _one(rng, f"{cell} congested (+{rate} Mbps)", f"load spike @ {cell}", f"{cell} busy, lag reported")
            move = _one(rng, f"then {svc} -> URLLC", f"+ move {svc} to URLLC", f"and re-slice {svc} to URLLC")
        else:
            situation = _one(rng, f"{cell} is carrying about {rate} Mbit/s of extra broadband load", f"a traffic surge is building on {cell}", f"{svc} is suffering from congestion on {cell}", f"{cell} is getting crowded")
            move = _one(rng, f"then put {svc} on URLLC", f"and move {svc} onto that slice", f"then switch {svc} to URLLC", f"and carry {svc} on URLLC afterwards")
        return situation, f"{grant} {move}"
    if terse:
        return _one(rng, "", "", "capacity plan update", f"{sl} demand up", "quota change"), grant
    situation = _one(
        rng, "", "", "", "the capacity plan changed", f"demand on {sl} is expected to grow", f"a new tenant signed up on {sl}", f"{sl} traffic keeps hitting its quota",
        "the slice quotas were reviewed", f"a rollout on {sl} needs more room", "the planning team asked for a new split",
    )
    return situation, grant


def _route(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    u, at = s["uav"], _xyz(s["target"])
    if terse:
        return (
            _one(rng, "", "new inspection point", "relay needed", "coverage gap"),
            _one(rng, f"{u} -> {at} via covered route, check energy", f"route {u} to {at} (coverage + battery check)", f"plan path {u} -> {at}, energy ok? then go"),
        )
    ask = _one(
        rng, f"plan a route for {u} to {at} that keeps radio coverage, check the battery covers it, then send it", f"send {u} to {at} along a well-covered path once its energy budget is confirmed",
        f"get {u} to {at}: plan the path with coverage in mind, work out the energy, then dispatch", f"check that {u} can reach {at} with signal all the way and enough battery, and fly it there",
        f"work out a coverage-safe path for {u} to {at}, make sure the battery is enough, and go",
    )
    situation = _one(rng, "", "", "", "a relay is needed out there", "ground control wants a look at a new spot", "an inspection point was added", "coverage must hold on the way", f"{u} is the closest drone")
    return situation, ask


def _fleet(svc: str, s: dict, rng: random.Random, terse: bool) -> tuple[str, str]:
    if s["how"] == "assign":
        u, kind, name, at = s["uav"], s["kind"], s["task"], _xyz(s["target"])
        if terse:
            return _one(rng, "", f"new {kind} job", "tasking"), _one(rng, f"task {name} ({kind} @ {at}) -> {u}, dispatch", f"assign {name} to {u}, fly to {at}", f"{u}: accept {kind} task {name} at {at} + go")
        ask = _one(
            rng, f"assign the {kind} task {name} at {at} to {u} and send it there", f"give {u} the task {name} ({kind} at {at}) and dispatch it", f"hand task {name}, a {kind} job at {at}, to {u}, then fly it over",
            f"task {u} with {name} ({kind}, location {at}) and get it moving", f"have {u} take on {name}: a {kind} at {at}; send it once accepted",
        )
        return _one(rng, "", "", f"a {kind} job came in", "operations queued new work", f"{u} is free"), ask
    if s["how"] == "contest":
        a, b, name, at = s["a"], s["b"], s["task"], _xyz(s["spot"])
        if terse:
            return f"{a}/{b} both want relay slot {at}", _one(rng, f"prio to {a}: task {name}, send it; alert {b} (mission update) + {b} holding", f"negotiate -> {a} wins, {name} to {a}, fly it; {b}: mission update alert, broadcast holding")
        situation = _one(rng, f"{a} and {b} both claim the relay slot at {at}", f"two UAVs, {a} and {b}, want the same relay position {at}", f"the relay slot at {at} is contested by {a} and {b}")
        ask = _one(
            rng, f"settle the priority in favour of {a}, give it the relay task {name} and send it to the slot; raise a mission update alert on {b} and have {b} announce it is holding",
            f"negotiate: {a} goes first with task {name} and flies there, {b} gets a mission update alert and broadcasts that it is holding",
            f"resolve it for {a} (task {name}, dispatch it to the slot), then alert {b} with a mission update and let it broadcast holding",
        )
        return situation, ask
    uavs, mid = s["uavs"], s["mission"]
    pts = " and ".join(_xyz(p) for p in s["targets"])
    who = " and ".join(uavs)
    tasks = ", ".join(s["tasks"])
    if terse:
        return f"mission {mid}: {who}", _one(rng, f"plan, assign {tasks}, fly over {pts} (10 m), batt >= 20 %, validate", f"{mid}: tasks {tasks}; targets {pts} within 10 m; keep 20 % batt; validate at end")
    situation = _one(rng, f"mission {mid} was approved for {who}", f"operations opened mission {mid}", f"{who} {'are' if len(uavs) > 1 else 'is'} on mission {mid}")
    ask = _one(
        rng, f"plan mission {mid}, assign {tasks}, fly over {pts} within 10 m while keeping 20 % battery, then validate it",
        f"run mission {mid}: plan it, hand out the tasks {tasks}, pass {pts} (10 m tolerance, battery floor 20 %) and confirm completion",
        f"carry out {mid} -- tasks {tasks} accepted, every point of {pts} overflown within 10 m, no UAV under 20 % battery -- and validate it at the end",
    )
    return situation, ask


_BODIES = {"share_grant": _share, "coverage_route": _route, "fleet_tasking": _fleet, "slice_rescue": _slice, "compute_relocation": _compute, "uav_reposition": _uav, "cell_escape": _escape, "crew_coordination": _crew, "jam_recovery": _jam}


def _shed(svc: str, s: dict, rng: random.Random, terse: bool) -> str:
    f = f"{s['shed']:.0%}"
    if terse:
        return _one(rng, f"also shed {f} eMBB bg load", f"+ throttle eMBB by {f}", f"eMBB bg -{f}")
    return _one(rng, f"Then shed {f} of the eMBB background load as well.", f"Also relieve the cell by throttling eMBB background traffic by {f}.", f"Cut the broadband background load by {f} too.", f"Also throttle broadband background traffic by {f}.", f"Then cut eMBB background load by {f}.", f"Relieve the cell by shedding {f} of eMBB load too.", f"On top of that, shape the eMBB background by {f}.", f"And take {f} off the broadband background traffic.")


def _surge(svc: str, s: dict, rng: random.Random, terse: bool) -> str:
    c = s["surge"]
    if terse:
        return _one(rng, f"surge expected @ {c}: {svc} -> URLLC", f"+ congestion risk {c}, URLLC for {svc}", f"also protect {svc} w/ URLLC ({c} surge)")
    return _one(rng, f"A congestion surge may hit {c}; if it does, move {svc} to URLLC.", f"A load burst is likely in {c}, so protect {svc} with URLLC as well.", f"Also recover {svc} from the congestion building in {c} with URLLC.", f"Congestion is building in {c}: put {svc} on URLLC too.", f"Expect a traffic surge in {c} and move {svc} to URLLC when it comes.")



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
    "trigger_slice_reallocation": ("Resize the slice's share of each cell.", "Reallocate capacity to the slice."),
    "get_signal_strength": ("How good is the signal at that point?", "Check coverage at the destination."),
    "path_planning": ("Plan a route that keeps coverage.", "Find a path with good signal along the way."),
    "compute_energy_budget": ("Does the battery cover the route?", "Work out the energy for the route."),
    "assign_task": ("Assign the task to the UAV.", "Hand the task over and see if it is accepted."),
    "negotiate_priority": ("Settle which UAV goes first.", "Negotiate priority between the two UAVs."),
    "update_mission_plan": ("Plan the mission legs.", "Work out who flies where for the mission."),
    "validate_mission_completion": ("Check the mission is complete.", "Validate the mission against the log."),
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
