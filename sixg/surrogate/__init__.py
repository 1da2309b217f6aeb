"""The Experiment Model: a learned surrogate of the ns-3 network (train, evaluate, load)."""
