"""Agents that take episodes: LLMs in a ReAct loop, rule-based and RL baselines.

Looked up by id and imported lazily (importing sixg loads no model)::

    agent = make_agent("threshold")
"""

from sixg.agents.base import Agent, Observation, ToolCall, agent_ids, make_agent, register_agent

register_agent("react-hf", "sixg.agents.llm.hf:HFReActAgent")
register_agent("tiny", "sixg.agents.llm.hf:TinyAgent")
register_agent("react-openai", "sixg.agents.llm.endpoint:OpenAIReActAgent")
register_agent("reference", "sixg.bench.reference:ReferenceAgent")
register_agent("threshold", "sixg.agents.rules:ThresholdRuleAgent")
register_agent("mapek", "sixg.agents.rules:MapeKAgent")
register_agent("drl", "sixg.agents.drl:DrlSlicingAgent")
register_agent("random", "sixg.agents.random_agent:RandomAgent")
register_agent("null", "sixg.agents.sanity:NullAgent")
register_agent("verify-only", "sixg.agents.sanity:VerifyOnlyAgent")

__all__ = ["Agent", "Observation", "ToolCall", "agent_ids", "make_agent", "register_agent"]
