"""A teacher behind any OpenAI-compatible chat endpoint (vLLM, ``transformers serve``, a hosted model).

It does the three jobs of a :class:`~sixg.forge.teacher.Teacher` from prompts:

* **annotation** -- a decision point found in the ns-3 traces and the situation that answers it
  (topology, scheduled degradations, the goal checks the network must pass at the end) go in;
  the model writes the intent and the tool-call program of the seed trajectory;
* **expansion** -- k trajectories drawn from the pool are shown as demonstrations, with the typed
  signatures and effect classes of all 42 tools; the model writes a new intent and program for a
  situation drawn for it (with probability ``p_degrade`` one more degradation is scheduled and the
  program must recover from it);
* **correction** -- a failed call and the typed error the tool boundary returned go in; the model
  writes the corrected call.

The situation and its goal checks are drawn by Forge's own generator (the scenes of
:mod:`sixg.forge.programs`, on a training seed), never by the model: a model cannot make its
program pass by writing an easy goal. The model answers with one JSON object. Its program is read
through the tools' own argument models (:class:`~sixg.bench.tasks.RefStep`) and then verified like
any other, step by step through the tool boundary; whatever cannot become a program or a call --
text that is not JSON, an unknown tool or argument, a value of the wrong type -- raises
:class:`~sixg.forge.teacher.TeacherOutputError`, which the run counts by its reason. An endpoint
that cannot be reached (or refuses the key or the model) raises
:class:`~sixg.forge.teacher.TeacherUnavailable`, saying what to fix; one that fails on a request
(HTTP 5xx after its retries) costs that proposal only.

Requests go through the same HTTP client as the ReAct agent
(:class:`~sixg.agents.llm.endpoint.ChatEndpoint`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sixg.agents.llm.endpoint import ChatEndpoint, EndpointError
from sixg.agents.llm.reply import json_objects
from sixg.bench.scoring import tier_of
from sixg.bench.tasks import RefStep
from sixg.errors import UserError, did_you_mean
from sixg.forge import phrasing
from sixg.forge.programs import DOMAIN_OF, Program, render
from sixg.forge.teacher import Demo, OfflineTeacher, TeacherOutputError, TeacherUnavailable
from sixg.scenario import Split, generate
from sixg.tools.catalog import default_catalog

if TYPE_CHECKING:
    from sixg.forge.annotate import DecisionPoint

__all__ = ["OpenAITeacher", "tool_signatures"]

#: Calls a written program may have (a longer one is rejected before it runs).
MAX_CALLS = 40
#: Characters of an intent or a thought kept from a reply.
MAX_INTENT = 1000
MAX_THOUGHT = 500

SYSTEM = (
    "You write training data for an agent that manages a simulated 6G network by calling typed tools. "
    "Answer with exactly one JSON object and nothing else."
)
PROGRAM_FORM = (
    '{"intent": "<what an operator asks for, in one or two sentences of your own>", '
    '"steps": [{"tool": "<tool name>", "args": {"<argument>": <value>}, "thought": "<why this call, one sentence>"}]}'
)
REFERENCES = (
    'Instead of a literal value an argument may take one from the episode: {"$": "state"} (the network state '
    'last observed), {"$": "slice"} (the managed service\'s slice in it) or {"$": "out", "tool": "<name>"} '
    "(what the last call of that tool returned). Later steps may use earlier outputs this way."
)


def _type(schema: Mapping[str, Any], depth: int = 0) -> str:
    """A schema's type in a line: ``eMBB|URLLC|mMTC``, ``number``, ``{x: number, y: number}``, ``[string]``."""
    if "enum" in schema:
        return "|".join(json.dumps(v) if not isinstance(v, str) else v for v in schema["enum"])
    if "anyOf" in schema:
        return "|".join(_type(s, depth) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        if depth >= 2:
            return "object"
        required = set(schema.get("required", ()))
        fields = ", ".join(f"{k}{'' if k in required else '?'}: {_type(v, depth + 1)}" for k, v in schema["properties"].items())
        return "{" + fields + "}"
    if kind == "array":
        return "[" + _type(schema.get("items", {}), depth + 1) + "]"
    return str(kind or "any")


def tool_signatures(names: Sequence[str] | None = None) -> str:
    """One line per tool of the catalog (or of ``names``): its typed signature, effect class and what it does."""
    catalog = default_catalog()
    lines = []
    for spec in catalog.values() if names is None else [catalog.lookup(n) for n in names]:
        fn = spec.schema["function"]
        params = fn["parameters"]
        required = set(params.get("required", ()))
        args = ", ".join(f"{k}{'' if k in required else '?'}: {_type(v)}" for k, v in params.get("properties", {}).items())
        what = re.split(r"\.(?:\s|$)|[:;]", re.sub(r"\s*\([^)]*\)", "", fn.get("description", "")).strip(), maxsplit=1)[0].strip()
        lines.append(f"{fn['name']}({args}) [{spec.effect.value}] {what}")
    return "\n".join(lines)


class OpenAITeacher:
    """A model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint as Forge's teacher.

    Args:
        model: The model name the endpoint serves.
        seeds: The training topology seeds situations are drawn on.
        base_url: Base URL up to and including ``/v1`` (default ``$OPENAI_BASE_URL``, then OpenAI's).
        api_key_env: The environment variable holding the API key (local servers need none).
        p_degrade: Probability that a proposal's situation schedules one more degradation, which
            the program must recover from.
        temperature: Sampling temperature of every request.
        max_tokens: Token limit of one reply.
        timeout: Seconds to wait for one reply.
        max_retries: Retries of a request after a transient failure.
        tools: The tools the prompts describe (default: the whole catalog). A model with a short
            context may be shown fewer; its programs still run through the whole catalog.
        endpoint: Talks to the model instead of a :class:`ChatEndpoint` made from the arguments
            above (anything with ``open()``, ``complete(body)`` and ``url``).
    """

    local = False  # it waits on a model server: verification workers are threads

    def __init__(
        self,
        model: str,
        *,
        seeds: Sequence[int],
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        p_degrade: float = 0.3,
        temperature: float = 0.7,
        max_tokens: int | None = 1024,
        timeout: float = 120.0,
        max_retries: int = 2,
        tools: Sequence[str] | None = None,
        endpoint: ChatEndpoint | None = None,
    ):
        if not model:
            raise UserError("the openai teacher needs a model name: pass --model NAME (the name the endpoint serves)")
        if not 0.0 <= p_degrade <= 1.0:
            raise UserError(f"p_degrade must be between 0 and 1, not {p_degrade}")
        if temperature < 0:
            raise UserError(f"temperature must be >= 0, not {temperature}")
        self.endpoint = endpoint or ChatEndpoint(model, base_url=base_url, api_key_env=api_key_env, timeout=timeout, max_retries=max_retries)
        self.name = f"openai:{model}"
        self.seeds = list(seeds)
        self.p_degrade = p_degrade
        self.temperature = float(temperature)
        self.max_tokens = max_tokens
        # Forge's own generator draws the situations (scene, topology, degradations, goal checks).
        self._situations = OfflineTeacher(self.seeds, p_degrade=0.0, p_fault=0.0)
        unknown = [n for n in tools or () if n not in default_catalog()]
        if unknown:
            raise UserError(f"tools= names no tool {unknown[0]!r} of the catalog.{did_you_mean(unknown[0], default_catalog())}")
        self._signatures = tool_signatures(tools)
        self._system = f"{SYSTEM}\n\nThe tools, as name(argument: type, ...) [effect class] what it does; '?' marks an optional argument:\n{self._signatures}\n\n{REFERENCES}"
        self._opened = False

    # --- the three jobs ---------------------------------------------------------------------------
    def annotate(self, point: DecisionPoint, rng: random.Random) -> Program:
        """The model's seed trajectory for ``point``, in the situation of the scene that answers it."""
        from sixg.forge.annotate import seed_blueprint

        situation = render(seed_blueprint(point))
        seen = f"An ns-3 recording of this network shows a decision point: {point.kind} at t={point.t:g} s ({json.dumps(point.detail, sort_keys=True)})."
        user = f"{seen}\n\n{self._situation_text(situation)}\n\nWrite the seed trajectory an operator would run there. Answer with one JSON object: {PROGRAM_FORM}"
        return self._program(situation, user, rng, stage="annotation")

    def propose(self, demos: Sequence[Demo], rng: random.Random, *, kept: Mapping[str, int] | None = None) -> Program:
        """The model's new program for a situation drawn for it, shown ``demos`` as examples."""
        situation = self._situations.propose(demos, rng, kept=kept)
        degrade = rng.random() < self.p_degrade
        if degrade != situation.blueprint.degrade:
            situation = render(situation.blueprint.model_copy(update={"degrade": degrade}))
        shown = "\n".join(
            f"Example {i} ({d.domain}, scene {d.scene}):\nintent: {d.intent}\nsteps: {json.dumps([{'tool': s.get('tool'), 'args': s.get('args', {})} for s in d.steps], separators=(',', ':'))}"
            for i, d in enumerate(demos, 1)
        )
        head = f"Programs from the corpus, as examples of the form (write a new one, do not copy them):\n{shown}\n\n" if demos else ""
        user = f"{head}Write a new program for this situation.\n{self._situation_text(situation)}\n\nAnswer with one JSON object: {PROGRAM_FORM}"
        return self._program(situation, user, rng, stage="proposal")

    def correct(self, step: RefStep, error: dict[str, Any], intended: RefStep | None) -> RefStep | None:
        """The model's correction of ``step`` from the typed ``error`` the boundary returned."""
        spec = default_catalog().get(step.tool)
        signature = tool_signatures([step.tool]) if spec else ""
        problems = error.get("problems") or []
        user = (
            f"This call failed:\n{json.dumps({'tool': step.tool, 'args': step.model_dump(mode='json')['args']})}\n"
            f"The tool: {signature}\n"
            f"The error it returned ({error.get('kind', 'error')}): {error.get('message', '')}"
            + ("\nProblems: " + "; ".join(map(str, problems)) if problems else "")
            + '\n\nWrite the corrected call. Answer with one JSON object: {"tool": "<tool name>", "args": {"<argument>": <value>}}'
        )
        seed = int(hashlib.sha256(json.dumps([step.model_dump(mode="json"), error], sort_keys=True, default=str).encode()).hexdigest()[:8], 16)
        obj = self._object(self._ask(user, seed, stage="correction"), stage="correction")
        return self._step(obj, stage="correction")

    def wait_and_recheck(self, verify: RefStep, rng: random.Random) -> list[RefStep]:
        """Watch the network settle, then verify again (the offline teacher's rule: no request needed)."""
        return OfflineTeacher.wait_and_recheck(verify, rng)

    # --- prompts and replies ----------------------------------------------------------------------
    def _situation_text(self, situation: Program) -> str:
        task, bp = situation.task, situation.blueprint
        sc = generate(task.seed, split=Split.TRAIN)
        lines = [
            f"Topology seed {task.seed} ({DOMAIN_OF[bp.scene]}): base stations {', '.join(sc.gnb_ids)}; "
            f"UEs {', '.join(sc.ue_ids)}; UAVs {', '.join(sc.uav_ids) or 'none'}; the managed service's UE is {sc.service.ue}.",
            f"Briefing: {task.intent}",
        ]
        events = [e.model_dump(mode="json") for e in task.schedule.events]
        if events:
            lines.append(f"Scheduled: {json.dumps(events, separators=(',', ':'))}")
        if bp.degrade:
            lines.append("One of these degradations strikes while the program runs: the program must contain a recovery sub-sequence for it.")
        lines.append(f"At the end the network must pass these checks: {json.dumps([g.model_dump(mode='json') for g in task.goal], separators=(',', ':'))}")
        if task.requires_verification:
            lines.append('The program must end with verify_sla_compliance(state={"$": "state"}, sla=<the SLA in the checks>).')
        return "\n".join(lines)

    def _ask(self, user: str, seed: int, *, stage: str) -> str:
        """The model's reply text; :class:`TeacherUnavailable` when the endpoint cannot be used at all."""
        if not self._opened:
            try:
                self.endpoint.open()
            except UserError as exc:
                raise TeacherUnavailable(f"the openai teacher cannot start: {exc}") from None
            self._opened = True
        body: dict[str, Any] = {"messages": [{"role": "system", "content": self._system}, {"role": "user", "content": user}], "temperature": self.temperature, "seed": seed % (2**31)}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        try:
            message, finish = self.endpoint.complete(body)
        except EndpointError as exc:
            if exc.status is not None and exc.status >= 500:
                raise TeacherOutputError(f"{stage}: endpoint failed (HTTP {exc.status})", str(exc)) from None
            raise TeacherUnavailable(f"the openai teacher cannot work: {exc} (on the command line: --base-url URL and --model NAME)") from None
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        if finish == "length" and not json_objects(text):
            raise TeacherOutputError(f"{stage}: reply cut off at the token limit")
        return text

    def _object(self, text: str, *, stage: str) -> dict[str, Any]:
        found = json_objects(text)
        if not found:
            raise TeacherOutputError(f"{stage}: reply is not JSON", text[:200])
        return found[0]

    def _step(self, obj: Any, *, stage: str) -> RefStep:
        """A step read through the tool's own argument model."""
        if not isinstance(obj, dict):
            raise TeacherOutputError(f"{stage}: a step is not a JSON object")
        tool = obj.get("tool", obj.get("name"))
        args = obj.get("args", obj.get("arguments", {}))
        spec = default_catalog().get(tool) if isinstance(tool, str) else None
        if spec is None:
            raise TeacherOutputError(f"{stage}: unknown tool", str(tool)[:80])
        if not isinstance(args, dict):
            raise TeacherOutputError(f"{stage}: arguments are not a JSON object", f"{tool}")
        unknown = [k for k in args if k not in spec.parameters]
        if unknown:
            raise TeacherOutputError(f"{stage}: unknown argument", f"{tool} has no {unknown[0]!r}"[:120])
        try:
            return RefStep(tool=tool, args=args)
        except ValidationError as exc:
            raise TeacherOutputError(f"{stage}: argument of the wrong type", str(exc.errors()[0].get("msg", ""))[:200]) from None

    def _program(self, situation: Program, user: str, rng: random.Random, *, stage: str) -> Program:
        """The situation with the model's intent and program in place of the generator's."""
        obj = self._object(self._ask(user, rng.randrange(2**31), stage=stage), stage=stage)
        intent = obj.get("intent")
        if not isinstance(intent, str) or not intent.strip():
            raise TeacherOutputError(f"{stage}: no intent")
        raw = obj.get("steps")
        if not isinstance(raw, list) or not raw:
            raise TeacherOutputError(f"{stage}: no steps")
        if len(raw) > MAX_CALLS:
            raise TeacherOutputError(f"{stage}: longer than {MAX_CALLS} calls")
        steps = [self._step(s, stage=stage) for s in raw]
        thoughts = [
            s["thought"].strip()[:MAX_THOUGHT] if isinstance(s.get("thought"), str) and s["thought"].strip() else phrasing.thought(step, rng)
            for s, step in zip(raw, steps)
        ]
        intent = intent.strip()[:MAX_INTENT]
        n = len(steps)
        key = hashlib.sha256(json.dumps([situation.blueprint.model_dump(mode="json"), intent, [s.model_dump(mode="json") for s in steps]], sort_keys=True).encode()).hexdigest()[:12]
        task = situation.task.model_copy(
            update={"id": f"forge-{situation.task.seed:03d}-{situation.blueprint.scene}-m{key}", "intent": intent, "reference": tuple(steps), "tier": tier_of(n), "max_steps": 2 * n + 6}
        )
        return Program(blueprint=situation.blueprint, task=task, thoughts=tuple(thoughts))
