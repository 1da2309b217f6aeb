"""6G-Forge: verified training trajectories for agents that manage the network.

Programs (an intent, a typed tool-call program, the outcome the network must reach) are
drawn by a teacher (:class:`~sixg.forge.teacher.Teacher`: the programmatic
:class:`~sixg.forge.teacher.OfflineTeacher`, or a model behind any OpenAI-compatible endpoint,
:class:`~sixg.forge.openai_teacher.OpenAITeacher`), run through the environment's tool boundary and co-simulation loop
against the surrogate (:mod:`sixg.forge.verify`), corrected where a step fails
(error-recovery traces), de-duplicated by ROUGE-L against the growing pool
(:mod:`sixg.forge.dedup`) and written as a versioned corpus of chat-format records
(:mod:`sixg.forge.records`) that trl's SFTTrainer reads. Only training topology seeds
(1-50) ever enter.
"""
