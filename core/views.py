from __future__ import annotations

from django.shortcuts import render


def accessibility(request):
    return render(request, "accessibility.html")
