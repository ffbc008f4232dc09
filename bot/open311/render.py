"""GeoReport v2's two formats: JSON (arrays of objects) and XML (a root element of repeated elements).

XML element names follow the specification's examples: <services><service>…, <service_requests><request>…,
<errors><error>…, and inside discovery <endpoints><endpoint>… with <formats><format>….
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse, Response

FORMATS = ("json", "xml")
# a list's element name -> the name of each of its items
_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def render(fmt: str, root: str, item: str | None, data: Any, *, status: int = 200,
           headers: Mapping[str, str] | None = None) -> Response:
    """`data` (a list of objects under `root`/`item`, or one object as `root`) in the format asked for."""
    if fmt == "json":
        return JSONResponse(data, status_code=status, headers=headers)
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    body = _DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8", headers=headers)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for inner in value:
            _fill(ET.SubElement(element, _ITEMS.get(element.tag, "item")), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def errors(fmt: str, status: int, description: str, *, retry_after: int | None = None) -> Response:
    """GeoReport v2's error answer: [{"code", "description"}] with the HTTP status."""
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return render(fmt if fmt in FORMATS else "json", "errors", "error",
                  [{"code": status, "description": description}], status=status, headers=headers)
