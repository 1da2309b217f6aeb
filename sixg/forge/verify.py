"""Execution verification: a program runs step by step through the environment (the tool
boundary and the co-simulation loop), and the outcome the network reaches is judged.

The program is spoken by the ReAct agent itself (:class:`ProgramAgent` is a
:class:`~sixg.agents.llm.ReActAgent` whose "model" is the program), so the chat messages
a record keeps are exactly the history the ReAct agent builds: its system prompt, the
environment's first observation, an assistant turn with an OpenAI-style ``tool_calls`` entry
per call and the ``role: tool`` text the environment rendered for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sixg.agents.base import Observation, ToolCall
from sixg.agents.llm.react import ReActAgent
from sixg.agents.llm.reply import ModelReply
from sixg.bench.tasks import RefStep, Task, Verdict, judge, settle
from sixg.sim.env import NetOpsEnv
from sixg.sim.runner import run_episode
from sixg.tools.references import Earlier


class ProgramAgent(ReActAgent):
    """Replays a program as the ReAct agent's replies: each step's thought and call (references to
    earlier results written as references, which the agent fills from this episode), then a final answer."""

    id = "forge-program"

    def __init__(self, steps: Sequence[RefStep], thoughts: Sequence[str], final: str):
        super().__init__()
        self._steps = list(steps)
        self._thoughts = list(thoughts)
        self._final = final
        self._i = 0

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        super().reset(intent=intent, tools=tools, seed=seed)
        self._i = 0

    def finish(self) -> None:
        """Answer the next observation with the final answer, whatever steps remain."""
        self._i = len(self._steps)

    def _complete(self, messages, tools, *, seed, turn) -> ModelReply:
        if self._i >= len(self._steps):
            return ModelReply(text=self._final)
        step, thought = self._steps[self._i], self._thoughts[self._i]
        self._i += 1
        call = step.call(self._recall.outputs, self._recall.state)
        if call is None:  # it needs the output of a call that failed: the program cannot go on
            return ModelReply(text=f"Final Answer: stopped, {step.tool} needs an output this episode did not produce.")
        # Spoken as a model would write it: references stay references (the agent fills them in).
        args = json.loads(call.arguments) | {k: v.model_dump() for k, v in step.args.items() if isinstance(v, Earlier)}
        return ModelReply(text=thought, tool_calls=(ToolCall(name=call.name, arguments=args, id=f"call_{turn}"),))


@dataclass(frozen=True)
class Execution:
    """One verified run of a program."""

    task: Task
    episode_seed: int
    verdict: Verdict
    messages: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    terminated: bool

    @property
    def failures(self) -> list[tuple[int, dict[str, Any]]]:
        """(index, step record) of each call that came back as a typed error or a failed verification."""
        out = []
        for i, s in enumerate(self.steps):
            r = s["result"]
            if r.get("error") is not None:
                out.append((i, s))
            elif r.get("tool") == "verify_sla_compliance" and not (r.get("output") or {}).get("compliant", True):
                out.append((i, s))
        return out


def execute(task: Task, thoughts: Sequence[str], env: NetOpsEnv, *, episode_seed: int, final: str) -> Execution:
    """Run ``task``'s program on ``env``, let the network run on for the task's ``settle_s`` and judge
    the outcome as the benchmark does (goal checks on the settled world, and the verification the
    task requires)."""
    agent = ProgramAgent(task.reference, thoughts, final)
    res = run_episode(env, agent, seed=episode_seed, options=task.env_options())
    if not res.stopped:
        # The episode ended on the environment's side (a verification confirmed the goal, or the
        # step budget ran out): the agent still reads the last result and closes the conversation.
        last = res.trajectory.steps[-1] if res.trajectory.steps else None
        if last is not None:
            agent.finish()
            agent.act(Observation(text=last["observation"], step=last["step"], t=last["t"], state=res.final_state))
    settle(task, env)
    verdict = judge(task, env.sim.world, verified=res.terminated)
    return Execution(task, episode_seed, verdict, agent.messages, list(res.trajectory.steps), res.terminated)
