from .access import is_officer, is_performance_admin


def roles(request):
    if not hasattr(request, "user"):
        return {}
    return {
        "is_officer": is_officer(request.user),
        "is_performance_admin": is_performance_admin(request.user),
    }
