"""PAM's REST API for the road (/api/v1/): DRF serializers, filters, views and URLs over travel's
services and selectors."""
