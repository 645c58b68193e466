from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    """``user_roles``: the signed-in user's role names, for navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset()}
    names = set(user.roles)
    if user.is_superuser:
        names.add("operator")
    return {"user_roles": frozenset(names)}
