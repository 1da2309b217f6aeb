"""What Forge asks of a teacher (:class:`Teacher`), and the offline teacher: a programmatic one that needs no model.

A teacher writes the seed trajectory of a decision point (annotation), proposes new programs from
demonstrations drawn from the pool (expansion) and corrects a failed step from the typed error the
tool boundary returned (correction). Two implement :class:`Teacher`: :class:`OfflineTeacher`
here, and :class:`~sixg.forge.openai_teacher.OpenAITeacher` (any OpenAI-compatible endpoint).
Whatever a teacher writes goes through the same tool boundary and verification; output that
cannot become a program or a call raises :class:`TeacherOutputError`, which the run counts as a
rejection by its reason.

The offline teacher proposes programs by mutating and recombining the blueprints of demonstrations drawn from
the pool (another topology, other entities and figures, more or less looking around, an
inserted diagnosis, reads in another order, an extra degradation with its recovery, a wrong
argument to recover from), aiming at the tier mix of the paper (30 % L1, 45 % L2, 25 % L3) in
the corpus it keeps: corrections lengthen trajectories and short ones are more often dropped as
duplicates, so it steers by the tiers accepted so far; and it corrects a failed step from the typed error the boundary returned.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sixg.bench.scoring import tier_of
from sixg.bench.tasks import STATE, RefStep
from sixg.domain import SliceType
from sixg.errors import ModelBehaviorError, UserError
from sixg.forge.programs import DOMAIN_OF, PROBES, SCENES, SHORT_SCENES, Blueprint, Fault, Program, Unfit, length, render
from sixg.scenario import SPLIT_SEEDS, Split

if TYPE_CHECKING:
    from sixg.forge.annotate import DecisionPoint
    from sixg.forge.records import ForgeRecord

TIER_MIX = {"L1": 0.30, "L2": 0.45, "L3": 0.25}
#: Trajectories ahead over which a tier's shortfall in the kept corpus is made up.
STEER_HORIZON = 64
#: The least weight a tier in excess keeps, as a fraction of its share of the horizon.
STEER_FLOOR = 0.1
#: Other variants a proposal may try when its own cannot reach the tier wanted.
REDRAWS = 2
#: Wrong values of the right type, by argument name: each fails at the boundary, not in the type.
_WRONG_IDS = {"uav": "uav-9", "gnb": "gnb-9", "ue": "ue-99"}


class TeacherOutputError(ModelBehaviorError):
    """What a teacher wrote cannot become a program or a call (not JSON, an unknown tool, an
    argument of the wrong type, ...). Never fatal: the run counts it among the rejections under
    ``reason`` (the stage and the kind of fault, e.g. ``"proposal: unknown tool"``)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason = reason


class TeacherUnavailable(UserError):
    """A teacher cannot work at all (its endpoint is unreachable, refuses the key or the model): the run stops, saying what to fix."""


@dataclass(frozen=True)
class Demo:
    """A trajectory of the pool shown to a teacher: the blueprint of its situation, its intent and its program."""

    blueprint: Blueprint
    intent: str
    steps: tuple[dict[str, Any], ...]
    scene: str
    domain: str

    @classmethod
    def of(cls, record: ForgeRecord) -> Demo:
        """The demonstration a record makes (it must carry a blueprint)."""
        return cls(
            blueprint=Blueprint.model_validate(record.blueprint),
            intent=record.intent,
            steps=tuple(record.task.get("reference", ())),
            scene=record.meta.scene,
            domain=record.meta.domain,
        )


class Teacher(Protocol):
    """What Forge asks of a teacher; :class:`OfflineTeacher` and the openai teacher implement it.

    Each method returns a program or a call, or raises :class:`~sixg.forge.programs.Unfit` (the
    situation drawn does not fit its topology) or :class:`TeacherOutputError` (what the teacher
    wrote is unusable); both are counted as rejections. :class:`TeacherUnavailable` stops the run.
    """

    #: Recorded in every record's metadata and in the corpus's settings.
    name: str
    #: True when the teacher computes in this process (no model server behind it): verification is
    #: then CPU-bound, and with several workers it runs in worker processes (the teacher is
    #: pickled to them), else in threads.
    local: bool

    def annotate(self, point: DecisionPoint, rng: random.Random) -> Program:
        """The seed trajectory for a decision point found in the ns-3 trace corpus."""
        ...

    def propose(self, demos: Sequence[Demo], rng: random.Random, *, kept: Mapping[str, int] | None = None) -> Program:
        """A new program from ``demos`` (k trajectories drawn from the pool; none for the first
        proposals of a run without a seed pool), given ``kept`` (trajectories kept so far per tier)."""
        ...

    def correct(self, step: RefStep, error: dict[str, Any], intended: RefStep | None) -> RefStep | None:
        """The failed ``step`` corrected from the typed ``error`` the boundary returned (None: no fix)."""
        ...

    def wait_and_recheck(self, verify: RefStep, rng: random.Random) -> list[RefStep]:
        """The steps that follow a verification which found the SLA still broken."""
        ...


