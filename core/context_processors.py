from .access import is_officer


def roles(request):
    return (
        {"is_officer": is_officer(getattr(request, "user", None))}
        if hasattr(request, "user")
        else {}
    )
