from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness and database reachability, for load balancers; no login needed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"database": "ok"})
    except Exception as error:  # any failure means "not healthy", reported, never a 500 page
        return JsonResponse({"database": f"error: {type(error).__name__}"}, status=503)
