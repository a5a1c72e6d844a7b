from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from assistant.context import local_now
from finance.models import Category
from finance.periods import month_bounds
from finance.services import recurring_post_due


@login_required
@ensure_csrf_cookie  # the page's script writes through the REST API with the X-CSRFToken header
def dashboard(request):
    """The money dashboard. The page is a shell: its script loads the figures from /api/v1/ and
    reloads them when the user's socket says they changed. From here it needs the user's
    currency and local today (this month's dates, the CSV link). Bills and income that fell due
    are posted first, so the page shows them."""
    profile = getattr(request.user, "pam_profile", None)
    today = local_now({"timezone": profile.timezone if profile else ""}).date()
    recurring_post_due(user=request.user, today=today)
    month_start, month_end = month_bounds(today)
    return render(request, "finance/dashboard.html", {
        "currency": profile.currency if profile else "USD",
        "today": today,
        "month_start": month_start,
        "month_end": month_end,
        "categories": Category.choices,
        "category_labels": dict(Category.choices),
    })
