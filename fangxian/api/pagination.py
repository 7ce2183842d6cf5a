"""Pagination of API lists: limit/offset with a ceiling, so that a client asking for a
limit beyond what the database can hold (10^24 overflows SQLite's integers) gets a page of
the largest size instead of a server error."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    max_limit = 1000
