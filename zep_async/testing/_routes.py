"""Every route LocalZep serves: the route lists of the ``_routes_<area>`` modules, joined.

A new route is one entry in its area's ``ROUTES``, beside its handler; nothing
here changes unless a new area module is added.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from . import _routes_facts, _routes_insights, _routes_memory, _routes_sessions, _routes_users
from ._routing import RouteTable

TABLE: Final = RouteTable(
    (
        *_routes_sessions.ROUTES,
        *_routes_memory.ROUTES,
        *_routes_users.ROUTES,
        *_routes_facts.ROUTES,
        *_routes_insights.ROUTES,
    )
)

#: Every route name.
ROUTES: Final = TABLE.names
#: Routes the Community Edition does not have.
CLOUD_ONLY: Final = TABLE.cloud_only
#: Each route's method and path under ``/api/v2``, by name.
ROUTE_PATHS: Final = MappingProxyType({r.name: (r.method, r.path) for r in TABLE.routes})
