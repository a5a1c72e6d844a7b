"""PAM's REST API for money (/api/v1/): DRF serializers, views and URLs over finance's services
and selectors."""
