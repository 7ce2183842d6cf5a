"""Pages of gate control, one module per feature: campuses (overview, campus page, policies,
alerts), devices, revocations, the guard station and its JSON endpoints, personal passes,
leave, visits, vehicles. Views are thin: roles are checked with `require_roles`, objects
are found through the scoped selectors, writes go through services."""

# Used by the device API (gates/api.py) and the tests.
from .station import STATION_GATE_KEY, _verdict_json, station_bundle_data

__all__ = ["STATION_GATE_KEY", "_verdict_json", "station_bundle_data"]
