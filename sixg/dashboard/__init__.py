"""An interactive dashboard over the files sixg writes (``python -m sixg.dashboard [PATH...]``).

Three views, as in the paper's Appendix B: the network traces (the six state
dimensions over time with degradations, actions and SLA bounds; a map of UEs, serving
cells and UAV paths), a trajectory inspector (an episode step by step; surrogate and
ns-3 side by side for a validation run) and the benchmark and validation tables
(Table I, Table III, drill-down to episodes).

:mod:`sixg.dashboard.data` holds everything it computes, without Streamlit;
:mod:`sixg.dashboard.app` is the Streamlit page.
"""

#: The environment variable through which the command hands its paths to the page.
PATHS_ENV = "SIXG_DASHBOARD_PATHS"
#: What the dashboard reads when given no paths (relative to the working directory).
DEFAULT_PATHS = ("data/traces", "runs")
