"""CSV traces of ns-3 episodes: schema, generation, loading."""

from sixg.traces.schema import TRACE_SCHEMA_VERSION, UE_COLUMNS, WINDOW_COLUMNS

__all__ = ["TRACE_SCHEMA_VERSION", "UE_COLUMNS", "WINDOW_COLUMNS"]
