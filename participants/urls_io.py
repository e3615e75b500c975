"""URL patterns of this part of the participants app (merged into participants/urls.py)."""

urlpatterns: list = []
