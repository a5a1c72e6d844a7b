"""Page numbers for list endpoints: ``?page=2&page_size=100``."""

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; 50 rows a page unless ``page_size`` asks for
    another number (at most 200). A page past the end is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
