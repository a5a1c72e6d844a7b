from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assistant.context import local_now


@login_required
def page(request):
    """The travel page. Like the money dashboard it is a shell: its script loads the trips,
    fuel, maintenance and calendar from /api/v1/ and reloads them when the user's socket says
    they changed. From here it needs the user's timezone (event times), currency, units and
    local today, and the map tile URL (none: the map draws the stops on a plain background)."""
    profile = getattr(request.user, "pam_profile", None)
    return render(request, "travel/page.html", {
        "timezone": profile.timezone if profile else "",
        "currency": profile.currency if profile else "USD",
        "units": profile.units if profile else "imperial",
        "today": local_now({"timezone": profile.timezone if profile else ""}).date(),
        "tile_url": settings.PAM_MAP_TILE_URL,
    })
