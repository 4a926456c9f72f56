"""``column IN (values)`` with one bound parameter, however many values there are.

An expanding ``IN`` list binds one parameter per value: for ten thousand case codes that
is ten thousand placeholders to render, send and parse. PostgreSQL takes the values as
one array (``= ANY($1)``), SQLite as one JSON array (``IN (SELECT value FROM json_each(?))``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection


def among(conn: AsyncConnection, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (strings or integers), bound as a single parameter."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    array = bindparam(None, json.dumps(list(values)), type_=String())
    return column.in_(select(literal_column("value")).select_from(func.json_each(array)))
