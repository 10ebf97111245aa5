"""One pagination helper for pages and the API: newest first, a `next` link or None."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select

from katapp.extensions import db


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    has_next: bool

    def next_url(self, endpoint: str | None = None, **values) -> str | None:
        """Path of the next page (same endpoint and query), or None on the last page."""
        if not self.has_next:
            return None
        args = {**request.view_args, **request.args.to_dict(), **values, "page": self.page + 1}
        return url_for(endpoint or request.endpoint, **args)

    def prev_url(self, endpoint: str | None = None, **values) -> str | None:
        if self.page <= 1:
            return None
        args = {**request.view_args, **request.args.to_dict(), **values, "page": self.page - 1}
        return url_for(endpoint or request.endpoint, **args)


def paginate(query: Select, *, per_page: int = 100, page: int | None = None, scalars: bool = True) -> Page:
    """Run `query` (already ordered) for one page; `page` defaults to ?page= (1 when absent/bad)."""
    if page is None:
        page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 100_000))
    stmt = query.limit(per_page + 1).offset((page - 1) * per_page)
    rows = list(db.session.scalars(stmt) if scalars else db.session.execute(stmt))
    return Page(items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page)
