"""Training agents on Forge corpora: agentic SFT with trl (``python -m sixg.train sft``).

:mod:`~sixg.train.data` selects a corpus' records (by source, tier, domain) through the Forge
reader, :mod:`~sixg.train.tiny` builds the ``tiny`` preset (a small Qwen2 model with its own
tokenizer), :mod:`~sixg.train.sft` runs trl's SFTTrainer and saves a model directory that the
``react-hf`` agent loads as it is. Importing this package loads neither torch nor trl.
"""
