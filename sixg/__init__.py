"""sixg: LLM agents manage a simulated 6G network through typed tools, against a learned
surrogate of the network and a live ns-3 simulation side by side.

Importing sixg is cheap: it loads neither ns-3, torch nor any language model. It
registers the episode environment with Gymnasium (lazily, by entry point), so::

    import gymnasium, sixg
    env = gymnasium.make("sixg/NetOps-v0")
    envs = gymnasium.make_vec("sixg/NetOps-v0", num_envs=8)   # batched surrogate windows
"""

from gymnasium.envs.registration import register, registry

__version__ = "0.1.0"

ENV_ID = "sixg/NetOps-v0"
if ENV_ID not in registry:
    register(id=ENV_ID, entry_point="sixg.sim.env:NetOpsEnv", vector_entry_point="sixg.sim.vector:NetOpsVectorEnv")