class OfflineTeacher:
    """Proposes blueprints from demonstrations, and repairs failed calls from typed errors.

    Args:
        seeds: The training topology seeds it may use.
        p_degrade: Probability that a proposal schedules an extra degradation (and so carries a
            recovery sub-sequence).
        p_fault: Probability that a proposal plants a wrong argument to recover from.
    """

    name = "offline"
    local = True

    def __init__(self, seeds: Sequence[int], *, p_degrade: float = 0.3, p_fault: float = 0.35):
        self.seeds = list(seeds)
        self.p_degrade = p_degrade
        self.p_fault = p_fault

    # --- the first pool --------------------------------------------------------------------------
    def seed_blueprints(self, rng: random.Random, n: int) -> list[Blueprint]:
        """``n`` plain blueprints, every scene on every seed in turn (no demonstrations yet)."""
        out = []
        for i in range(n):
            out.append(Blueprint(scene=SCENES[i % len(SCENES)], seed=self.seeds[(i // len(SCENES)) % len(self.seeds)], variant=rng.randrange(10**6), detail=rng.randint(0, 2)))
        return out

    # --- annotation -----------------------------------------------------------------------------
    def annotate(self, point: DecisionPoint, rng: random.Random) -> Program:
        """The program of the scene that answers ``point``, carrying the degradation the trace recorded."""
        from sixg.forge.annotate import seed_blueprint

        return render(seed_blueprint(point))

    # --- expansion ------------------------------------------------------------------------------
    @staticmethod
    def aim(kept: Mapping[str, int] | None = None) -> dict[str, float]:
        """How often to propose each tier, given the tiers of the trajectories kept so far: in
        proportion to what each tier lacks of its target share once :data:`STEER_HORIZON` more
        trajectories are kept (never below a small floor, so every tier keeps being proposed).

        The lack is counted in trajectories, not shares, so the same shortfall in share pulls
        harder as the corpus grows: the kept corpus, not the proposals, converges on the target
        even where one tier is kept less often than the others (a scene that cannot be that
        short, de-duplication dropping short programs more often)."""
        kept = kept or {}
        total = sum(kept.get(t, 0) for t in TIER_MIX)
        if not total:
            return dict(TIER_MIX)
        weights = {t: max(STEER_FLOOR * share * STEER_HORIZON, share * (total + STEER_HORIZON) - kept.get(t, 0)) for t, share in TIER_MIX.items()}
        norm = sum(weights.values())
        return {t: w / norm for t, w in weights.items()}

    def propose(self, demos: Sequence[Demo], rng: random.Random, *, kept: Mapping[str, int] | None = None) -> Program:
        """A new program from the blueprints of ``demos`` (k trajectories drawn from the pool), its
        tier drawn by :meth:`aim` from ``kept`` (trajectories kept so far per tier); :class:`Unfit`
        if none fits. With no demonstrations yet (a run that starts without a seed pool) it starts
        from a plain blueprint on a random training seed."""
        blueprints = [d.blueprint for d in demos] or [self.seed_blueprints(rng, 1)[0].model_copy(update={"seed": rng.choice(self.seeds), "scene": rng.choice(SCENES)})]
        parent = rng.choice(blueprints)
        donor = rng.choice(blueprints)
        weights = self.aim(kept)
        want = rng.choices(list(weights), weights=list(weights.values()))[0]
        changes: dict[str, Any] = {"variant": rng.randrange(10**6), "fault": None, "order": 0}
        if rng.random() < 0.7:
            changes["seed"] = rng.choice(self.seeds)
        # The domain is drawn evenly (the pool alone would favour whatever verifies and survives
        # de-duplication most often); the scene within it is the parent's or the donor's when they fit.
        domain = rng.choice(sorted(set(DOMAIN_OF.values())))
        fits = [s for s in SCENES if DOMAIN_OF[s] == domain and (want != "L1" or s in SHORT_SCENES)] or [s for s in SCENES if DOMAIN_OF[s] == domain]
        inherited = [s for s in (parent.scene, donor.scene) if s in fits]
        changes["scene"] = rng.choice(inherited) if inherited and rng.random() < 0.5 else rng.choice(fits)
        # Recombination: the donor's way of looking around, on the parent's situation.
        if rng.random() < 0.5:
            changes["probes"], changes["diagnose"] = donor.probes, donor.diagnose
        changes["degrade"] = want != "L1" and rng.random() < self.p_degrade
        bp = parent.model_copy(update=changes)
        program = self._fit_tier(bp, want, rng)
        if bp.degrade and program.task.tier != want:
            # The recovery sub-sequence made it too long for the tier wanted: the plain program instead.
            plain = self._fit_tier(bp.model_copy(update={"degrade": False}), want, rng)
            if plain.task.tier == want:
                program = plain
        # A planted fault adds its correction to the trajectory: only where the tier survives one more call.
        room = {"L1": 0, "L2": 7 - len(program.steps), "L3": 99}[program.task.tier]
        if room > 0 and rng.random() < self.p_fault:
            faulted = self.plant_fault(program, rng)
            if faulted is not None:
                program = faulted
        return program

    def _fit_tier(self, bp: Blueprint, want: str, rng: random.Random) -> Program:
        """Adjust detail, diagnosis and extra reads until the program's tier is ``want``; failing
        that, the same on up to :data:`REDRAWS` other variants (a variant may draw a shorter form
        of the scene); else the nearest tier reached."""
        rank = {t: i for i, t in enumerate(TIER_MIX)}
        closest = None
        for variant in [bp.variant, *(rng.randrange(10**6) for _ in range(REDRAWS))]:
            candidates = []
            for detail in (0, 1, 2):
                for diagnose in (False, True):
                    for extra in (0, 1, 2, 3):
                        probes = tuple(rng.sample(PROBES, extra)) if extra else ()
                        candidates.append(bp.model_copy(update={"variant": variant, "detail": detail, "diagnose": diagnose, "probes": probes, "order": rng.randrange(1, 1000) if probes else 0}))
            rng.shuffle(candidates)
            for cand in candidates:
                try:
                    tier = tier_of(length(cand))  # the program's tier, before it is worded and built
                except Unfit:
                    continue
                if tier == want:
                    return render(cand)
                if closest is None or abs(rank[tier] - rank[want]) < abs(rank[closest[1]] - rank[want]):
                    closest = (cand, tier)
        if closest is None:
            raise Unfit(f"scene {bp.scene} does not fit topology seed {bp.seed}")
        return render(closest[0])

    def plant_fault(self, program: Program, rng: random.Random) -> Program | None:
        """The same program with one argument wrong in a way only the boundary can tell."""
        spots = []
        for i, step in enumerate(program.steps):
            for name, value in step.args.items():
                if name in _WRONG_IDS and isinstance(value, str):
                    spots.append((i, name, _WRONG_IDS[name]))
                elif name == "from_slice":
                    spots.append((i, name, SliceType.MMTC.value))
        if not spots:
            return None
        i, name, value = rng.choice(spots)
        try:
            return render(program.blueprint.model_copy(update={"fault": Fault(step=i, argument=name, value=value)}))
        except Unfit:
            return None

    # --- correction -----------------------------------------------------------------------------
    def correct(self, step: RefStep, error: dict[str, Any], intended: RefStep | None) -> RefStep | None:
        """A corrected ``step`` from the typed error the boundary returned, or None if the error
        says nothing this teacher can act on.

        An argument the error names is set to the teacher's intended value when the error lists it
        among the valid ones (else to the error's suggestion); a refused slice switch takes the
        slice the error says the service is on.
        """
        message = error.get("message", "")
        if error.get("kind") == "refused" and step.tool == "switch_network_slice":
            m = re.search(r"the service is on (\w+)", message)
            if m:
                return RefStep(tool=step.tool, args={**step.args, "from_slice": m.group(1)})
            return None
        if error.get("kind") != "invalid_arguments":
            return None
        fixed = dict(step.args)
        for problem in error.get("problems") or [message]:
            m = re.search(r"argument '(\w+)'", problem)
            if not m or m.group(1) not in fixed:
                continue
            name = m.group(1)
            valid = re.search(r"it has ([^.]+)\.", problem)
            options = [v.strip() for v in valid.group(1).split(",")] if valid else []
            want = intended.args.get(name) if intended is not None else None
            if want is not None and (not options or want in options):
                fixed[name] = want
            else:
                suggestion = re.search(r"Did you mean '([^']+)'", problem)
                if not suggestion:
                    return None
                fixed[name] = suggestion.group(1)
        if fixed == step.args:
            return None
        return RefStep(tool=step.tool, args=fixed)

    @staticmethod
    def wait_and_recheck(verify: RefStep, rng: random.Random) -> list[RefStep]:
        """After a verification that found the SLA still broken: watch the network settle, then verify again."""
        watch = [RefStep(tool=rng.choice(["check_network_state", "read_telemetry", "get_edge_load"])) for _ in range(rng.randint(2, 3))]
        return [*watch, RefStep(tool="verify_sla_compliance", args={**verify.args, "state": STATE})]


def train_seeds() -> list[int]:
    return list(SPLIT_SEEDS[Split.TRAIN])
