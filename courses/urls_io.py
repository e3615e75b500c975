"""URL patterns for import and export of courses and the district overview (merged into courses/urls.py)."""

urlpatterns: list = []
